import { workloadNoPrivilegeEscalation } from "../../../policies/rules/workload-no-privilege-escalation";
import { describeRule } from "../fixtures";

describeRule(workloadNoPrivilegeEscalation, [
  {
    title: "Swarm services have no such option: nothing to check",
    target: "swarm",
    mutate: (p) => delete p.taskSpec.containerSpec.user,
    expected: [],
  },
  {
    title: "allowPrivilegeEscalation left out (Kubernetes allows it by default)",
    target: "kubernetes",
    mutate: (p) =>
      delete p.spec.template.spec.containers[0].securityContext.allowPrivilegeEscalation,
    expected: [
      'Deployment "web": container "web" may escalate privileges: set securityContext.allowPrivilegeEscalation = false.',
    ],
  },
  {
    title: "no security_opt",
    target: "nomad",
    mutate: (job) => delete job.TaskGroups[0].Tasks[0].Config.security_opt,
    expected: [
      'Nomad job "web": task "web" may escalate privileges: add "no-new-privileges" to config.security_opt.',
    ],
  },
  {
    title: "a Job's container that may escalate",
    target: "kubernetes",
    workload: "job",
    mutate: (p) =>
      (p.spec.template.spec.containers[0].securityContext.allowPrivilegeEscalation = true),
    expected: [
      'Job "job": container "job" may escalate privileges: set securityContext.allowPrivilegeEscalation = false.',
    ],
  },
]);
