import { z } from "zod";
import { secretString } from "./secret-string";
import { appsSecretSettings, appsSettings, appsStackIssues } from "./parts/apps";
import { edgeSecretSettings, edgeSettings, edgeStackIssues } from "./parts/edge";
import { monitoringSecretSettings, monitoringSettings } from "./parts/monitoring";
import { proxySecretSettings, proxySettings, proxyStackIssues } from "./parts/proxy";

/** The config namespace of every stack setting: `homeport:<setting>`. */
export const NAMESPACE = "homeport";

export const TARGETS = ["swarm", "kubernetes", "nomad"] as const;
export type Target = (typeof TARGETS)[number];

export const ENVIRONMENTS = ["dev", "production"] as const;
export type Environment = (typeof ENVIRONMENTS)[number];

/** Platform parts that a stack can enable. */
export const PARTS = ["proxy", "monitoring", "apps", "edge"] as const;
export type Part = (typeof PARTS)[number];

/** Tiers whose replica counts are set in `homeport:sizes`. */
export const TIERS = [
  "proxy",
  "frontend",
  "backend",
  "worker",
  "rabbitmq",
  "minio",
  "prometheus",
  "alertmanager",
  "grafana",
] as const;
export type Tier = (typeof TIERS)[number];

const DNS_NAME =
  /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$/;
const DNS_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const DURATION = /^(\d+(\.\d+)?(ms|s|m|h))+$/;

const replicas = z.number().int().min(0);

export const storageSettings = z
  .object({
    backend: z.enum(["local", "nfs", "ceph"]).default("local"),
    nfs: z
      .object({
        server: z.string().min(1),
        path: z.string().startsWith("/"),
        options: z.string().default("nfsvers=4.1,rw,noatime"),
      })
      .strict()
      .optional(),
    ceph: z
      .object({
        monitors: z.array(z.string().min(1)).min(1),
        user: z.string().min(1).default("admin"),
        secretFile: z.string().startsWith("/").optional(),
        path: z.string().startsWith("/").default("/"),
      })
      .strict()
      .optional(),
  })
  .strict();

export const swarmSettings = z
  .object({
    host: z.string().min(1).optional(),
    endpointMode: z.enum(["vip", "dnsrr"]).default("vip"),
    publishMode: z.enum(["ingress", "host"]).default("ingress"),
    convergeTimeout: z.string().regex(DURATION).default("5m"),
  })
  .strict();

export const kubernetesSettings = z
  .object({
    context: z.string().min(1).optional(),
    kubeconfig: z.string().min(1).optional(),
    namespace: z.string().regex(DNS_LABEL).default("homeport"),
    createNamespace: z.boolean().default(true),
    podSecurity: z.enum(["privileged", "baseline", "restricted"]).optional(),
    ingressClass: z.string().min(1).default("traefik"),
    storageClasses: z
      .object({
        local: z.string().min(1).optional(),
        shared: z.string().min(1).optional(),
        block: z.string().min(1).optional(),
      })
      .strict()
      .default({}),
  })
  .strict();

export const nomadSettings = z
  .object({
    address: z.url().optional(),
    region: z.string().min(1).default("global"),
    namespace: z.string().min(1).default("default"),
    datacenters: z.array(z.string().min(1)).min(1).default(["dc1"]),
    cpuMhzPerCore: z.number().int().positive().default(1000),
    purgeOnDestroy: z.boolean().default(true),
    /** Where jobs register their services: Nomad's built-in catalogue or Consul. @default nomad */
    serviceProvider: z.enum(["nomad", "consul"]).default("nomad"),
    consul: z
      .object({
        /** Consul's HTTP API as tasks reach it. @default the node's agent, where it can be interpolated */
        address: z.url({ protocol: /^https?$/ }).optional(),
        /** @default the agent's own datacenter */
        datacenter: z.string().min(1).optional(),
        /** ACL token the proxy, Prometheus and RabbitMQ read the catalogue with. @default none */
        token: secretString().optional(),
        /** DNS servers of every group's network, answering `.consul`. @default ["172.17.0.1"] */
        dnsServers: z.array(z.string().min(1)).min(1).default(["172.17.0.1"]),
      })
      .strict()
      .default({ dnsServers: ["172.17.0.1"] }),
  })
  .strict();

/** The whole stack configuration, as the program sees it after parsing. */
export const stackSchema = z
  .object({
    target: z.enum(TARGETS),
    environment: z.enum(ENVIRONMENTS).default("dev"),
    domain: z.string().regex(DNS_NAME),
    parts: z
      .array(z.enum(PARTS))
      .refine((parts) => new Set(parts).size === parts.length, { message: "duplicate" })
      .default(["proxy", "monitoring", "apps"]),
    sizes: z.partialRecord(z.enum(TIERS), replicas).default({}),
    storage: storageSettings.default({ backend: "local" }),
    swarm: swarmSettings.default({
      endpointMode: "vip",
      publishMode: "ingress",
      convergeTimeout: "5m",
    }),
    kubernetes: kubernetesSettings.optional(),
    nomad: nomadSettings.optional(),
    proxy: proxySettings.default(proxySettings.parse({})),
    monitoring: monitoringSettings.default(monitoringSettings.parse({})),
    apps: appsSettings.default(appsSettings.parse({})),
    edge: edgeSettings.default({}),
  })
  .strict()
  .superRefine((cfg, ctx) => {
    if (cfg.storage.backend === "nfs" && !cfg.storage.nfs) {
      ctx.addIssue({ code: "custom", path: ["storage", "nfs"], message: "missing-backend" });
    }
    if (cfg.storage.backend === "ceph" && !cfg.storage.ceph) {
      ctx.addIssue({ code: "custom", path: ["storage", "ceph"], message: "missing-backend" });
    }
    if (cfg.swarm.endpointMode === "dnsrr" && cfg.swarm.publishMode === "ingress") {
      ctx.addIssue({
        code: "custom",
        path: ["swarm", "publishMode"],
        message: "dnsrr-ingress",
        params: { value: cfg.swarm.publishMode },
      });
    }
    for (const issue of proxyStackIssues({ ...cfg, floatingIp: cfg.edge.floatingIp })) {
      ctx.addIssue({
        code: "custom",
        path: issue.path,
        message: issue.message,
        params: { value: issue.value, fix: issue.fix },
      });
    }
    for (const issue of edgeStackIssues(cfg)) {
      ctx.addIssue({
        code: "custom",
        path: issue.path,
        message: issue.message,
        params: { value: issue.value, fix: issue.fix },
      });
    }
    for (const issue of appsStackIssues(cfg)) {
      ctx.addIssue({
        code: "custom",
        path: issue.path,
        message: issue.message,
        params: { value: issue.value, fix: issue.fix },
      });
    }
  });

export type StackInput = z.input<typeof stackSchema>;
type Parsed = z.output<typeof stackSchema>;

/** The validated stack configuration with every default applied. */
export interface StackConfig extends Omit<Parsed, "kubernetes" | "nomad"> {
  readonly kubernetes: z.output<typeof kubernetesSettings>;
  readonly nomad: z.output<typeof nomadSettings>;
}

/** Settings whose values are credentials: they must be set with `pulumi config set --secret`. */
export const SECRET_SETTINGS: readonly string[] = [
  ...proxySecretSettings.map((path) => `proxy.${path}`),
  ...monitoringSecretSettings.map((path) => `monitoring.${path}`),
  ...appsSecretSettings.map((path) => `apps.${path}`),
  "nomad.consul.token",
  ...edgeSecretSettings.map((path) => `edge.${path}`),
];
