import * as yaml from "js-yaml";
import { MetricsDiscovery } from "../model";

interface AlertRule {
  readonly alert: string;
  readonly expr: string;
  readonly for?: string;
  readonly labels: { readonly severity: "none" | "info" | "warning" | "critical" };
  readonly annotations: { readonly summary: string; readonly description: string };
}

interface RecordingRule {
  readonly record: string;
  readonly expr: string;
}

export interface RuleGroup {
  readonly name: string;
  readonly rules: (AlertRule | RecordingRule)[];
}

/** Filesystems that are not real disks: never alerted on. */
const FS_SELECTOR =
  'fstype!~"tmpfs|ramfs|overlay|squashfs|nsfs|fuse.lxcfs",mountpoint!~"/run.*|/boot/efi"';

/** The cAdvisor label naming a container's workload, from the orchestrator's discovery strategy. */
export type ContainerWorkload = MetricsDiscovery["containerWorkload"];

/** How many container starts of one workload on one node within 15 minutes mean a crash loop. */
export const RESTART_THRESHOLD = 3;

/**
 * Per-container rules: recording rules that give cAdvisor's series a `workload` label on this
 * orchestrator, then the alerts on them, in one group so that they are evaluated in that order.
 */
export function containerRules(workload: ContainerWorkload): RuleGroup {
  const { source, regex } = workload;
  return {
    name: "homeport-workloads",
    rules: [
      {
        record: "homeport:container_start_time_seconds",
        expr: `label_replace(container_start_time_seconds{${source}!=""}, "workload", "$1", "${source}", "${regex}")`,
      },
      {
        // Each start is a new container, so a new series: count the series that started in the
        // window, including containers that have already died and vanished.
        record: "homeport:container_starts:15m",
        expr: "count by (workload, node) (max_over_time(homeport:container_start_time_seconds[15m]) > time() - 900)",
      },
      {
        record: "homeport:container_memory_limit_ratio",
        expr: `label_replace(container_memory_working_set_bytes{${source}!=""} / (container_spec_memory_limit_bytes{${source}!=""} > 0), "workload", "$1", "${source}", "${regex}")`,
      },
      {
        alert: "ContainerRestartingRepeatedly",
        expr: `homeport:container_starts:15m > ${RESTART_THRESHOLD}`,
        for: "5m",
        labels: { severity: "warning" },
        annotations: {
          summary: "A workload's containers keep restarting.",
          description:
            "{{ $value }} containers of {{ $labels.workload }} started on {{ $labels.node }} within 15 minutes: it is crash-looping.",
        },
      },
      {
        alert: "ContainerMemoryNearLimit",
        expr: "homeport:container_memory_limit_ratio > 0.9",
        for: "15m",
        labels: { severity: "warning" },
        annotations: {
          summary: "A container is close to its memory limit.",
          description:
            "{{ $labels.workload }} uses {{ $value | humanizePercentage }} of its memory limit; it will be killed when it reaches it.",
        },
      },
    ],
  };
}

/** Timings of the default alerts that a stack can change. */
export interface AlertTimings {
  /** How long a target fails its scrapes before TargetDown fires. @default "5m" */
  readonly targetDownFor?: string;
}

