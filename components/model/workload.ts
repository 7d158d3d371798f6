import * as pulumi from "@pulumi/pulumi";
import { Cpu, Duration, Memory } from "./units";

/**
 * The neutral description of one workload: what a concern component (proxy, monitoring, apps…)
 * asks for. Platform adapters turn it into Docker Swarm, Kubernetes or Nomad resources; nothing
 * here names an orchestrator.
 */
export interface WorkloadSpec {
  /** Image reference pinned by tag (never `latest`) or by digest (`name@sha256:…`). */
  readonly image: string;
  /** Replaces the image's entrypoint. @default the image's entrypoint */
  readonly command?: string[];
  /** Arguments to the entrypoint. @default the image's command */
  readonly args?: string[];
  /** Plain environment. Secret values never go here: use {@link secrets}. @default {} */
  readonly env?: Record<string, pulumi.Input<string>>;
  /** Secrets, delivered as orchestrator secrets (files, or env vars where the target can). @default [] */
  readonly secrets?: SecretSpec[];
  /** Configuration files rendered into the container. @default [] */
  readonly files?: FileSpec[];
  /** Ports the workload listens on. @default [] */
  readonly ports?: PortSpec[];
  /** Volumes, by class. @default [] */
  readonly volumes?: VolumeSpec[];
  /** Routes through the reverse proxy. @default [] (not exposed) */
  readonly routes?: RouteSpec[];
  /**
   * The connections it opens: adapters let it reach exactly these, besides DNS; anyone may reach
   * a published port.
   * @default [] (opens no connection)
   */
  readonly flows?: FlowSpec[];
  /**
   * How the orchestrator decides the workload is ready, and, without {@link liveness}, alive.
   */
  readonly health?: HealthCheckSpec;
  /**
   * A local check that the process answers, which alone decides restarts. Required when `health`
   * goes through another workload (`health.via`): an outage of that workload must not restart
   * this one. @default health, when it is local
   */
  readonly liveness?: HealthCheckSpec;
  /** CPU and memory requests and limits. @default {@link DEFAULT_RESOURCES} */
  readonly resources?: ResourcesSpec;
  /** How many copies run, and where. @default replicated, 2 replicas */
  readonly scheduling?: SchedulingSpec;
  /** Node constraints and spreading. @default spread across nodes, no constraints */
  readonly placement?: PlacementSpec;
  /** Rollout behaviour. @default rolling, start-first, one at a time, automatic rollback */
  readonly update?: UpdateSpec;
  /** Time between the stop signal and the kill. @default 10s */
  readonly stopGracePeriod?: Duration;
  /** Whether the workload keeps state that must survive it. @default "stateless" */
  readonly state?: "stateless" | "stateful";
  /** Storage engine notes that policies act on (SQLite must never sit on NFS/CephFS). */
  readonly storageEngine?: "sqlite";
  /** Prometheus scrape endpoint. @default none */
  readonly metrics?: MetricsSpec;
  /**
   * The floating address (an IPv4 address) its published ports answer on: the load balancer's
   * address where the orchestrator has one, else node-local publishing on the nodes that hold it
   * by VRRP. @default none
   */
  readonly floatingAddress?: string;
  /**
   * The stable host by which the other members of its cluster name this one (its node name or
   * server URL holds it). Members look each other up while they start, before any is healthy, so
   * the host must resolve from the moment the member runs. @default none: not one member of a
   * cluster of several
   */
  readonly memberHost?: string;
  /**
   * Scheduling priority: a per-node agent (an exporter) must still fit on a node full of other
   * workloads, or that node leaves monitoring. @default "high" for per-node workloads, else "normal"
   */
  readonly priority?: "normal" | "high";
  /**
   * Security settings. @default non-privileged, no added capabilities, all dropped, read-only
   * root filesystem, non-root
   */
  readonly security?: SecuritySpec;
  /** Extra labels put on the leaf resources. @default {} */
  readonly labels?: Record<string, string>;
  /**
   * Explicit, visible exemptions from policy rules, each with its reason. They are written as
   * labels/annotations/meta on the leaf resources, where the policy pack reads them.
   * @default []
   */
  readonly exemptions?: ExemptionSpec[];
}

export interface SecretSpec {
  /** Name of the secret, unique within the workload. */
  readonly name: string;
  /** The value; always wrapped as a Pulumi secret by the adapters. */
  readonly value: pulumi.Input<string>;
  /** Environment variable that receives the value (Kubernetes, Nomad). */
  readonly env?: string;
  /**
   * Environment variable that receives the path of the secret file, for targets that deliver
   * secrets as files only (Swarm). @default `${env}_FILE` when `env` is set
   */
  readonly fileEnv?: string;
  /** Path of the secret file in the container. @default `/run/secrets/<name>` */
  readonly path?: string;
  /**
   * Plain text before and after the secret in what the workload receives, e.g. a URL's scheme and
   * host around its password: the workload gets `prefix + value + suffix`, delivered as a secret.
   * They may hold addresses from `WorkloadDeployment.address()` (template expressions on Nomad,
   * which resolves them at task start), which is why they stay apart from the value. @default ""
   */
  readonly prefix?: pulumi.Input<string>;
  /** See {@link prefix}. @default "" */
  readonly suffix?: pulumi.Input<string>;
}

