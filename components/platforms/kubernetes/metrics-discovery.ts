import { META, MetricsDiscovery, sanitizedKey } from "../../model";

const annotation = (key: string) => `__meta_kubernetes_pod_annotation_${sanitizedKey(key)}`;

/**
 * Prometheus' Kubernetes pod discovery in the stack's namespaces (prometheus/prometheus:
 * discovery/kubernetes/pod.go); the adapter writes the model's metadata as pod annotations.
 */
export const kubernetesMetricsDiscovery = (namespaces: readonly string[]): MetricsDiscovery => ({
  sdConfig: { kubernetes_sd_configs: [{ role: "pod", namespaces: { names: [...namespaces] } }] },
  select: [{ source_labels: ["__meta_kubernetes_pod_phase"], regex: "Running", action: "keep" }],
  keys: {
    workload: annotation(META.workload),
    part: annotation(META.part),
    metricsPath: annotation(META.metricsPath),
  },
  address: [
    {
      source_labels: ["__meta_kubernetes_pod_ip", annotation(META.metricsPort)],
      regex: "(.+);(\\d+)",
      replacement: "$1:$2",
      target_label: "__address__",
    },
    { source_labels: ["__meta_kubernetes_pod_node_name"], target_label: "node" },
    { source_labels: ["__meta_kubernetes_pod_name"], target_label: "pod" },
  ],
  alertmanager: (_name, address) => ({ static_configs: [{ targets: [address] }] }),
  containerWorkload: { source: "container_label_io_kubernetes_container_name", regex: "(.+)" },
});
