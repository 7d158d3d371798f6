import { stackNoSinglePointOfFailure } from "../../../policies/rules/stack-no-single-point-of-failure";
import { describeRule } from "../fixtures";

describeRule(stackNoSinglePointOfFailure, [
  {
    title: "a single proxy",
    target: "swarm",
    workload: "proxy",
    mutate: (p) => (p.mode.replicated.replicas = 1),
    expected: [
      'Swarm service "t-proxy" is a single point of failure of the proxy tier: run at least 2 replicas.',
    ],
  },
  {
    title: "a single storage workload (tiers from the pack config)",
    target: "kubernetes",
    workload: "db",
    config: { tiers: { storage: ["db"] } },
    mutate: () => {},
    expected: [
      'StatefulSet "db" is a single point of failure of the storage tier: run at least 2 replicas.',
    ],
  },
  {
    title: "a single API job",
    target: "nomad",
    workload: "web",
    config: { tiers: { api: ["web"] } },
    mutate: (job) => (job.TaskGroups[0].Count = 1),
    expected: [
      'Nomad job "web" is a single point of failure of the api tier: run at least 2 replicas.',
    ],
  },
]);