export interface FileSpec {
  /** Short name, unique within the workload. */
  readonly name: string;
  /** Absolute path in the container. */
  readonly path: string;
  readonly content: pulumi.Input<string>;
  /** @default 0o444 */
  readonly mode?: number;
}

export interface PortSpec {
  /** Port name, referenced by routes, health checks and metrics. */
  readonly name: string;
  readonly port: number;
  /** @default "tcp" */
  readonly protocol?: "tcp" | "udp";
  /**
   * Publish on the nodes themselves (only the reverse proxy, and peers such as a torrent client,
   * should). @default not published
   */
  readonly publish?: { readonly hostPort: number };
}

/** Storage classes. The stack's storage backend decides what each becomes on each target. */
export type VolumeClass =
  /** Scratch space that dies with the task. */
  | "ephemeral"
  /** Persistent, on the node's own disk; the workload is pinned to its node. */
  | "local"
  /** Persistent, read-write-many across nodes (NFS or CephFS). */
  | "shared"
  /** Persistent, read-write-once block storage (local disk or Ceph RBD). */
  | "block"
  /** A read-only host path, for exporters that read /proc, /sys or the container runtime. */
  | "host-readonly";

export interface VolumeSpec {
  /** Volume name; for `shared` volumes the same name means the same data across workloads. */
  readonly name: string;
  readonly mountPath: string;
  readonly class: VolumeClass;
  /** Requested size (Kubernetes claims, Nomad CSI). @default 1Gi */
  readonly size?: Memory;
  /** Host path, for `host-readonly` only. */
  readonly hostPath?: string;
  /** @default true for host-readonly, false otherwise */
  readonly readOnly?: boolean;
  /**
   * The volume holds state the platform cannot rebuild (a database, a queue, objects): its
   * adapter keeps it when the workload is destroyed or replaced (see {@link DataRetention}).
   * @default true for the persistent classes (local, shared, block), false otherwise
   */
  readonly holdsState?: boolean;
}

export interface RouteSpec {
  /** Fully qualified host name, inside the stack's domain. */
  readonly host: string;
  /** @default "/" */
  readonly pathPrefix?: string;
  /** Name of the port the route forwards to. */
  readonly port: string;
  /** @default true */
  readonly tls?: boolean;
  /** Middlewares applied in order. @default [] */
  readonly middlewares?: MiddlewareSpec[];
  /**
   * Route to a proxy-internal service (e.g. Traefik's `api@internal`) instead of this workload.
   * `port` must still name a declared port: Traefik's Swarm provider needs one for the workload.
   */
  readonly internalService?: string;
}

/** A connection a workload opens (see {@link WorkloadSpec.flows}). */
export type FlowSpec =
  /**
   * To another workload of the stack, or to every member of a cluster by the cluster's name (its
   * members' `homeport.dev/cluster`), on these ports.
   */
  | { readonly kind: "workload"; readonly to: string; readonly ports: number[] }
  /** Out of the stack (the internet, an external S3 or broker), with why it needs to. */
  | {
      readonly kind: "external";
      readonly reason: string;
      /** @default every port */
      readonly ports?: number[];
    }
  /** To every workload's metrics port (the scraper, Prometheus). */
  | { readonly kind: "metrics" }
  /** To every route's port: the routes are the reverse proxy's flows. */
  | { readonly kind: "routes" };

export type MiddlewareSpec =
  /** HTTP basic auth; `users` is an htpasswd line set ("user:hash" per line), kept secret. */
  | {
      readonly kind: "basic-auth";
      readonly users: pulumi.Input<string>;
      /**
       * Pass the Authorization header on to the workload, for one that checks the same login
       * itself (Transmission's RPC): one prompt instead of two. @default false
       */
      readonly passCredentials?: boolean;
    }
  /** Delegate authentication to a forward-auth service. */
  | { readonly kind: "forward-auth"; readonly address: string }
  /** Add security headers (HSTS, nosniff, frame deny). */
  | { readonly kind: "security-headers" }
  /** Average requests per second per client, with a burst. */
  | { readonly kind: "rate-limit"; readonly average: number; readonly burst: number };

interface ProbeTiming {
  /** @default 10s */
  readonly interval?: Duration;
  /** @default 5s */
  readonly timeout?: Duration;
  /** Consecutive failures before the task is unhealthy. @default 3 */
  readonly retries?: number;
  /** Grace period after start during which failures do not count. @default 10s */
  readonly startPeriod?: Duration;
  /**
   * Workloads the check goes through (a broker ping): it then decides readiness only, and the
   * workload needs a local {@link WorkloadSpec.liveness}. @default [] (a local check)
   */
  readonly via?: string[];
}

