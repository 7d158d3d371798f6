/**
 * Metadata keys that every adapter writes on the leaf resources (Swarm service labels,
 * Kubernetes labels and annotations, Nomad job meta). The policy pack reads the same keys, so a
 * rule can tell a stateful service or an exemption apart on every target.
 */
export const META = {
  /** The workload's name in the neutral model. */
  workload: "homeport.dev/workload",
  /** The platform part that declared it (proxy, monitoring, apps…). */
  part: "homeport.dev/part",
  /** "stateless" or "stateful". */
  state: "homeport.dev/state",
  /** "sqlite" when the workload keeps an SQLite database. */
  storageEngine: "homeport.dev/storage-engine",
  /** "singleton" with its reason, "per-node", "replicated" or "job" (runs to completion). */
  scheduling: "homeport.dev/scheduling",
  /** Why a singleton cannot scale out. */
  singletonReason: "homeport.dev/singleton-reason",
  /**
   * The cluster a workload is one member of, where a target runs each member as its own workload
   * (RabbitMQ or MinIO on Swarm): policies count a cluster's members together.
   */
  cluster: "homeport.dev/cluster",
  /** Prometheus scrape port and path. */
  metricsPort: "homeport.dev/metrics-port",
  metricsPath: "homeport.dev/metrics-path",
} as const;

/** Prefix of an exemption key; the rule name follows, the value is the reason. */
export const EXEMPTION_PREFIX = "policy.homeport.dev/exempt.";

export const exemptionKey = (rule: string): string => `${EXEMPTION_PREFIX}${rule}`;

/**
 * Nomad meta keys are interpolated as `${meta.key}` and exported as env vars, so they keep to
 * letters, digits and underscores: "homeport.dev/part" becomes "homeport_dev_part".
 */
export const nomadMetaKey = (key: string): string => key.replace(/[^A-Za-z0-9_]/g, "_");
