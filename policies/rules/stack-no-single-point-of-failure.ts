import { stackRule } from "../lib/rule";
import { clusterMatches, clustersOf, workloadsOf } from "../lib/stack";
import { isUnknown } from "../lib/values";

const RULE = "stack-no-single-point-of-failure";

export interface SpofConfig {
  readonly tiers: Record<string, string[]>;
  readonly minReplicas: number;
}

export const stackNoSinglePointOfFailure = stackRule<SpofConfig>({
  name: RULE,
  description:
    "The proxy, API and storage tiers each run enough replicas that one failure is not an outage.",
  severity: "high",
  docs: {
    catalogue: ["R9", "R18"],
    swarm: "Every workload of a tier: replicated with ≥ `minReplicas` replicas, or global.",
    kubernetes: "Every workload of a tier: ≥ `minReplicas` replicas, or a DaemonSet.",
    nomad: "Every workload of a tier: every group count ≥ `minReplicas`, or a system job.",
  },
  config: {
    tiers: {
      type: "object",
      additionalProperties: { type: "array", items: { type: "string" } },
      default: { proxy: ["part:proxy"], api: ["backend"], storage: ["minio"] },
      description:
        'Tiers and their workloads: "part:NAME" selects a part, any other value a workload name.',
    },
    minReplicas: {
      type: "integer",
      minimum: 2,
      default: 2,
      description: "Fewest replicas of each workload of a tier.",
    },
  },
  check({ resources, config, report }) {
    const clusters = clustersOf(workloadsOf(resources));
    for (const [tier, selectors] of Object.entries(config.tiers)) {
      for (const w of clusters) {
        if (!selectors.some((s) => clusterMatches(w, s))) continue;
        if (w.perNode || isUnknown(w.replicas) || w.exemption(RULE) !== undefined) continue;
        if (w.replicas < config.minReplicas)
          report(
            `${w.subject} is a single point of failure of the ${tier} tier: run at least ${config.minReplicas} replicas.`,
            w.urn,
          );
      }
    }
  },
});
