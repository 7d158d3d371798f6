import { workloadNoPrivileged } from "../../../policies/rules/workload-no-privileged";
import { describeRule } from "../fixtures";

describeRule(workloadNoPrivileged, [
  {
    title: "Swarm services cannot run privileged: nothing to check",
    target: "swarm",
    mutate: (p) => (p.taskSpec.containerSpec.privileges = {}),
    expected: [],
  },
  {
    title: "a privileged container",
    target: "kubernetes",
    mutate: (p) => (p.spec.template.spec.containers[0].securityContext.privileged = true),
    expected: ['Deployment "web": container "web" runs privileged: remove privileged.'],
  },
  {
    title: "a privileged task",
    target: "nomad",
    mutate: (job) => (job.TaskGroups[0].Tasks[0].Config.privileged = true),
    expected: ['Nomad job "web": task "web" runs privileged: remove privileged.'],
  },
  {
    title: "a privileged plain container",
    target: "swarm",
    workload: "job",
    mutate: (p) => (p.privileged = true),
    expected: ['Docker container "t-job" runs privileged: remove privileged.'],
  },
  {
    title: "a privileged Job",
    target: "kubernetes",
    workload: "job",
    mutate: (p) => (p.spec.template.spec.containers[0].securityContext.privileged = true),
    expected: ['Job "job": container "job" runs privileged: remove privileged.'],
  },
]);
