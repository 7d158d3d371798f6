import { ConfigError } from "../../config/load";
import { StackConfig } from "../../config/schema";
import { META, MetricsDiscovery, Relabel } from "../../model";
import { isLoopbackUrl } from "./profile";
import { nomadMetaKey } from "./meta-key";

/**
 * Nomad's and Consul's service discovery expose tags, not meta: the Nomad adapter tags the service
 * of the metrics port with the same keys. Tags arrive joined as ",a,b," in `__meta_<sd>_tags`.
 */
const fromTags = (sd: "nomad" | "consul", key: string, target: string): Relabel => ({
  source_labels: [`__meta_${sd}_tags`],
  regex: `.*,${nomadMetaKey(key)}=([^,]+),.*`,
  replacement: "$1",
  target_label: target,
});

/**
 * What the discovery of services that Nomad registered has in common, in Nomad's catalogue or in
 * Consul's: the model's keys from the tags, and the containers' names.
 */
export const nomadTaggedDiscovery = (
  sd: "nomad" | "consul",
): Pick<MetricsDiscovery, "select" | "keys" | "containerWorkload"> => ({
  select: [
    fromTags(sd, META.workload, "__tmp_workload"),
    fromTags(sd, META.part, "__tmp_part"),
    fromTags(sd, META.metricsPath, "__tmp_metrics_path"),
  ],
  keys: { workload: "__tmp_workload", part: "__tmp_part", metricsPath: "__tmp_metrics_path" },
  // Nomad names containers "<task>-<allocation id>".
  containerWorkload: {
    source: "name",
    regex: "(.+)-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
  },
});

/**
 * Where Prometheus' task finds Nomad's API: `homeport:monitoring.nomadAddress`, else the stack's
 * Nomad address (`homeport:nomad.address`, else NOMAD_ADDR, as the adapter connects) unless it is
 * a loopback one, which a task cannot reach.
 * @throws ConfigError when no address that a task can reach is known.
 */
export function nomadDiscoveryServer(
  settings: Pick<StackConfig["nomad"], "address">,
  monitoringAddress: string | undefined,
  /** @default process.env.NOMAD_ADDR */
  environmentAddress: string | undefined = process.env.NOMAD_ADDR,
): string {
  const fromTarget = settings.address ?? environmentAddress;
  const server =
    monitoringAddress ?? (fromTarget && !isLoopbackUrl(fromTarget) ? fromTarget : undefined);
  if (!server) {
    const source =
      settings.address !== undefined
        ? `homeport:nomad.address is ${JSON.stringify(settings.address)}`
        : environmentAddress !== undefined
          ? `NOMAD_ADDR is ${JSON.stringify(environmentAddress)}`
          : "neither homeport:nomad.address nor NOMAD_ADDR is set";
    throw new ConfigError([
      `homeport:monitoring.nomadAddress is not set, and ${source}${fromTarget === undefined ? "" : ", which Prometheus cannot reach from its container"}. Fix: set homeport:monitoring.nomadAddress to the Nomad HTTP API address as tasks reach it, e.g. http://10.0.0.10:4646.`,
    ]);
  }
  return server;
}

/**
 * Prometheus' Nomad discovery of the built-in catalogue (prometheus/prometheus:
 * discovery/nomad/nomad.go). Alertmanager is discovered too: its address is dynamic.
 */
export function nomadMetricsDiscovery(
  settings: Pick<StackConfig["nomad"], "region" | "namespace">,
  server: string,
): MetricsDiscovery {
  const sdConfig = {
    nomad_sd_configs: [
      { server, region: settings.region, namespace: settings.namespace, refresh_interval: "30s" },
    ],
  };
  return {
    sdConfig,
    ...nomadTaggedDiscovery("nomad"),
    address: [{ source_labels: ["__meta_nomad_node_id"], target_label: "node" }],
    alertmanager: (name) => ({
      ...sdConfig,
      relabel_configs: [{ source_labels: ["__meta_nomad_service"], regex: name, action: "keep" }],
    }),
  };
}
