import { workloadRunAsNonRoot } from "../../../policies/rules/workload-run-as-non-root";
import { describeRule } from "../fixtures";

const IMAGE_USER =
  "runs as the image's user, which may be root: set a non-root user, or exempt the workload with the reason it needs root.";
const ROOT = (user: string) =>
  `runs as root ("${user}"): set a non-root user, or exempt the workload with the reason it needs root.`;

describeRule(workloadRunAsNonRoot, [
  {
    title: "no user: the image's",
    target: "swarm",
    mutate: (p) => delete p.taskSpec.containerSpec.user,
    expected: [`Swarm service "t-web" ${IMAGE_USER}`],
  },
  {
    title: "uid 0",
    target: "swarm",
    mutate: (p) => (p.taskSpec.containerSpec.user = "0:1000"),
    expected: [`Swarm service "t-web" ${ROOT("0:1000")}`],
  },
  {
    title: "a plain container as root",
    target: "swarm",
    workload: "job",
    mutate: (p) => (p.user = "root"),
    expected: [`Docker container "t-job" ${ROOT("root")}`],
  },
  {
    title: "no runAsNonRoot",
    target: "kubernetes",
    mutate: (p) => delete p.spec.template.spec.containers[0].securityContext.runAsNonRoot,
    expected: [
      'Deployment "web": container "web" does not set runAsNonRoot: set it (the kubelet then refuses a root image), or exempt the workload with the reason it needs root.',
    ],
  },
  {
    title: "runAsNonRoot on the pod is enough",
    target: "kubernetes",
    mutate: (p) => {
      delete p.spec.template.spec.containers[0].securityContext.runAsNonRoot;
      p.spec.template.spec.securityContext.runAsNonRoot = true;
    },
    expected: [],
  },
  {
    title: "runAsUser 0",
    target: "kubernetes",
    mutate: (p) => (p.spec.template.spec.containers[0].securityContext.runAsUser = 0),
    expected: [
      'Deployment "web": container "web" runs as uid 0: set a non-root runAsUser, or exempt the workload with the reason it needs root.',
    ],
  },
  {
    title: "no user",
    target: "nomad",
    mutate: (job) => delete job.TaskGroups[0].Tasks[0].User,
    expected: [`Nomad job "web": task "web" ${IMAGE_USER}`],
  },
  {
    title: "user 0",
    target: "nomad",
    mutate: (job) => (job.TaskGroups[0].Tasks[0].User = "0"),
    expected: [`Nomad job "web": task "web" ${ROOT("0")}`],
  },
]);
