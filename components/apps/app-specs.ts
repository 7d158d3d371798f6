import * as pulumi from "@pulumi/pulumi";
import { APPS_DEFAULT_SIZES, AppsSettings } from "../config/parts/apps";
import {
  ExemptionSpec,
  gibibytes,
  memory,
  mebibytes,
  millicores,
  PlacementSpec,
  PlatformCapabilities,
  seconds,
  SecretSpec,
  WorkloadSpec,
} from "../model";
import { SecretVariable, withSecretFiles } from "./secret-files";

/** Ports of the application tier. */
export const APP_PORTS = {
  frontend: 3000,
  backend: 8080,
  amqp: 5672,
  epmd: 4369,
  erlangDist: 25672,
  rabbitmqMetrics: 15692,
  minio: 9000,
  minioConsole: 9001,
} as const;

/** The Celery application the worker runs (`api/image_api/worker.py`). */
export const CELERY_APP = "image_api.worker.app";
/** The broker account the backend and worker use. */
export const RABBITMQ_USER = "homeport";
/** Where the frontend image serves the SPA from; its config.json is replaced at deploy time. */
export const FRONTEND_CONFIG_PATH = "/app/dist/config.json";
/** RabbitMQ reads every file in conf.d; ours comes after the image's own defaults. */
export const RABBITMQ_CONF_PATH = "/etc/rabbitmq/conf.d/20-homeport.conf";

/** Replica counts of the tier, after defaults. */
export interface AppSizes {
  readonly frontend: number;
  readonly backend: number;
  readonly worker: number;
  /** Members of the RabbitMQ cluster (1 = a single broker). */
  readonly rabbitmq: number;
  /** MinIO servers (1 = single; 4 or more = distributed, one drive each); 0 with external S3. */
  readonly minio: number;
}

/** Defaults: two of each stateless tier; one broker and one MinIO for dev, clusters for production. */
export const DEFAULT_SIZES = APPS_DEFAULT_SIZES;

/**
 * The tier's sizes for a stack. Where cluster members get no stable addresses (Nomad's built-in
 * service discovery has no DNS), peers cannot name each other: RabbitMQ and MinIO run as one
 * member each, and `notes` says so.
 */
export function appSizes(
  cfg: {
    readonly environment: "dev" | "production";
    readonly sizes: Partial<Record<string, number>>;
    readonly apps: Pick<AppsSettings, "s3">;
  },
  capabilities: Pick<PlatformCapabilities, "stableMemberAddresses" | "prose">,
): AppSizes & { readonly notes: string[]; readonly clamped: ("rabbitmq" | "minio")[] } {
  const { orchestrator, serviceDiscovery } = capabilities.prose;
  const defaults = DEFAULT_SIZES[cfg.environment];
  const notes: string[] = [];
  const clamped: ("rabbitmq" | "minio")[] = [];
  const cluster = (tier: "rabbitmq" | "minio"): number => {
    const wanted = cfg.sizes[tier] ?? defaults[tier];
    if (!capabilities.stableMemberAddresses && wanted > 1) {
      notes.push(
        `${tier} runs as a single member on ${orchestrator} (asked: ${wanted}): its cluster peers need stable DNS names, which ${serviceDiscovery} does not provide.`,
      );
      clamped.push(tier);
      return 1;
    }
    return wanted;
  };
  return {
    frontend: cfg.sizes.frontend ?? defaults.frontend,
    backend: cfg.sizes.backend ?? defaults.backend,
    worker: cfg.sizes.worker ?? defaults.worker,
    rabbitmq: cluster("rabbitmq"),
    minio: cfg.apps.s3 ? 0 : cluster("minio"),
    notes,
    clamped,
  };
}

/** The frontend's /config.json: where the browser finds the API (its public URL, with a slash). */
export function frontendConfig(apiUrl: string): string {
  return JSON.stringify({ endpoint: apiUrl.endsWith("/") ? apiUrl : `${apiUrl}/` }, null, 2) + "\n";
}

/**
 * RabbitMQ's configuration. A cluster forms from a fixed peer list (classic config), pauses the
 * minority side of a partition, and declares queues as quorum queues by default, so the Celery
 * queue is replicated on every member.
 */
