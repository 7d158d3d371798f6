import { WorkloadSpec } from "../../components/model/workload";
import { cores, mebibytes, millicores, seconds } from "../../components/model/units";

/** A stateless web service: routed, health-checked, with a secret, a file and shared data. */
export const webWorkload: WorkloadSpec = {
  image: "registry.example/web:1.4.2",
  args: ["--port", "8080"],
  env: { LOG_LEVEL: "info" },
  secrets: [{ name: "api-key", value: "s3cr3t-value", env: "API_KEY" }],
  files: [{ name: "settings", path: "/etc/web/settings.json", content: '{"mode":"prod"}' }],
  ports: [{ name: "http", port: 8080 }],
  volumes: [
    { name: "media", mountPath: "/data", class: "shared" },
    { name: "scratch", mountPath: "/tmp", class: "ephemeral", size: mebibytes(64) },
  ],
  routes: [
    {
      host: "web.home.example.org",
      port: "http",
      middlewares: [{ kind: "basic-auth", users: "admin:$2y$05$hash" }],
    },
  ],
  health: {
    kind: "http",
    port: "http",
    path: "/health",
    interval: seconds(15),
    timeout: seconds(3),
    retries: 4,
    startPeriod: seconds(20),
  },
  resources: {
    requests: { cpu: millicores(250), memory: mebibytes(128) },
    limits: { cpu: cores(1), memory: mebibytes(512) },
  },
  scheduling: { mode: "replicated", replicas: 3 },
  metrics: { port: "http", path: "/metrics" },
  security: { user: "1000:1000" },
};

/** A stateful single-writer database on block storage. */
export const dbWorkload: WorkloadSpec = {
  image: "registry.example/db:16.2",
  ports: [{ name: "sql", port: 5432 }],
  volumes: [{ name: "data", mountPath: "/var/lib/db", class: "block", size: mebibytes(2048) }],
  health: { kind: "tcp", port: "sql" },
  state: "stateful",
  scheduling: { mode: "singleton", reason: "single-writer database" },
  update: { order: "stop-first" },
  security: { user: "999:999" },
};

/** A node exporter: one per node, read-only host mounts. */
export const exporterWorkload: WorkloadSpec = {
  image: "registry.example/node-exporter:1.8.1",
  ports: [{ name: "metrics", port: 9100 }],
  volumes: [{ name: "proc", mountPath: "/host/proc", class: "host-readonly", hostPath: "/proc" }],
  health: { kind: "http", port: "metrics", path: "/" },
  scheduling: { mode: "per-node" },
  security: { user: "65534:65534" },
  exemptions: [
    { rule: "workload-no-sensitive-host-paths", reason: "reads host metrics from /proc" },
  ],
};
