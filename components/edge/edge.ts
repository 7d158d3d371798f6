import * as pulumi from "@pulumi/pulumi";
import {
  ExemptionSpec,
  mebibytes,
  millicores,
  PlatformAdapter,
  seconds,
  WorkloadSpec,
} from "../model";
import { FloatingIp } from "./floating-ip";
import { keepalivedConfOutput } from "./keepalived-conf";
import { KEEPALIVED_CAPABILITIES, keepalivedWorkloadNeeds } from "./keepalived-workload";

export const EDGE_TYPE = "homeport:edge:Edge";

/** The part name on every leaf resource, and the workload name prefix. */
export const EDGE_PART = "edge";
export const KEEPALIVED_WORKLOAD = "keepalived";

/** The edge's own args: the floating IP in front of the proxy. */
export interface EdgeArgs {
  readonly floatingIp: FloatingIp;
  /** VRRP PASS password, secret. @default none */
  readonly password?: pulumi.Input<string>;
  /** Where the VRRP way is taken: keepalived's image (keepalived and curl). */
  readonly image?: string;
  /** The port on each node where the local proxy's ping answers. */
  readonly healthPort: number;
  /** Where the load-balancer way is taken: MetalLB's namespace. */
  readonly loadBalancerNamespace: string;
  readonly platform: PlatformAdapter;
}

/** Why each keepalived instance carries its exemptions: read by the policy pack on the leaf resources. */
export const KEEPALIVED_EXEMPTIONS: readonly ExemptionSpec[] = [
  {
    rule: "workload-drop-capabilities",
    reason: `keepalived holds the floating address: ${Object.entries(KEEPALIVED_CAPABILITIES)
      .map(([cap, why]) => `${cap} ${why}`)
      .join("; ")}`,
  },
  {
    rule: "workload-network-capabilities",
    reason:
      "keepalived holds the floating address, which takes NET_ADMIN and NET_RAW (and SETGID for its track script)",
  },
  {
    rule: "workload-no-host-namespaces",
    reason:
      "keepalived adds the floating address to the node's own interface and sends VRRP between the nodes' own addresses",
  },
  {
    rule: "workload-isolated-by-flows",
    reason:
      "keepalived runs on the node's own network, which no platform network isolates; the host firewall lets VRRP (IP protocol 112) pass between the listed nodes only (docs/security.md)",
  },
  {
    rule: "workload-require-health-check",
    reason:
      "keepalived serves no port; its track script checks the local proxy and the orchestrator restarts it when it exits",
  },
  {
    rule: "stack-no-single-point-of-failure",
    reason:
      "one keepalived per listed node, each with its own configuration; together they are the redundancy",
  },
  {
    rule: "workload-spread-across-nodes",
    reason: "each keepalived instance is pinned to the node whose configuration it carries",
  },
  {
    rule: "workload-run-as-non-root",
    reason:
      "keepalived changes the node's addresses and sends VRRP, which its capabilities allow only to root",
  },
  {
    rule: "workload-read-only-root-filesystem",
    reason: "keepalived writes its pid files under /run and /var/run of its image at start",
  },
];

/** One keepalived instance's workload, pinned to its node (pure: creates nothing). */
export function keepalivedSpec(args: {
  readonly image: string;
  readonly node: string;
  readonly conf: pulumi.Input<string>;
  /** The configuration holds the VRRP password: deliver it as a secret file. */
  readonly secret: boolean;
  readonly needs: ReturnType<typeof keepalivedWorkloadNeeds>;
}): WorkloadSpec {
  const { needs } = args;
  const conf = { name: "keepalived-conf", path: needs.confPath };
  return {
    image: args.image,
    command: [...needs.command],
    ...(args.secret
      ? { secrets: [{ ...conf, value: args.conf }] }
      : { files: [{ ...conf, content: args.conf }] }),
    resources: {
      requests: { cpu: millicores(20), memory: mebibytes(16) },
      limits: { memory: mebibytes(64) },
    },
    scheduling: {
      mode: "singleton",
      reason: `one keepalived per node with that node's own configuration (node ${args.node})`,
    },
    placement: { constraints: [{ attribute: "hostname", value: args.node }], spread: false },
    // A graceful stop removes the address and hands it over at once (docs/edge.md).
    update: { order: "stop-first" },
    stopGracePeriod: seconds(5),
    // VRRP adverts go to the other listed nodes' own addresses, and the track script asks the
    // local proxy's published ping port: both on the node's network.
    flows: [{ kind: "external", reason: "VRRP between the nodes and the proxy's published ping" }],
    security: {
      hostNetwork: needs.hostNetwork,
      capAdd: [...needs.capabilities],
      dropAllCapabilities: true,
      user: "0:0",
    },
    exemptions: [...KEEPALIVED_EXEMPTIONS],
  };
}

/**
 * The floating IP in front of the proxy. Where the adapter holds it by VRRP, one keepalived per
 * listed node (host network, NET_ADMIN, NET_RAW and SETGID only, unicast VRRP, priority by node
 * order, a track script on the local proxy's ping); where the orchestrator has a load balancer,
 * its address pool for the proxy's published ports. The proxy side (ping port, floating address
 * on its ports) comes with the proxy's args (`stack-args.ts`).
 */
export class Edge extends pulumi.ComponentResource {
  /** The floating address. */
  public readonly address: pulumi.Output<string>;
  /** The leaf resources, for `dependsOn`. */
  public readonly resources: pulumi.Resource[] = [];

  constructor(name: string, args: EdgeArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super(EDGE_TYPE, name, {}, opts);
    const { floatingIp, platform } = args;
    const strategies: Record<PlatformAdapter["capabilities"]["floatingAddress"], () => void> = {
      vrrp: () => {
        if (!args.image) {
          throw new Error(
            "homeport:edge.floatingIp.image is not set. Fix: pin an image holding keepalived and curl.",
          );
        }
        const needs = keepalivedWorkloadNeeds(floatingIp, { ping: { port: args.healthPort } });
        needs.instances.forEach((instance, index) => {
          const deployment = platform.deploy(
            `${KEEPALIVED_WORKLOAD}-${index + 1}`,
            EDGE_PART,
            keepalivedSpec({
              image: args.image as string,
              node: instance.node,
              conf: keepalivedConfOutput(instance.args, args.password),
              secret: args.password !== undefined,
              needs,
            }),
            { parent: this },
          );
          this.resources.push(...deployment.resources);
        });
      },
      "load-balancer": () => {
        if (!platform.deployAddressPool) {
          throw new Error(
            `${platform.capabilities.prose.orchestrator} holds floating addresses with a load balancer but offers no address pool.`,
          );
        }
        this.resources.push(
          ...platform.deployAddressPool(
            `${name}-floating-ip`,
            {
              ip: floatingIp.address.ip,
              interface: floatingIp.interface,
              nodes: floatingIp.nodes.map((n) => n.name),
              namespace: args.loadBalancerNamespace,
            },
            { parent: this },
          ),
        );
      },
    };
    strategies[platform.capabilities.floatingAddress]();
    this.address = pulumi.output(floatingIp.address.ip);
    this.registerOutputs({ address: this.address });
  }
}
