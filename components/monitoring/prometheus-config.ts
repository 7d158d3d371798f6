import * as yaml from "js-yaml";
import { escapeRegex, MetricsDiscovery, Relabel } from "../model";
import { MONITORING_PORTS, MONITORING_WORKLOADS } from "./images";

/** Where Prometheus' rule files sit, relative to its configuration file. */
export const RULES_FILE = "rules/homeport.yml";

export interface PrometheusConfigOptions {
  /** How Prometheus discovers workloads on the orchestrator (the adapter's strategy). */
  readonly discovery: MetricsDiscovery;
  /** Prometheus duration, e.g. "30s". */
  readonly scrapeInterval: string;
  /** Alertmanager as Prometheus reaches it ("host:port"), where workloads reach each other by name. */
  readonly alertmanager: string;
  /** Labels added to every series and alert leaving this Prometheus. */
  readonly externalLabels: Record<string, string>;
}

/**
 * Relabelling that turns one target's service-discovery metadata into the same temporary labels
 * on every orchestrator: `__tmp_workload`, `__tmp_part`, `__metrics_path__`, the scrape address
 * (the metrics port the workload declared) and a `node` label. Only targets that declare a
 * metrics port survive it.
 */
export function discoveryRelabels(discovery: MetricsDiscovery): Relabel[] {
  const { keys } = discovery;
  return [
    ...discovery.select,
    ...commonRelabels(keys.workload, keys.part, keys.metricsPath),
    ...discovery.address,
  ];
}

function commonRelabels(workload: string, part: string, path: string): Relabel[] {
  return [
    { source_labels: [path], regex: "/.*", action: "keep" },
    { source_labels: [path], target_label: "__metrics_path__" },
    { source_labels: [workload], target_label: "__tmp_workload" },
    { source_labels: [part], target_label: "__tmp_part" },
    { source_labels: [workload], target_label: "workload" },
  ];
}

/** A job that scrapes the discovered targets that pass `filter`. */
function discoveredJob(job: string, discovery: MetricsDiscovery, filter: Relabel[]) {
  return {
    job_name: job,
    ...discovery.sdConfig,
    relabel_configs: [...discoveryRelabels(discovery), ...filter],
  };
}

/**
 * The scrape jobs: Prometheus itself, then node-exporter, cAdvisor, the reverse proxy and every
 * other workload that declares a metrics port, all found through the orchestrator's own service
 * discovery. No target is listed by hand.
 */
export function scrapeJobs(source: MetricsDiscovery): Record<string, unknown>[] {
  const exporters = [MONITORING_WORKLOADS.nodeExporter, MONITORING_WORKLOADS.cadvisor];
  return [
    {
      job_name: "prometheus",
      static_configs: [{ targets: [`localhost:${MONITORING_PORTS.prometheus}`] }],
    },
    ...exporters.map((name) =>
      discoveredJob(name, source, [
        { source_labels: ["__tmp_workload"], regex: escapeRegex(name), action: "keep" },
      ]),
    ),
    discoveredJob("traefik", source, [
      { source_labels: ["__tmp_part"], regex: "proxy", action: "keep" },
    ]),
    discoveredJob("workloads", source, [
      { source_labels: ["__tmp_part"], regex: "proxy", action: "drop" },
      {
        source_labels: ["__tmp_workload"],
        regex: exporters.map(escapeRegex).join("|"),
        action: "drop",
      },
    ]),
  ];
}

/** The Prometheus configuration object. */
export function prometheusConfig(options: PrometheusConfigOptions): Record<string, unknown> {
  return {
    global: {
      scrape_interval: options.scrapeInterval,
      evaluation_interval: options.scrapeInterval,
      external_labels: options.externalLabels,
    },
    rule_files: [RULES_FILE],
    alerting: {
      alertmanagers: [
        options.discovery.alertmanager(MONITORING_WORKLOADS.alertmanager, options.alertmanager),
      ],
    },
    scrape_configs: scrapeJobs(options.discovery),
  };
}

/** prometheus.yml, as YAML text. */
export function renderPrometheusConfig(options: PrometheusConfigOptions): string {
  return yaml.dump(prometheusConfig(options), { lineWidth: -1, noRefs: true, sortKeys: false });
}