/** The default alerts, the same on every orchestrator. */
export function alertRules(timings: AlertTimings = {}): RuleGroup[] {
  const targetDownFor = timings.targetDownFor ?? "5m";
  return [
    {
      name: "homeport-availability",
      rules: [
        {
          alert: "Watchdog",
          expr: "vector(1)",
          labels: { severity: "none" },
          annotations: {
            summary: "Always firing: proves the alerting pipeline works end to end.",
            description:
              "This alert always fires. A dead man's switch outside the platform should page when it stops arriving.",
          },
        },
        {
          alert: "TargetDown",
          expr: 'up{job!="node-exporter"} == 0',
          for: targetDownFor,
          labels: { severity: "warning" },
          annotations: {
            summary: "A scrape target is down.",
            description: `{{ $labels.job }} target {{ $labels.instance }} ({{ $labels.workload }}) has not answered scrapes for ${targetDownFor}.`,
          },
        },
        {
          alert: "NodeDown",
          expr: 'up{job="node-exporter"} == 0',
          for: "2m",
          labels: { severity: "critical" },
          annotations: {
            summary: "A node stopped reporting.",
            description:
              "The node exporter on {{ $labels.node }} has not answered for 2 minutes: the node is down or cut off.",
          },
        },
      ],
    },
    {
      name: "homeport-nodes",
      rules: [
        {
          alert: "NodeFilesystemFillingUp",
          expr: `(node_filesystem_avail_bytes{${FS_SELECTOR}} / node_filesystem_size_bytes{${FS_SELECTOR}} < 0.4 and predict_linear(node_filesystem_avail_bytes{${FS_SELECTOR}}[6h], 24 * 3600) < 0 and node_filesystem_readonly{${FS_SELECTOR}} == 0)`,
          for: "1h",
          labels: { severity: "warning" },
          annotations: {
            summary: "A filesystem will be full within 24 hours.",
            description:
              "{{ $labels.mountpoint }} on {{ $labels.node }} has {{ $value | humanizePercentage }} left and is filling up: at the current rate it is full within 24 hours.",
          },
        },
        {
          alert: "NodeFilesystemFillingUpFast",
          expr: `(node_filesystem_avail_bytes{${FS_SELECTOR}} / node_filesystem_size_bytes{${FS_SELECTOR}} < 0.2 and predict_linear(node_filesystem_avail_bytes{${FS_SELECTOR}}[6h], 4 * 3600) < 0 and node_filesystem_readonly{${FS_SELECTOR}} == 0)`,
          for: "1h",
          labels: { severity: "critical" },
          annotations: {
            summary: "A filesystem will be full within 4 hours.",
            description:
              "{{ $labels.mountpoint }} on {{ $labels.node }} has {{ $value | humanizePercentage }} left and is full within 4 hours at the current rate.",
          },
        },
        {
          alert: "NodeMemoryPressure",
          expr: "node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes < 0.1",
          for: "15m",
          labels: { severity: "warning" },
          annotations: {
            summary: "A node is running out of memory.",
            description:
              "{{ $labels.node }} has only {{ $value | humanizePercentage }} of its memory available.",
          },
        },
        {
          alert: "NodeCpuPressure",
          expr: 'avg without (cpu, mode) (1 - rate(node_cpu_seconds_total{mode="idle"}[5m])) > 0.9',
          for: "30m",
          labels: { severity: "warning" },
          annotations: {
            summary: "A node's CPUs are saturated.",
            description: "{{ $labels.node }} has been over 90% busy for 30 minutes.",
          },
        },
      ],
    },
    {
      name: "homeport-tls",
      rules: [
        {
          alert: "TlsCertificateExpiringSoon",
          expr: "(max by (cn, sans) (traefik_tls_certs_not_after) - time()) / 86400 < 14",
          for: "1h",
          labels: { severity: "warning" },
          annotations: {
            summary: "A TLS certificate expires within 14 days.",
            description:
              "The certificate for {{ $labels.cn }} expires in {{ $value | humanize }} days and has not been renewed.",
          },
        },
        {
          alert: "TlsCertificateExpiringVerySoon",
          expr: "(max by (cn, sans) (traefik_tls_certs_not_after) - time()) / 86400 < 3",
          for: "10m",
          labels: { severity: "critical" },
          annotations: {
            summary: "A TLS certificate expires within 3 days.",
            description:
              "The certificate for {{ $labels.cn }} expires in {{ $value | humanize }} days: renewal is failing.",
          },
        },
      ],
    },
  ];
}

/** The rule file Prometheus loads, for one orchestrator's container labels. */
export function renderAlertRules(workload: ContainerWorkload, timings: AlertTimings = {}): string {
  return yaml.dump(
    { groups: [containerRules(workload), ...alertRules(timings)] },
    { lineWidth: -1, noRefs: true, sortKeys: false },
  );
}
