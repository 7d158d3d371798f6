import { isStateful } from "../lib/leaves";
import { raiseReplicas } from "../lib/sizes";
import { workloadRule } from "../lib/rule";
import { isUnknown } from "../lib/values";

export interface MinReplicasConfig {
  readonly minReplicas: number;
}

export const workloadMinReplicas = workloadRule<MinReplicasConfig>({
  name: "workload-min-replicas",
  description:
    "Stateless workloads run at least two replicas; singletons say why with an exemption.",
  longRunningOnly: true,
  severity: "high",
  docs: {
    catalogue: ["R9"],
    swarm: "Replicated services: `mode.replicated.replicas` ≥ `minReplicas`.",
    kubernetes: "Deployments and StatefulSets: `spec.replicas` ≥ `minReplicas`.",
    nomad: "Service jobs: every group's `count` ≥ `minReplicas`.",
  },
  config: {
    minReplicas: {
      type: "integer",
      minimum: 1,
      default: 2,
      description: "Fewest replicas of a stateless workload.",
    },
  },
  check({ workload: w, config, report }) {
    if (w.perNode || isStateful(w) || isUnknown(w.replicas)) return;
    if (w.replicas < config.minReplicas)
      report(
        `${w.subject} runs ${w.replicas} replica(s), fewer than ${config.minReplicas}: ${raiseReplicas(w, config.minReplicas)}, or exempt it with the reason it cannot scale out.`,
      );
  },
});