export function rabbitmqConf(peers: readonly string[]): string {
  const lines = [
    "# Written by homeport.",
    `listeners.tcp.default = ${APP_PORTS.amqp}`,
    "loopback_users.guest = true",
  ];
  if (peers.length > 1) {
    lines.push(
      "cluster_formation.peer_discovery_backend = classic_config",
      ...peers.map((peer, i) => `cluster_formation.classic_config.nodes.${i + 1} = rabbit@${peer}`),
      "cluster_partition_handling = pause_minority",
      "default_queue_type = quorum",
    );
  }
  return lines.join("\n") + "\n";
}

/** `minio server` arguments: one local drive, or one drive on each of the listed servers. */
export function minioServerArgs(peers: readonly string[]): string[] {
  const drives =
    peers.length > 1 ? peers.map((peer) => `http://${peer}:${APP_PORTS.minio}/data`) : ["/data"];
  return [
    "server",
    ...drives,
    "--address",
    `:${APP_PORTS.minio}`,
    "--console-address",
    `:${APP_PORTS.minioConsole}`,
  ];
}

/** Shell lines that turn RABBITMQ_ERLANG_COOKIE into the cookie file the server and CLI share. */
const COOKIE_FILE_LINES = [
  'if [ -n "${RABBITMQ_ERLANG_COOKIE:-}" ]; then',
  "  umask 077",
  '  printf "%s" "$RABBITMQ_ERLANG_COOKIE" > /var/lib/rabbitmq/.erlang.cookie',
  "  unset RABBITMQ_ERLANG_COOKIE",
  "fi",
];

const secretVariables = (secrets: readonly SecretSpec[]): SecretVariable[] =>
  secrets.flatMap((s) => (s.env ? [{ env: s.env, fileEnv: s.fileEnv }] : []));

/** The S3 service the backend and worker use. */
export interface S3Wiring {
  /** Endpoint URL, e.g. `http://minio:9000` (a template expression on Nomad). */
  readonly endpoint: pulumi.Input<string>;
  readonly accessKeyId: pulumi.Input<string>;
  readonly secretAccessKey: pulumi.Input<string>;
}

/** The broker the backend and worker use. */
export interface BrokerWiring {
  readonly password: pulumi.Input<string>;
  /** "host:port" of each broker member the clients may connect to (failover, in order). */
  readonly addresses: readonly pulumi.Input<string>[];
}

/** Everything the app's processes need, as the app reads it (api/config.py). */
export interface AppWiring {
  readonly settings: Pick<AppsSettings, "region" | "bucket">;
  readonly s3: S3Wiring;
  readonly broker: BrokerWiring;
}

/**
 * The app's environment: plain settings as env, every credential as a secret. The broker URL
 * carries the password, so it is a secret too; with one broker it keeps scheme and host apart
 * from the password (so Nomad can resolve the host at task start), with several it lists each
 * member for Celery's failover (`;`-separated URLs).
 */
export function appEnvironment(wiring: AppWiring): {
  env: Record<string, pulumi.Input<string>>;
  secrets: SecretSpec[];
} {
  const { settings, s3, broker } = wiring;
  const url = (address: pulumi.Input<string>) =>
    pulumi.interpolate`amqp://${RABBITMQ_USER}:${broker.password}@${address}//`;
  const brokerSecret: SecretSpec =
    broker.addresses.length === 1
      ? {
          name: "broker-url",
          env: "CELERY_BROKER_URL",
          value: broker.password,
          prefix: `amqp://${RABBITMQ_USER}:`,
          suffix: pulumi.interpolate`@${broker.addresses[0]}//`,
        }
      : {
          name: "broker-url",
          env: "CELERY_BROKER_URL",
          value: pulumi.all(broker.addresses.map(url)).apply((urls) => urls.join(";")),
        };
  return {
    env: {
      S3_ENDPOINT_URL: s3.endpoint,
      AWS_REGION_NAME: settings.region,
      S3_BUCKET_NAME: settings.bucket,
    },
    secrets: [
      brokerSecret,
      { name: "s3-access-key", env: "AWS_ACCESS_KEY_ID", value: s3.accessKeyId },
      { name: "s3-secret-key", env: "AWS_SECRET_ACCESS_KEY", value: s3.secretAccessKey },
    ],
  };
}

