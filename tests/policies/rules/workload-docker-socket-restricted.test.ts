import { workloadDockerSocketRestricted } from "../../../policies/rules/workload-docker-socket-restricted";
import { describeRule } from "../fixtures";

const SOCKET = "/var/run/docker.sock";

describeRule(workloadDockerSocketRestricted, [
  {
    title: "a socket mount without exemption",
    target: "swarm",
    mutate: (p) =>
      p.taskSpec.containerSpec.mounts.push({
        type: "bind",
        source: SOCKET,
        target: SOCKET,
        readOnly: true,
      }),
    expected: [
      'Swarm service "t-web" mounts the container runtime socket /var/run/docker.sock: remove it, or exempt the workload with the reason it needs the socket.',
    ],
  },
  {
    title: "an exempt workload's writable socket",
    target: "swarm",
    workload: "proxy",
    mutate: (p) => {
      const socket = p.taskSpec.containerSpec.mounts.find(
        (m: { source: string }) => m.source === SOCKET,
      );
      socket.readOnly = false;
    },
    expected: [
      'Swarm service "t-proxy" mounts the container runtime socket /var/run/docker.sock writable: mount it read-only.',
    ],
  },
  {
    title: "the proxy without its exemption",
    target: "kubernetes",
    workload: "proxy",
    mutate: (p) => {
      delete p.metadata.annotations["policy.homeport.dev/exempt.workload-docker-socket-restricted"];
      delete p.spec.template.metadata.annotations[
        "policy.homeport.dev/exempt.workload-docker-socket-restricted"
      ];
    },
    expected: [
      'Deployment "proxy": container "proxy" mounts the container runtime socket /var/run/docker.sock: remove it, or exempt the workload with the reason it needs the socket.',
    ],
  },
  {
    title: "an exempt workload's writable socket",
    target: "kubernetes",
    workload: "proxy",
    mutate: (p) => delete p.spec.template.spec.containers[0].volumeMounts[0].readOnly,
    expected: [
      'Deployment "proxy": container "proxy" mounts the container runtime socket /var/run/docker.sock writable: mount it read-only.',
    ],
  },
  {
    title: "a containerd socket without exemption",
    target: "nomad",
    mutate: (job) =>
      (job.TaskGroups[0].Tasks[0].Config.volumes = [
        "/run/containerd/containerd.sock:/run/containerd/containerd.sock:ro",
      ]),
    expected: [
      'Nomad job "web": task "web" mounts the container runtime socket /run/containerd/containerd.sock: remove it, or exempt the workload with the reason it needs the socket.',
    ],
  },
  {
    title: "an exempt workload's writable socket",
    target: "nomad",
    workload: "proxy",
    mutate: (job) => (job.TaskGroups[0].Tasks[0].Config.volumes = [`${SOCKET}:${SOCKET}`]),
    expected: [
      'Nomad job "proxy": task "proxy" mounts the container runtime socket /var/run/docker.sock writable: mount it read-only.',
    ],
  },
  {
    title: "a plain container with the socket as a host volume",
    target: "swarm",
    workload: "job",
    mutate: (p) => (p.volumes = [{ hostPath: SOCKET, containerPath: SOCKET, readOnly: true }]),
    expected: [
      'Docker container "t-job" mounts the container runtime socket /var/run/docker.sock: remove it, or exempt the workload with the reason it needs the socket.',
    ],
  },
]);