export type HealthCheckSpec =
  | (ProbeTiming & {
      readonly kind: "http";
      /** Port name. */
      readonly port: string;
      readonly path: string;
      /**
       * Command that performs the same check from inside the container, for targets whose checks
       * run inside it (Swarm). @default curl against 127.0.0.1
       */
      readonly inContainer?: string[];
    })
  | (ProbeTiming & {
      readonly kind: "tcp";
      readonly port: string;
      /** @default nc -z against 127.0.0.1 */
      readonly inContainer?: string[];
    })
  | (ProbeTiming & {
      readonly kind: "command";
      readonly command: string[];
      /**
       * Port name checked over TCP instead, by targets whose checks cannot run commands (Nomad's
       * built-in service catalogue). @default no check there
       */
      readonly port?: string;
    });

export interface ResourcesSpec {
  readonly requests: { readonly cpu: Cpu; readonly memory: Memory };
  readonly limits?: { readonly cpu?: Cpu; readonly memory?: Memory };
}

export type SchedulingSpec =
  | { readonly mode: "replicated"; readonly replicas: number }
  /** One copy on every eligible node (exporters). */
  | { readonly mode: "per-node" }
  /** Exactly one copy, with the reason it cannot scale out (recorded as a policy exemption). */
  | { readonly mode: "singleton"; readonly reason: string }
  /**
   * Runs once to completion (an init step such as creating a bucket). Workloads that list it in
   * `dependsOn` start only after it has succeeded; a failure stops the deployment.
   */
  | { readonly mode: "job" };

export interface NodeConstraint {
  /** "role" (manager/worker, Swarm only), "hostname", or a node "label". */
  readonly attribute: "role" | "hostname" | "label";
  /** Label key, for attribute "label". */
  readonly key?: string;
  /** @default "==" */
  readonly operator?: "==" | "!=";
  readonly value: string;
}

export interface PlacementSpec {
  /** @default [] */
  readonly constraints?: NodeConstraint[];
  /** Spread replicas across nodes. @default true */
  readonly spread?: boolean;
  /** Hard cap of replicas per node. @default no cap */
  readonly maxPerNode?: number;
}

export interface UpdateSpec {
  /** start-first keeps capacity during a rollout; stop-first for single-writer state. @default "start-first" */
  readonly order?: "start-first" | "stop-first";
  /** @default 1 */
  readonly parallelism?: number;
  /** @default 5s */
  readonly delay?: Duration;
  /** Time a new task must stay healthy before the next one is replaced. @default 10s */
  readonly monitor?: Duration;
  /** @default true */
  readonly autoRollback?: boolean;
}

export interface MetricsSpec {
  /** Port name. */
  readonly port: string;
  /** @default "/metrics" */
  readonly path?: string;
}

/** Where {@link SecuritySpec.dockerSocket} mounts the container engine's socket, on every orchestrator. */
export const DOCKER_SOCKET = "/var/run/docker.sock";

export interface SecuritySpec {
  /** @default false */
  readonly privileged?: boolean;
  /** Capabilities added back after dropping all. @default [] */
  readonly capAdd?: string[];
  /** @default true */
  readonly dropAllCapabilities?: boolean;
  /**
   * Writable scratch space goes on `ephemeral` volumes. Writable only with an exemption from
   * `workload-read-only-root-filesystem`, whose reason says why. @default true, false when exempted
   */
  readonly readOnlyRootFilesystem?: boolean;
  /**
   * "uid[:gid]". Root (uid 0), or an image that runs as root, needs an exemption from
   * `workload-run-as-non-root`; without one, Kubernetes also refuses an image whose user is root
   * (`runAsNonRoot`). @default the image's user
   */
  readonly user?: string;
  /**
   * Mount the container runtime's socket read-only at {@link DOCKER_SOCKET} (reverse proxy
   * discovery, cAdvisor). @default false
   */
  readonly dockerSocket?: boolean;
  /** @default false */
  readonly hostNetwork?: boolean;
  /**
   * Reads the orchestrator's API, read-only, to discover other workloads (Prometheus). On
   * Kubernetes the workload gets its own service account with a namespaced role that may get,
   * list and watch pods, services and endpoints; Swarm and Nomad need nothing more (on Swarm,
   * give it {@link dockerSocket} on a manager). @default false
   */
  readonly discovery?: boolean;
  /**
   * Serves the platform's routes: the reverse proxy, which reads route objects and their TLS
   * secrets. On Kubernetes the workload gets a service account whose namespaced role may read
   * services, endpoint slices, secrets, config maps, Ingresses and Traefik's resources and update
   * Ingress status, plus read access to IngressClasses and Nodes; Swarm and Nomad need nothing
   * more (on Swarm, give it {@link dockerSocket} on a manager). @default false
   */
  readonly servesRoutes?: boolean;
}

export interface ExemptionSpec {
  /** Fully qualified policy name, e.g. "workload-min-replicas". */
  readonly rule: string;
  readonly reason: string;
}
