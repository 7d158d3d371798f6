import { APP_PORTS } from "./constants";

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
