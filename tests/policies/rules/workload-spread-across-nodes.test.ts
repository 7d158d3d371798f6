import { workloadSpreadAcrossNodes } from "../../../policies/rules/workload-spread-across-nodes";
import { describeRule } from "../fixtures";

describeRule(workloadSpreadAcrossNodes, [
  {
    title: "no spread preference nor cap per node",
    target: "swarm",
    mutate: (p) => delete p.taskSpec.placement.prefs,
    expected: [
      'Swarm service "t-web" does not spread its replicas: set taskSpec.placement.prefs or maxReplicas.',
    ],
  },
  {
    title: "a cap of one replica per node spreads too",
    target: "swarm",
    mutate: (p) => {
      delete p.taskSpec.placement.prefs;
      p.taskSpec.placement.maxReplicas = 1;
    },
    expected: [],
  },
  {
    title: "no topology spread",
    target: "kubernetes",
    mutate: (p) => delete p.spec.template.spec.topologySpreadConstraints,
    expected: [
      'Deployment "web" does not spread its pods: add a topologySpreadConstraints entry or a pod anti-affinity on kubernetes.io/hostname.',
    ],
  },
  {
    title: "no spread",
    target: "nomad",
    mutate: (job) => delete job.Spreads,
    expected: [
      'Nomad job "web": group "web" does not spread its allocations: add a spread or a distinct_hosts constraint.',
    ],
  },
  {
    title: "distinct_hosts spreads too",
    target: "nomad",
    mutate: (job) => {
      delete job.Spreads;
      job.TaskGroups[0].Constraints = [{ Operand: "distinct_hosts", RTarget: "true" }];
    },
    expected: [],
  },
]);
