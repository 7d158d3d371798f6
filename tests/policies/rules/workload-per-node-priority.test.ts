import { workloadPerNodePriority } from "../../../policies/rules/workload-per-node-priority";
import { describeRule } from "../fixtures";

describeRule(workloadPerNodePriority, [
  {
    title: "Swarm has no priorities: nothing to check",
    target: "swarm",
    workload: "exporter",
    mutate: () => {},
    expected: [],
  },
  {
    title: "a DaemonSet without a priority class",
    target: "kubernetes",
    workload: "exporter",
    mutate: (p) => delete p.spec.template.spec.priorityClassName,
    expected: [
      'DaemonSet "exporter" has no priorityClassName: give it a PriorityClass above the workloads\' so that it is scheduled on a full node.',
    ],
  },
  {
    title: "a Deployment needs none",
    target: "kubernetes",
    mutate: (p) => delete p.spec.template.spec.priorityClassName,
    expected: [],
  },
  {
    title: "a system job at the default priority",
    target: "nomad",
    workload: "exporter",
    mutate: (job) => (job.Priority = 50),
    expected: [
      'Nomad job "exporter" has priority 50: set a Priority above 50 so that it preempts other allocations on a full node.',
    ],
  },
]);