/** The frontend: the static SPA, with /config.json pointing the browser at the API. */
export function frontendSpec(opts: {
  readonly image: string;
  readonly replicas: number;
  readonly host: string;
  readonly apiUrl: string;
}): WorkloadSpec {
  return {
    image: opts.image,
    files: [{ name: "config", path: FRONTEND_CONFIG_PATH, content: frontendConfig(opts.apiUrl) }],
    ports: [{ name: "http", port: APP_PORTS.frontend }],
    routes: [{ host: opts.host, port: "http", middlewares: [{ kind: "security-headers" }] }],
    health: {
      kind: "http",
      port: "http",
      path: "/",
      inContainer: [
        "CMD",
        "wget",
        "-q",
        "-O",
        "/dev/null",
        `http://127.0.0.1:${APP_PORTS.frontend}/`,
      ],
    },
    resources: {
      requests: { cpu: millicores(25), memory: mebibytes(32) },
      limits: { memory: mebibytes(128) },
    },
    scheduling: { mode: "replicated", replicas: opts.replicas },
    placement: { spread: true },
    security: { user: "1000:1000", readOnlyRootFilesystem: true },
  };
}

/** The API: gunicorn serving the Flask app on 8080, at the root of its own host. */
export function backendSpec(
  opts: { readonly image: string; readonly replicas: number; readonly host: string },
  wiring: AppWiring,
): WorkloadSpec {
  const { env, secrets } = appEnvironment(wiring);
  return {
    image: opts.image,
    args: [
      "gunicorn",
      "--workers",
      "2",
      "--threads",
      "4",
      "--bind",
      `0.0.0.0:${APP_PORTS.backend}`,
      "--access-logfile",
      "-",
      "image_api.web:app",
    ],
    env,
    secrets,
    ports: [{ name: "http", port: APP_PORTS.backend }],
    routes: [{ host: opts.host, port: "http" }],
    health: {
      kind: "http",
      port: "http",
      path: "/health",
      // The slim Python image has no curl; Python itself checks the endpoint.
      inContainer: [
        "CMD",
        "python",
        "-c",
        `import urllib.request; urllib.request.urlopen("http://127.0.0.1:${APP_PORTS.backend}/health", timeout=4)`,
      ],
      startPeriod: seconds(20),
    },
    resources: {
      requests: { cpu: millicores(100), memory: mebibytes(192) },
      limits: { memory: mebibytes(512) },
    },
    scheduling: { mode: "replicated", replicas: opts.replicas },
    placement: { spread: true },
    stopGracePeriod: seconds(30),
    security: { user: "10001:10001" },
  };
}

/**
 * Why the worker has no health check where checks cannot run commands (Nomad's built-in service
 * catalogue): it listens on no port, and Celery's ping is a command.
 */
export const workerCheckReason = (prose: PlatformCapabilities["prose"]): string =>
  `a Celery worker listens on no port and ${prose.serviceCatalogue} runs only HTTP and TCP checks; ${prose.orchestrator} restarts a worker whose process exits`;

/** The Celery worker that resizes images; alive while it answers Celery's ping. */
export function workerSpec(
  opts: {
    readonly image: string;
    readonly replicas: number;
    /**
     * Whether the orchestrator runs command checks; where it does not, the missing check is a
     * recorded exemption. @default true
     */
    readonly commandChecks?: boolean;
    /** How messages name the orchestrator; required where `commandChecks` is false. */
    readonly prose?: PlatformCapabilities["prose"];
  },
  wiring: AppWiring,
): WorkloadSpec {
  const { env, secrets } = appEnvironment(wiring);
  return {
    image: opts.image,
    args: ["celery", "--app", CELERY_APP, "worker", "--loglevel", "INFO"],
    env,
    secrets,
    health: {
      kind: "command",
      // The check runs as its own process: on Swarm it loads the secret files itself.
      command: withSecretFiles(secretVariables(secrets), [
        "sh",
        "-c",
        `exec celery --app ${CELERY_APP} inspect ping --timeout 10 -d "celery@$HOSTNAME"`,
      ]),
      interval: seconds(60),
      timeout: seconds(20),
      startPeriod: seconds(30),
    },
    resources: {
      requests: { cpu: millicores(100), memory: mebibytes(192) },
      limits: { memory: mebibytes(768) },
    },
    scheduling: { mode: "replicated", replicas: opts.replicas },
    placement: { spread: true },
    // Celery finishes the task in hand on SIGTERM (warm shutdown).
    stopGracePeriod: seconds(60),
    security: { user: "10001:10001" },
    exemptions:
      opts.commandChecks === false && opts.prose
        ? [
            { rule: "workload-require-health-check", reason: workerCheckReason(opts.prose) },
            { rule: "workload-require-readiness", reason: workerCheckReason(opts.prose) },
          ]
        : undefined,
  };
}

