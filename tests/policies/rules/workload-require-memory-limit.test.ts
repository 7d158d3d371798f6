import { workloadRequireMemoryLimit } from "../../../policies/rules/workload-require-memory-limit";
import { describeRule } from "../fixtures";

describeRule(workloadRequireMemoryLimit, [
  {
    title: "no memory limit",
    target: "swarm",
    mutate: (p) => delete p.taskSpec.resources.limits.memoryBytes,
    expected: [
      'Swarm service "t-web" has no memory limit: set taskSpec.resources.limits.memoryBytes.',
    ],
  },
  {
    title: "a CPU limit only",
    target: "kubernetes",
    mutate: (p) => delete p.spec.template.spec.containers[0].resources.limits.memory,
    expected: [
      'Deployment "web": container "web" has no memory limit: set resources.limits.memory.',
    ],
  },
  {
    title: "no memory",
    target: "nomad",
    mutate: (job) => {
      delete job.TaskGroups[0].Tasks[0].Resources.MemoryMB;
      delete job.TaskGroups[0].Tasks[0].Resources.MemoryMaxMB;
    },
    expected: ['Nomad job "web": task "web" has no memory limit: set resources.memory.'],
  },
  {
    title: "memory_max below memory",
    target: "nomad",
    mutate: (job) => (job.TaskGroups[0].Tasks[0].Resources.MemoryMaxMB = 64),
    expected: [
      'Nomad job "web": task "web" has memory_max 64 MB below its memory 128 MB: raise memory_max.',
    ],
  },
  {
    title: "a plain container without memory",
    target: "swarm",
    workload: "job",
    mutate: (p) => delete p.memory,
    expected: ['Docker container "t-job" has no memory limit: set memory.'],
  },
]);
