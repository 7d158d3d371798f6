import { createHash } from "node:crypto";

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
  /**
   * The flow group a network or pod serves (`ResolvedWorkload.flowGroup`): on Swarm each group's
   * overlay network carries it, and so does every service, so that service discovery keeps the
   * address of a task on its own group's network.
   */
  flowGroup: "homeport.dev/flow-group",
  /**
   * The Pulumi stack a platform-wide object belongs to (the Swarm overlay network), so
   * service discovery keeps this stack's targets only.
   */
  stack: "homeport.dev/stack",
  /**
   * The workload's `shared` volumes, comma-separated: policies check that each lives on a network
   * filesystem where several nodes may run the workload.
   */
  sharedVolumes: "homeport.dev/shared-volumes",
  /**
   * The copies every pool of a Ceph cluster the stack runs keeps, on each of its daemons'
   * workloads: `stack-ceph-replication` reads it.
   */
  cephPoolSize: "homeport.dev/ceph-pool-size",
  /**
   * On a Swarm volume that binds a directory of the node's own network mount (the CephFS each
   * node mounts): the store it is in, which its driver options cannot show.
   */
  store: "homeport.dev/store",
  /** Prometheus scrape port and path. */
  metricsPort: "homeport.dev/metrics-port",
  metricsPath: "homeport.dev/metrics-path",
  /** The workloads a readiness check goes through, comma-separated (its liveness is local). */
  readinessVia: "homeport.dev/readiness-via",
  /**
   * Digest of the readiness check's in-container command, where a target runs only one check
   * (Swarm): the policy pack tells from it that the one check is not the readiness check.
   */
  readinessCheck: "homeport.dev/readiness-check",
  /** "high" for workloads that must be scheduled before others (per-node agents). */
  priority: "homeport.dev/priority",
} as const;

/** The rules whose exemptions change a workload's defaults (see `resolveWorkload`). */
export const RULES = {
  readOnlyRoot: "workload-read-only-root-filesystem",
  nonRoot: "workload-run-as-non-root",
} as const;

/** Digest of a check's in-container command, as {@link META.readinessCheck} holds it. */
export const checkDigest = (command: readonly unknown[]): string =>
  createHash("sha256").update(JSON.stringify(command)).digest("hex").slice(0, 16);

/** Prefix of an exemption key; the rule name follows, the value is the reason. */
export const EXEMPTION_PREFIX = "policy.homeport.dev/exempt.";

export const exemptionKey = (rule: string): string => `${EXEMPTION_PREFIX}${rule}`;
