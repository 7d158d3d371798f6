import { stackRule } from "../lib/rule";
import { clusterMatches, clustersOf, workloadsOf } from "../lib/stack";
import { isUnknown } from "../lib/values";

const RULE = "stack-quorum-odd-members";

export interface QuorumConfig {
  readonly quorumWorkloads: string[];
  readonly minMembers: number;
}

export const stackQuorumOddMembers = stackRule<QuorumConfig>({
  name: RULE,
  description:
    "Quorum clusters (RabbitMQ, Ceph monitors) run an odd number of members, at least 3.",
  severity: "high",
  docs: {
    catalogue: ["R9"],
    swarm: "`mode.replicated.replicas` of each quorum workload is odd and ≥ `minMembers`.",
    kubernetes: "`spec.replicas` of each quorum workload is odd and ≥ `minMembers`.",
    nomad: "The group count of each quorum workload is odd and ≥ `minMembers`.",
  },
  config: {
    quorumWorkloads: {
      type: "array",
      items: { type: "string" },
      default: ["rabbitmq", "ceph-mon"],
      description: 'Quorum workloads: names, or "part:NAME" for a whole part.',
    },
    minMembers: {
      type: "integer",
      minimum: 1,
      default: 3,
      description: "Fewest members of a quorum.",
    },
  },
  check({ resources, config, report }) {
    for (const w of clustersOf(workloadsOf(resources))) {
      if (!config.quorumWorkloads.some((s) => clusterMatches(w, s))) continue;
      if (w.perNode || isUnknown(w.replicas) || w.exemption(RULE) !== undefined) continue;
      if (w.replicas < config.minMembers || w.replicas % 2 === 0)
        report(
          `${w.subject} runs ${w.replicas} quorum member(s): run an odd number, at least ${config.minMembers}.`,
          w.urn,
        );
    }
  },
});
