import { z } from "zod";
import { floatingIpIssues, MAX_PASSWORD_LENGTH } from "../../edge/floating-ip";
import { isPinnedImage } from "../../model/resolve";
import { secretString } from "../secret-string";

/** The port on each node where keepalived's track script reaches the local proxy's ping. */
export const DEFAULT_HEALTH_PORT = 8082;

/** The namespace MetalLB runs in, where the pool and the advertisement go. */
export const DEFAULT_METALLB_NAMESPACE = "metallb-system";

const node = z.object({ name: z.string(), address: z.string() }).strict();

/** `homeport:edge.floatingIp`: one address in front of the proxy, moved between the listed nodes. */
export const floatingIpSettings = z
  .object({
    /** IPv4 address with the prefix length of the interface's network, e.g. 172.16.3.10/16. */
    address: z.string(),
    /** Where the address is added on the node that holds it, e.g. vxlan100. */
    interface: z.string(),
    /** VRRP virtual router id, 1..255, unique on the network (Swarm, Nomad). */
    routerId: z.number(),
    /** The nodes that may hold it, most preferred first. */
    nodes: z.array(node),
    /** Seconds the first node waits before taking the address back. @default never moves back */
    preemptDelaySeconds: z.number().optional(),
    /**
     * Port on each node where the local proxy's ping answers, for keepalived's track script
     * (Swarm, Nomad). @default 8082
     */
    healthPort: z.number().int().min(1024).max(65535).default(DEFAULT_HEALTH_PORT),
    /** VRRP PASS password, 1..8 characters; set with `pulumi config set --secret`. @default none */
    password: z.string().min(1).max(MAX_PASSWORD_LENGTH).pipe(secretString()).optional(),
    /**
     * Swarm, Nomad: the keepalived image, pinned; it must hold keepalived and /usr/bin/curl (the
     * track script's client). Required there: no public image is known to hold both.
     */
    image: z.string().refine(isPinnedImage, { message: "is not pinned to a version" }).optional(),
    /** Kubernetes: the MetalLB that announces the address. @default {metallb: existing} */
    kubernetes: z
      .object({
        /**
         * "existing": MetalLB is already installed in `namespace` (its controller and speakers);
         * the part adds the pool and the advertisement. "install": not available yet (refused).
         */
        metallb: z.enum(["existing", "install"]).default("existing"),
        namespace: z
          .string()
          .regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/)
          .default(DEFAULT_METALLB_NAMESPACE),
      })
      .strict()
      .default({ metallb: "existing", namespace: DEFAULT_METALLB_NAMESPACE }),
  })
  .strict();

/** `homeport:edge`: what sits in front of the proxy. */
export const edgeSettings = z
  .object({
    floatingIp: floatingIpSettings.optional(),
  })
  .strict();

export type EdgeSettings = z.output<typeof edgeSettings>;
export type FloatingIpSettings = z.output<typeof floatingIpSettings>;

/** Settings under `homeport:edge` that hold credentials. */
export const edgeSecretSettings: string[] = ["floatingIp.password"];

export const edgeFixes: ReadonlyArray<readonly [string, string]> = [
  [
    "floatingIp.image",
    "pin an image holding keepalived and curl, e.g. registry.lan/keepalived:2.2.7",
  ],
  ["floatingIp.healthPort", "set a free port from 1024 to 65535 on the listed nodes, e.g. 8082"],
  [
    "floatingIp.password",
    `set 1 to ${MAX_PASSWORD_LENGTH} characters with: pulumi config set --secret --path homeport:edge.floatingIp.password <password>`,
  ],
  ["floatingIp.kubernetes.metallb", "set it to existing (MetalLB already runs in the cluster)"],
  ["floatingIp.kubernetes.namespace", "name MetalLB's namespace, e.g. metallb-system"],
  ["floatingIp", "give a map {address, interface, routerId, nodes}"],
];

/** A problem found across edge settings, with its own fix. */
export interface EdgeSettingIssue {
  readonly path: (string | number)[];
  readonly message: string;
  readonly value: unknown;
  readonly fix: string;
}

/**
 * The floating IP's own checks (components/edge/floating-ip.ts), and the part's needs: the part
 * listed without the setting, the setting without the proxy it fronts, MetalLB's install path.
 */
export function edgeStackIssues(cfg: {
  readonly parts: readonly string[];
  readonly edge: EdgeSettings;
}): EdgeSettingIssue[] {
  const floatingIp = cfg.edge.floatingIp;
  const issues: EdgeSettingIssue[] = [];
  if (!cfg.parts.includes("edge")) {
    if (floatingIp)
      issues.push({
        path: ["edge", "floatingIp"],
        value: floatingIp.address,
        message: "is set, but the edge part is not in homeport:parts",
        fix: "add edge to homeport:parts, or remove homeport:edge.floatingIp",
      });
    return issues;
  }
  if (!floatingIp) {
    return [
      {
        path: ["parts"],
        value: cfg.parts,
        message: "lists edge, but homeport:edge.floatingIp is not set",
        fix: "set homeport:edge.floatingIp {address, interface, routerId, nodes}, or remove edge from homeport:parts",
      },
    ];
  }
  if (!cfg.parts.includes("proxy")) {
    issues.push({
      path: ["parts"],
      value: cfg.parts,
      message: "lists edge without proxy: the floating address fronts the proxy",
      fix: "add proxy to homeport:parts",
    });
  }
  if (floatingIp.kubernetes.metallb === "install") {
    issues.push({
      path: ["edge", "floatingIp", "kubernetes", "metallb"],
      value: "install",
      message:
        "is not available: MetalLB's controller and speakers are not installed by this program yet",
      fix: "install MetalLB in the cluster (metallb/metallb config/manifests) and set it to existing",
    });
  }
  for (const i of floatingIpIssues(floatingIp)) {
    issues.push({ path: i.path, value: i.value, message: i.message, fix: i.fix });
  }
  return issues;
}
