import * as pulumi from "@pulumi/pulumi";
import {
  ExemptionSpec,
  gibibytes,
  MemberCatalogue,
  memory,
  mebibytes,
  millicores,
  PlacementSpec,
  RULES,
  scratchVolume,
  seconds,
  SecretSpec,
  WorkloadSpec,
} from "../model";
import { withSecretFiles } from "./secret-files";
import { APP_PORTS, RABBITMQ_CONF_PATH, RABBITMQ_USER } from "./constants";
import { minioServerArgs, rabbitmqConf } from "./config-files";
import { secretVariables } from "./wiring";

/** Shell lines that turn RABBITMQ_ERLANG_COOKIE into the cookie file the server and CLI share. */
const COOKIE_FILE_LINES = [
  'if [ -n "${RABBITMQ_ERLANG_COOKIE:-}" ]; then',
  "  umask 077",
  '  printf "%s" "$RABBITMQ_ERLANG_COOKIE" > /var/lib/rabbitmq/.erlang.cookie',
  "  unset RABBITMQ_ERLANG_COOKIE",
  "fi",
];

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
  /**
   * The catalogue members discover each other through (with `nodeHost`). @default none: the
   * members are listed in the configuration
   */
  readonly catalogue?: MemberCatalogue;
}): WorkloadSpec {
  const clustered = opts.peers.length > 1;
  const consul = clustered && opts.catalogue?.kind === "consul" ? opts.catalogue : undefined;
  const secrets: SecretSpec[] = [
    { name: "default-pass", env: "RABBITMQ_DEFAULT_PASS", value: opts.password },
    { name: "erlang-cookie", env: "RABBITMQ_ERLANG_COOKIE", value: opts.cookie },
    ...(consul?.token !== undefined
      ? [{ name: "consul-token", env: "CONSUL_ACL_TOKEN", value: consul.token }]
      : []),
  ];
  return {
    image: opts.image,
    command: withSecretFiles(
      secretVariables(secrets),
      ["docker-entrypoint.sh", "rabbitmq-server"],
      [
        ...COOKIE_FILE_LINES,
        ...(consul ? ["rabbitmq-plugins enable --offline rabbitmq_peer_discovery_consul"] : []),
      ],
    ),
    env: {
      ...(consul
        ? {
            CONSUL_HOST: consul.host,
            CONSUL_PORT: String(consul.port),
            CONSUL_SCHEME: consul.scheme,
          }
        : {}),
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
    files: [
      {
        name: "conf",
        path: RABBITMQ_CONF_PATH,
        content: rabbitmqConf(opts.peers, consul ? opts.nodeHost : undefined),
      },
    ],
    // Members find each other through epmd and replicate over Erlang distribution; the
    // catalogue, where there is one, is the nodes' own agent, out of the stack.
    flows: [
      ...(clustered
        ? [
            {
              kind: "workload" as const,
              to: "rabbitmq",
              ports: [APP_PORTS.epmd, APP_PORTS.erlangDist],
            },
          ]
        : []),
      ...(consul
        ? [
            {
              kind: "external" as const,
              reason: "members register in Consul",
              ports: [consul.port],
            },
          ]
        : []),
    ],
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
    memberHost: clustered ? opts.nodeHost : undefined,
    update: { order: "stop-first" },
    stopGracePeriod: seconds(60),
    state: "stateful",
    // The image's entrypoint fixes the volume's ownership, then drops to the rabbitmq user.
    security: { capAdd: ["CHOWN", "DAC_OVERRIDE", "FOWNER", "SETGID", "SETUID"] },
    exemptions: [...(opts.exemptions ?? []), ...RABBITMQ_EXEMPTIONS],
  };
}

/** Why RabbitMQ keeps a writable root filesystem and starts as root. */
export const RABBITMQ_EXEMPTIONS: readonly ExemptionSpec[] = [
  {
    rule: RULES.readOnlyRoot,
    reason:
      "rabbitmq-plugins writes /etc/rabbitmq/enabled_plugins, beside the image's own list, where peer discovery through Consul enables its plugin at start; the broker has not been run with a read-only root here",
  },
  {
    rule: RULES.nonRoot,
    reason:
      "the image's entrypoint starts as root to give the data volume to the rabbitmq user, then runs the server as that user",
  },
];

/** MinIO's user where the platform makes volumes writable by the workload's group. */
export const MINIO_USER = "1000:1000";

/** One MinIO server (or the whole StatefulSet on Kubernetes). */
export function minioSpec(opts: {
  readonly image: string;
  /** Host of every server of a distributed deployment; empty or one for a single server. */
  readonly peers: readonly string[];
  /** This server's host among the peers, where the target names each server itself (Swarm). */
  readonly nodeHost?: string;
  readonly replicas: number;
  readonly volumeSize: string;
  readonly rootUser: pulumi.Input<string>;
  readonly rootPassword: pulumi.Input<string>;
  /** Policy exemptions, with their reasons. @default none */
  readonly exemptions?: ExemptionSpec[];
  /** The node (host name) this server is pinned to, where its drive lives. @default not pinned */
  readonly node?: string;
  /**
   * The platform gives a fresh volume to the workload's group (capability `groupOwnsVolumes`):
   * MinIO then runs as {@link MINIO_USER}; elsewhere as root, the owner of its fresh drive.
   * @default false
   */
  readonly groupOwnsVolumes?: boolean;
}): WorkloadSpec {
  const nonRoot = opts.groupOwnsVolumes ?? false;
  const distributed = opts.peers.length > 1;
  const secrets: SecretSpec[] = [
    { name: "root-user", env: "MINIO_ROOT_USER", value: opts.rootUser },
    { name: "root-password", env: "MINIO_ROOT_PASSWORD", value: opts.rootPassword },
  ];
  return {
    image: opts.image,
    command: withSecretFiles(secretVariables(secrets), ["minio", ...minioServerArgs(opts.peers)]),
    secrets,
    // Servers of a distributed deployment talk to each other on the API port.
    flows: distributed ? [{ kind: "workload", to: "minio", ports: [APP_PORTS.minio] }] : [],
    ports: [
      { name: "api", port: APP_PORTS.minio },
      { name: "console", port: APP_PORTS.minioConsole },
    ],
    // MinIO keeps its certificates directory, and its client (the health check) its
    // configuration, under $HOME: on the scratch directory, with the root filesystem read-only.
    env: { HOME: "/tmp" },
    volumes: [
      { name: "data", mountPath: "/data", class: "block", size: memory(opts.volumeSize) },
      scratchVolume(),
    ],
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
    memberHost: distributed ? opts.nodeHost : undefined,
    update: { order: "stop-first" },
    stopGracePeriod: seconds(30),
    state: "stateful",
    ...(nonRoot ? { security: { user: MINIO_USER } } : {}),
    exemptions: [
      ...(opts.exemptions ?? []),
      ...(nonRoot
        ? []
        : [
            {
              rule: RULES.nonRoot,
              reason:
                "the image has no user and this platform leaves a fresh volume to root, so MinIO runs as root to write its drive",
            },
          ]),
    ],
  };
}
