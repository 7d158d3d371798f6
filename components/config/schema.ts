import { z } from "zod";
import { positiveDuration } from "./durations";
import { secretString } from "./secret-string";
import { appsSecretSettings, appsSettings, appsStackIssues } from "./parts/apps";
import { mediaSettings, mediaStackIssues } from "./parts/media";
import { edgeSecretSettings, edgeSettings, edgeStackIssues } from "./parts/edge";
import { monitoringSecretSettings, monitoringSettings } from "./parts/monitoring";
import { proxySecretSettings, proxySettings, proxyStackIssues } from "./parts/proxy";
import { storageSecretSettings, storageSettings, storageStackIssues } from "./parts/storage";

/** The config namespace of every stack setting: `homeport:<setting>`. */
export const NAMESPACE = "homeport";

export const TARGETS = ["swarm", "kubernetes", "nomad"] as const;
export type Target = (typeof TARGETS)[number];

export const ENVIRONMENTS = ["dev", "production"] as const;
export type Environment = (typeof ENVIRONMENTS)[number];

/** Platform parts that a stack can enable. */
export const PARTS = ["proxy", "monitoring", "apps", "media", "edge"] as const;
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
/** A DNS-1123 subdomain, as Kubernetes checks object names (k8s.io/apimachinery: pkg/util/validation/validation.go IsDNS1123Subdomain). */
const DNS_SUBDOMAIN =
  /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** A Nomad namespace name (hashicorp/nomad: nomad/structs/structs.go validNamespaceName). */
const NOMAD_NAMESPACE = /^[a-zA-Z0-9-]{1,128}$/;
/** Addresses of a Docker engine, as the docker CLI and provider take them (DOCKER_HOST). */
const DOCKER_HOST = /^(unix:\/\/\/\S+|npipe:\/\/\S+|(tcp|ssh):\/\/[^\s/]+(\/\S*)?)$/;

const replicas = z.number().int().min(0);

export { storageSettings };

export const swarmSettings = z
  .object({
    host: z.string().regex(DOCKER_HOST).optional(),
    endpointMode: z.enum(["vip", "dnsrr"]).default("vip"),
    publishMode: z.enum(["ingress", "host"]).default("ingress"),
    convergeTimeout: z
      .string()
      .regex(DURATION, { abort: true })
      .refine(positiveDuration, { message: "must be longer than 0" })
      .default("5m"),
  })
  .strict();

export const kubernetesSettings = z
  .object({
    context: z.string().min(1).optional(),
    kubeconfig: z.string().min(1).optional(),
    namespace: z.string().regex(DNS_LABEL).default("homeport"),
    createNamespace: z.boolean().default(true),
    podSecurity: z.enum(["privileged", "baseline", "restricted"]).optional(),
    ingressClass: z.string().regex(DNS_SUBDOMAIN).default("traefik"),
    storageClasses: z
      .object({
        local: z.string().regex(DNS_SUBDOMAIN).optional(),
        shared: z.string().regex(DNS_SUBDOMAIN).optional(),
        block: z.string().regex(DNS_SUBDOMAIN).optional(),
      })
      .strict()
      .default({}),
  })
  .strict();

export const nomadSettings = z
  .object({
    address: z.url({ protocol: /^https?$/ }).optional(),
    region: z.string().regex(NOMAD_NAMESPACE).default("global"),
    namespace: z.string().regex(NOMAD_NAMESPACE).default("default"),
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
    storage: storageSettings.default({ backend: "local", deleteDataOnDestroy: false }),
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
    media: mediaSettings.default(mediaSettings.parse({})),
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
        params: {
          value: cfg.swarm.publishMode,
          fix: "set homeport:swarm.publishMode to host, or homeport:swarm.endpointMode to vip",
        },
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
    for (const issue of [...edgeStackIssues(cfg), ...mediaStackIssues(cfg)]) {
      ctx.addIssue({
        code: "custom",
        path: issue.path,
        message: issue.message,
        params: { value: issue.value, fix: issue.fix },
      });
    }
    for (const issue of storageStackIssues(cfg.storage)) {
      ctx.addIssue({
        code: "custom",
        path: issue.path,
        message: issue.message,
        params: { value: issue.value, fix: issue.fix, unset: issue.value === undefined },
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
  ...storageSecretSettings.map((path) => `storage.${path}`),
];