/**
 * Creates the bucket, once, before any backend starts: the backend creates it at import time,
 * and replicas starting together would race. Waits for S3 to answer first (up to 5 minutes).
 */
export const ENSURE_BUCKET_SCRIPT = [
  "import sys, time",
  "for attempt in range(60):",
  "    try:",
  "        from image_api.storage import bucket",
  "        if bucket.creation_date is None:",
  "            bucket.create()",
  '        print("bucket ready:", bucket.name, flush=True)',
  "        sys.exit(0)",
  "    except Exception as err:",
  '        print("waiting for S3:", err, flush=True)',
  "        time.sleep(5)",
  "sys.exit(1)",
].join("\n");

/** The run-to-completion job that makes the bucket exist. */
export function bucketInitSpec(opts: { readonly image: string }, wiring: AppWiring): WorkloadSpec {
  const { env, secrets } = appEnvironment(wiring);
  return {
    image: opts.image,
    command: withSecretFiles(secretVariables(secrets), ["python", "-c", ENSURE_BUCKET_SCRIPT]),
    env,
    secrets,
    resources: {
      requests: { cpu: millicores(50), memory: mebibytes(128) },
      limits: { memory: mebibytes(256) },
    },
    scheduling: { mode: "job" },
    security: { user: "10001:10001" },
  };
}

/**
 * Placement of a stateful member: several replicas (a StatefulSet) on distinct nodes; a single
 * member on its own node when one is named.
 */
export function memberPlacement(replicas: number, node?: string): PlacementSpec {
  return {
    spread: true,
    maxPerNode: replicas > 1 ? 1 : undefined,
    constraints: node ? [{ attribute: "hostname", value: node }] : undefined,
  };
}

/** One RabbitMQ member (or the whole StatefulSet on Kubernetes). */
export function rabbitmqSpec(opts: {
  readonly image: string;
  /** Erlang node names of every member (the host part after `rabbit@`); one for a single broker. */
  readonly peers: readonly string[];
  /** This member's node host, where the target names each member itself (Swarm). */
  readonly nodeHost?: string;
  /** StatefulSet replicas (Kubernetes); 1 elsewhere. */
  readonly replicas: number;
  readonly volumeSize: string;
  readonly password: pulumi.Input<string>;
  readonly cookie: pulumi.Input<string>;
  /** Policy exemptions, with their reasons. @default none */
  readonly exemptions?: ExemptionSpec[];
  /** The node (host name) this member is pinned to, where its volume lives. @default not pinned */
  readonly node?: string;
}): WorkloadSpec {
  const clustered = opts.peers.length > 1;
  const secrets: SecretSpec[] = [
    { name: "default-pass", env: "RABBITMQ_DEFAULT_PASS", value: opts.password },
    { name: "erlang-cookie", env: "RABBITMQ_ERLANG_COOKIE", value: opts.cookie },
  ];
  return {
    image: opts.image,
    command: withSecretFiles(
      secretVariables(secrets),
      ["docker-entrypoint.sh", "rabbitmq-server"],
      COOKIE_FILE_LINES,
    ),
    env: {
      RABBITMQ_DEFAULT_USER: RABBITMQ_USER,
      ...(clustered ? { RABBITMQ_USE_LONGNAME: "true" } : {}),
      // RabbitMQ keeps its data under its node name. A cluster member is named by the target
      // (Swarm) or by its pod's stable host name (Kubernetes); a single broker by a fixed name,
      // because a container's host name changes whenever its task is replaced.
      ...(opts.nodeHost
        ? { RABBITMQ_NODENAME: `rabbit@${opts.nodeHost}` }
        : clustered
          ? {}
          : { RABBITMQ_NODENAME: "rabbit@localhost" }),
    },
    secrets,
    files: [{ name: "conf", path: RABBITMQ_CONF_PATH, content: rabbitmqConf(opts.peers) }],
    ports: [
      { name: "amqp", port: APP_PORTS.amqp },
      { name: "metrics", port: APP_PORTS.rabbitmqMetrics },
      ...(clustered
        ? [
            { name: "epmd", port: APP_PORTS.epmd },
            { name: "dist", port: APP_PORTS.erlangDist },
          ]
        : []),
    ],
    volumes: [
      {
        name: "data",
        mountPath: "/var/lib/rabbitmq",
        class: "block",
        size: memory(opts.volumeSize),
      },
    ],
    health: {
      kind: "command",
      command: ["rabbitmq-diagnostics", "-q", "ping"],
      // Where checks cannot run commands (Nomad's catalogue), the AMQP port is checked instead.
      port: "amqp",
      interval: seconds(30),
      timeout: seconds(20),
      startPeriod: seconds(60),
    },
    metrics: { port: "metrics" },
    resources: {
      requests: { cpu: millicores(200), memory: mebibytes(256) },
      limits: { memory: gibibytes(1) },
    },
    scheduling:
      opts.replicas > 1
        ? { mode: "replicated", replicas: opts.replicas }
        : {
            mode: "singleton",
            reason: clustered
              ? "one RabbitMQ cluster member per service, each with its own node name and volume"
              : "a single RabbitMQ broker (dev); set homeport:sizes.rabbitmq to 3 for a cluster",
          },
    placement: memberPlacement(opts.replicas, opts.node),
    update: { order: "stop-first" },
    stopGracePeriod: seconds(60),
    state: "stateful",
    // The image's entrypoint fixes the volume's ownership, then drops to the rabbitmq user.
    security: { capAdd: ["CHOWN", "DAC_OVERRIDE", "FOWNER", "SETGID", "SETUID"] },
    exemptions: opts.exemptions,
  };
}

