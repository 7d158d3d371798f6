import { workloadRequireResourceRequests } from "../../../policies/rules/workload-require-resource-requests";
import { describeRule } from "../fixtures";

describeRule(workloadRequireResourceRequests, [
  {
    title: "no reservation",
    target: "swarm",
    mutate: (p) => delete p.taskSpec.resources.reservation,
    expected: [
      'Swarm service "t-web" reserves no CPU and memory: set taskSpec.resources.reservation.',
    ],
  },
  {
    title: "no memory reservation",
    target: "swarm",
    mutate: (p) => delete p.taskSpec.resources.reservation.memoryBytes,
    expected: ['Swarm service "t-web" reserves no memory: set taskSpec.resources.reservation.'],
  },
  {
    title: "no CPU request",
    target: "kubernetes",
    mutate: (p) => delete p.spec.template.spec.containers[0].resources.requests.cpu,
    expected: ['Deployment "web": container "web" requests no CPU: set resources.requests.'],
  },
  {
    title: "no resources",
    target: "nomad",
    mutate: (job) => delete job.TaskGroups[0].Tasks[0].Resources,
    expected: [
      'Nomad job "web": task "web" reserves no CPU and memory: set resources.cpu and resources.memory.',
    ],
  },
  {
    title: "a plain container reserves nothing: not checked",
    target: "swarm",
    workload: "job",
    mutate: (p) => delete p.memory,
    expected: [],
  },
  {
    title: "a Job without requests",
    target: "kubernetes",
    workload: "job",
    mutate: (p) => delete p.spec.template.spec.containers[0].resources.requests,
    expected: ['Job "job": container "job" requests no CPU and memory: set resources.requests.'],
  },
]);
