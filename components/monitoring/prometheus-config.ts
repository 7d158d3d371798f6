import * as yaml from "js-yaml";
import { ConfigError } from "../config/load";
import { StackConfig } from "../config/schema";
import { META, nomadMetaKey } from "../model/metadata";
import { MONITORING_PORTS, MONITORING_WORKLOADS } from "./images";

/** Where Prometheus' rule files sit, relative to its configuration file. */
export const RULES_FILE = "rules/homeport.yml";

/** Where the orchestrator's API is, for each target's service discovery. */
export type DiscoverySource =
  | {
      readonly target: "swarm";
      /** Docker API of a manager, as Prometheus reaches it. */
      readonly host: string;
      /** Value of the `homeport.dev/stack` label of the stack's overlay network. */
      readonly stack: string;
    }
  | { readonly target: "kubernetes"; readonly namespace: string }
  | {
      readonly target: "nomad";
      readonly server: string;
      readonly region: string;
      readonly namespace: string;
    };

export interface PrometheusConfigOptions {
  readonly discovery: DiscoverySource;
  /** Prometheus duration, e.g. "30s". */
  readonly scrapeInterval: string;
  /** Alertmanager as Prometheus reaches it ("host:port"); unused on Nomad, which discovers it. */
  readonly alertmanager: string;
  /** Labels added to every series and alert leaving this Prometheus. */
  readonly externalLabels: Record<string, string>;
}

/** Prometheus' name for a metadata key once service discovery has sanitised it. */
export const sanitizedKey = (key: string): string => key.replace(/[^A-Za-z0-9_]/g, "_");

type Relabel = Record<string, unknown>;

/**
 * Relabelling that turns one target's service-discovery metadata into the same temporary labels
 * on every orchestrator: `__tmp_workload`, `__tmp_part`, `__metrics_path__`, the scrape address
 * (the metrics port the workload declared) and a `node` label. Only targets that declare a
 * metrics port survive it.
 */