/** One MinIO server (or the whole StatefulSet on Kubernetes). */
export function minioSpec(opts: {
  readonly image: string;
  /** Host of every server of a distributed deployment; empty or one for a single server. */
  readonly peers: readonly string[];
  readonly replicas: number;
  readonly volumeSize: string;
  readonly rootUser: pulumi.Input<string>;
  readonly rootPassword: pulumi.Input<string>;
  /** Policy exemptions, with their reasons. @default none */
  readonly exemptions?: ExemptionSpec[];
  /** The node (host name) this server is pinned to, where its drive lives. @default not pinned */
  readonly node?: string;
}): WorkloadSpec {
  const distributed = opts.peers.length > 1;
  const secrets: SecretSpec[] = [
    { name: "root-user", env: "MINIO_ROOT_USER", value: opts.rootUser },
    { name: "root-password", env: "MINIO_ROOT_PASSWORD", value: opts.rootPassword },
  ];
  return {
    image: opts.image,
    command: withSecretFiles(secretVariables(secrets), ["minio", ...minioServerArgs(opts.peers)]),
    secrets,
    ports: [
      { name: "api", port: APP_PORTS.minio },
      { name: "console", port: APP_PORTS.minioConsole },
    ],
    volumes: [{ name: "data", mountPath: "/data", class: "block", size: memory(opts.volumeSize) }],
    health: {
      kind: "http",
      port: "api",
      path: "/minio/health/live",
      // The image ships MinIO's client but no curl.
      inContainer: ["CMD", "mc", "ready", "local"],
      interval: seconds(30),
      timeout: seconds(10),
      startPeriod: seconds(30),
    },
    resources: {
      requests: { cpu: millicores(200), memory: mebibytes(512) },
      limits: { memory: gibibytes(2) },
    },
    scheduling:
      opts.replicas > 1
        ? { mode: "replicated", replicas: opts.replicas }
        : {
            mode: "singleton",
            reason: distributed
              ? "one MinIO server per service, each with its own drive"
              : "a single MinIO server (dev); set homeport:sizes.minio to 4 or more to distribute it",
          },
    placement: memberPlacement(opts.replicas, opts.node),
    update: { order: "stop-first" },
    stopGracePeriod: seconds(30),
    state: "stateful",
    exemptions: opts.exemptions,
  };
}
