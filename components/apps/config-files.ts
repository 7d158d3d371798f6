import { APP_PORTS } from "./constants";

/** The frontend's /config.json: where the browser finds the API (its public URL, with a slash). */
export function frontendConfig(apiUrl: string): string {
  return JSON.stringify({ endpoint: apiUrl.endsWith("/") ? apiUrl : `${apiUrl}/` }, null, 2) + "\n";
}

/** The Consul service RabbitMQ's peer discovery registers each member under, apart from the
 * services the orchestrator registers for the members themselves. */
export const RABBITMQ_PEER_SERVICE = "rabbitmq-peers";

/**
 * RabbitMQ's configuration. A cluster forms from a fixed peer list (classic config) or, where
 * members register in a Consul catalogue, through Consul peer discovery: each member registers
 * under {@link RABBITMQ_PEER_SERVICE} with its own stable host as address, which is also its node
 * name (rabbitmq-server deps/rabbitmq_peer_discovery_consul/priv/schema/
 * rabbitmq_peer_discovery_consul.schema and src/rabbit_peer_discovery_consul.erl; the Consul host,
 * port, scheme and token come from CONSUL_* env, include/rabbit_peer_discovery_consul.hrl). A
 * cluster pauses the minority side of a partition, and declares queues as quorum queues by
 * default, so the Celery queue is replicated on every member.
 * @param consulSelf This member's stable host, with Consul peer discovery. @default classic config
 */
export function rabbitmqConf(peers: readonly string[], consulSelf?: string): string {
  const lines = [
    "# Written by homeport.",
    `listeners.tcp.default = ${APP_PORTS.amqp}`,
    "loopback_users.guest = true",
  ];
  if (peers.length > 1) {
    lines.push(
      ...(consulSelf
        ? [
            "cluster_formation.peer_discovery_backend = consul",
            `cluster_formation.consul.svc = ${RABBITMQ_PEER_SERVICE}`,
            `cluster_formation.consul.svc_addr = ${consulSelf}`,
            `cluster_formation.consul.svc_port = ${APP_PORTS.amqp}`,
            "cluster_formation.consul.use_longname = true",
            // A member that stops heartbeating leaves the catalogue (Consul's minimum is 60 s).
            "cluster_formation.consul.svc_ttl = 30",
            "cluster_formation.consul.deregister_after = 90",
          ]
        : [
            "cluster_formation.peer_discovery_backend = classic_config",
            ...peers.map(
              (peer, i) => `cluster_formation.classic_config.nodes.${i + 1} = rabbit@${peer}`,
            ),
          ]),
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
