import { workloadReadOnlyRootFilesystem } from "../../../policies/rules/workload-read-only-root-filesystem";
import { describeRule } from "../fixtures";

const FIX =
  "has a writable root filesystem: make it read-only and mount an ephemeral volume where it writes, or exempt the workload with the reason it writes there.";

describeRule(workloadReadOnlyRootFilesystem, [
  {
    title: "a writable root filesystem",
    target: "swarm",
    mutate: (p) => (p.taskSpec.containerSpec.readOnly = false),
    expected: [`Swarm service "t-web" ${FIX}`],
  },
  {
    title: "a plain container without readOnly",
    target: "swarm",
    workload: "job",
    mutate: (p) => delete p.readOnly,
    expected: [`Docker container "t-job" ${FIX}`],
  },
  {
    title: "a container without readOnlyRootFilesystem",
    target: "kubernetes",
    mutate: (p) => delete p.spec.template.spec.containers[0].securityContext.readOnlyRootFilesystem,
    expected: [`Deployment "web": container "web" ${FIX}`],
  },
  {
    title: "a task without readonly_rootfs",
    target: "nomad",
    mutate: (job) => (job.TaskGroups[0].Tasks[0].Config.readonly_rootfs = false),
    expected: [`Nomad job "web": task "web" ${FIX}`],
  },
]);
