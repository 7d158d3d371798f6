import { META } from "../../components/model/metadata";

/**
 * The `homeport:sizes.<tier>` setting that sets a workload's replicas, by its workload name
 * (components/config/schema.ts TIERS; the proxy's workloads are traefik and whoami).
 */
const SIZE_OF_WORKLOAD: Readonly<Record<string, string>> = {
  traefik: "proxy",
  whoami: "proxy",
  frontend: "frontend",
  backend: "backend",
  worker: "worker",
  rabbitmq: "rabbitmq",
  minio: "minio",
  prometheus: "prometheus",
  alertmanager: "alertmanager",
  grafana: "grafana",
};

/** "raise homeport:sizes.<tier> to N" for a workload a stack sizes, else "add replicas". */
export function raiseReplicas(w: { meta(key: string): string | undefined }, to: number): string {
  const workload = w.meta(META.workload) ?? "";
  // Cluster members are named <tier>-<n>.
  const tier = SIZE_OF_WORKLOAD[workload] ?? SIZE_OF_WORKLOAD[workload.replace(/-\d+$/, "")];
  return tier ? `raise homeport:sizes.${tier} to ${to}` : "add replicas";
}