export function discoveryRelabels(source: DiscoverySource): Relabel[] {
  switch (source.target) {
    case "swarm": {
      const label = (key: string) => `__meta_dockerswarm_service_label_${sanitizedKey(key)}`;
      return [
        // One target per task and network: keep running tasks on this stack's network only.
        {
          source_labels: ["__meta_dockerswarm_task_desired_state"],
          regex: "running",
          action: "keep",
        },
        {
          source_labels: [`__meta_dockerswarm_network_label_${sanitizedKey("homeport.dev/stack")}`],
          regex: escapeRegex(source.stack),
          action: "keep",
        },
        ...commonRelabels(label(META.workload), label(META.part), label(META.metricsPath)),
        {
          source_labels: ["__address__", label(META.metricsPort)],
          regex: "([^:]+)(?::\\d+)?;(\\d+)",
          replacement: "$1:$2",
          target_label: "__address__",
        },
        { source_labels: ["__meta_dockerswarm_node_hostname"], target_label: "node" },
        { source_labels: ["__meta_dockerswarm_task_slot"], target_label: "slot" },
      ];
    }
    case "kubernetes": {
      const annotation = (key: string) => `__meta_kubernetes_pod_annotation_${sanitizedKey(key)}`;
      return [
        { source_labels: ["__meta_kubernetes_pod_phase"], regex: "Running", action: "keep" },
        ...commonRelabels(
          annotation(META.workload),
          annotation(META.part),
          annotation(META.metricsPath),
        ),
        {
          source_labels: ["__meta_kubernetes_pod_ip", annotation(META.metricsPort)],
          regex: "(.+);(\\d+)",
          replacement: "$1:$2",
          target_label: "__address__",
        },
        { source_labels: ["__meta_kubernetes_pod_node_name"], target_label: "node" },
        { source_labels: ["__meta_kubernetes_pod_name"], target_label: "pod" },
      ];
    }
    case "nomad": {
      // Nomad's service discovery exposes tags, not meta: the Nomad adapter tags the service of
      // the metrics port with the same keys. Tags arrive joined as ",a,b,".
      const fromTags = (key: string, target: string): Relabel => ({
        source_labels: ["__meta_nomad_tags"],
        regex: `.*,${nomadMetaKey(key)}=([^,]+),.*`,
        replacement: "$1",
        target_label: target,
      });
      return [
        fromTags(META.workload, "__tmp_workload"),
        fromTags(META.part, "__tmp_part"),
        fromTags(META.metricsPath, "__tmp_metrics_path"),
        ...commonRelabels("__tmp_workload", "__tmp_part", "__tmp_metrics_path"),
        { source_labels: ["__meta_nomad_node_id"], target_label: "node" },
      ];
    }
  }
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

function sdConfig(source: DiscoverySource): Record<string, unknown> {
  switch (source.target) {
    case "swarm":
      return {
        dockerswarm_sd_configs: [{ host: source.host, role: "tasks", refresh_interval: "30s" }],
      };
    case "kubernetes":
      return {
        kubernetes_sd_configs: [{ role: "pod", namespaces: { names: [source.namespace] } }],
      };
    case "nomad":
      return {
        nomad_sd_configs: [
          {
            server: source.server,
            region: source.region,
            namespace: source.namespace,
            refresh_interval: "30s",
          },
        ],
      };
  }
}

const escapeRegex = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** A job that scrapes the discovered targets that pass `filter`. */
function discoveredJob(job: string, source: DiscoverySource, filter: Relabel[]) {
  return {
    job_name: job,
    ...sdConfig(source),
    relabel_configs: [...discoveryRelabels(source), ...filter],
  };
}

/**
 * The scrape jobs: Prometheus itself, then node-exporter, cAdvisor, the reverse proxy and every
 * other workload that declares a metrics port, all found through the orchestrator's own service
 * discovery. No target is listed by hand.
 */
export function scrapeJobs(source: DiscoverySource): Record<string, unknown>[] {
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

function alertmanagers(options: PrometheusConfigOptions): Record<string, unknown>[] {
  if (options.discovery.target === "nomad") {
    return [
      {
        ...sdConfig(options.discovery),
        relabel_configs: [
          {
            source_labels: ["__meta_nomad_service"],
            regex: MONITORING_WORKLOADS.alertmanager,
            action: "keep",
          },
        ],
      },
    ];
  }
  return [{ static_configs: [{ targets: [options.alertmanager] }] }];
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
    alerting: { alertmanagers: alertmanagers(options) },
    scrape_configs: scrapeJobs(options.discovery),
  };
}

/** prometheus.yml, as YAML text. */
export function renderPrometheusConfig(options: PrometheusConfigOptions): string {
  return yaml.dump(prometheusConfig(options), { lineWidth: -1, noRefs: true, sortKeys: false });
}

/** True when a URL names this machine: a task cannot reach the Nomad agent there. */
const isLoopback = (url: string): boolean =>
  /^[a-z]+:\/\/(localhost|127\.\d+\.\d+\.\d+|\[::1\])(:\d+)?(\/|$)/i.test(url);

/**
 * Where Prometheus finds the orchestrator's API on this stack.
 * @throws ConfigError on Nomad when no address that a task can reach is known.
 */
export function discoverySource(config: StackConfig, stack: string): DiscoverySource {
  const target = config.target;
  switch (target) {
    case "swarm":
      return { target, host: "unix:///var/run/docker.sock", stack };
    case "kubernetes":
      return { target, namespace: config.kubernetes.namespace };
    case "nomad": {
      const own = config.monitoring.nomadAddress;
      const fromTarget = config.nomad.address;
      const server = own ?? (fromTarget && !isLoopback(fromTarget) ? fromTarget : undefined);
      if (!server) {
        throw new ConfigError([
          `homeport:monitoring.nomadAddress is not set, and homeport:nomad.address is ${fromTarget === undefined ? "not set" : JSON.stringify(fromTarget)}, which Prometheus cannot reach from its container. Fix: set homeport:monitoring.nomadAddress to the Nomad HTTP API address as tasks reach it, e.g. http://10.0.0.10:4646.`,
        ]);
      }
      return {
        target,
        server,
        region: config.nomad.region,
        namespace: config.nomad.namespace,
      };
    }
  }
}
