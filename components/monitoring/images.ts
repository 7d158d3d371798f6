/** Pinned images of the monitoring part; each can be overridden in `homeport:monitoring.images`. */
export const MONITORING_IMAGES = {
  prometheus: "prom/prometheus:v3.5.0",
  alertmanager: "prom/alertmanager:v0.28.1",
  grafana: "grafana/grafana:11.5.2",
  nodeExporter: "prom/node-exporter:v1.9.1",
  cadvisor: "gcr.io/cadvisor/cadvisor:v0.52.1",
} as const;

/** Ports the monitoring workloads listen on. */
export const MONITORING_PORTS = {
  prometheus: 9090,
  alertmanager: 9093,
  grafana: 3000,
  nodeExporter: 9100,
  cadvisor: 8080,
} as const;

/** Workload names; Prometheus' jobs and the alert rules refer to them. */
export const MONITORING_WORKLOADS = {
  prometheus: "prometheus",
  alertmanager: "alertmanager",
  grafana: "grafana",
  nodeExporter: "node-exporter",
  cadvisor: "cadvisor",
} as const;
