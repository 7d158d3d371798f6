import { workloadImagePinned } from "../../../policies/rules/workload-image-pinned";
import { describeRule } from "../fixtures";

const DIGEST = "sha256:" + "a".repeat(64);

describeRule(workloadImagePinned, [
  {
    title: "an image without tag",
    target: "swarm",
    mutate: (p) => (p.taskSpec.containerSpec.image = "registry.example:5000/web"),
    expected: [
      'Swarm service "t-web": image "registry.example:5000/web" has no tag; pin a version tag or a digest.',
    ],
  },
  {
    title: "a digest pins the image",
    target: "swarm",
    mutate: (p) => (p.taskSpec.containerSpec.image = `registry.example/web@${DIGEST}`),
    expected: [],
  },
  {
    title: "the latest tag",
    target: "kubernetes",
    mutate: (p) => (p.spec.template.spec.containers[0].image = "registry.example/web:latest"),
    expected: [
      'Deployment "web": container "web": image "registry.example/web:latest" uses the "latest" tag; pin a version tag or a digest.',
    ],
  },
  {
    title: "an unpinned init container",
    target: "kubernetes",
    mutate: (p) => (p.spec.template.spec.initContainers = [{ name: "init", image: "busybox" }]),
    expected: [
      'Deployment "web": container "init": image "busybox" has no tag; pin a version tag or a digest.',
    ],
  },
  {
    title: "an empty tag",
    target: "nomad",
    mutate: (job) => (job.TaskGroups[0].Tasks[0].Config.image = "registry.example/web:"),
    expected: [
      'Nomad job "web": task "web": image "registry.example/web:" has an empty tag; pin a version tag or a digest.',
    ],
  },
  {
    title: "a plain container on the latest tag",
    target: "swarm",
    workload: "job",
    mutate: (p) => (p.image = "registry.example/tools:latest"),
    expected: [
      'Docker container "t-job": image "registry.example/tools:latest" uses the "latest" tag; pin a version tag or a digest.',
    ],
  },
]);
