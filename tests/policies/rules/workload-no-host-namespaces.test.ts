import { workloadNoHostNamespaces } from "../../../policies/rules/workload-no-host-namespaces";
import { describeRule } from "../fixtures";

describeRule(workloadNoHostNamespaces, [
  {
    title: "the host network",
    target: "swarm",
    mutate: (p) => (p.taskSpec.networksAdvanceds = [{ name: "host" }]),
    expected: ['Swarm service "t-web" uses the host network: attach it to an overlay network.'],
  },
  {
    title: "hostNetwork and hostPID",
    target: "kubernetes",
    mutate: (p) => {
      p.spec.template.spec.hostNetwork = true;
      p.spec.template.spec.hostPID = true;
    },
    expected: ['Deployment "web" shares host namespaces (hostNetwork, hostPID): remove them.'],
  },
  {
    title: "a host-mode group network",
    target: "nomad",
    mutate: (job) => (job.TaskGroups[0].Networks[0].Mode = "host"),
    expected: ['Nomad job "web": group "web" uses the host network: use bridge mode.'],
  },
  {
    title: "the host IPC namespace",
    target: "nomad",
    mutate: (job) => (job.TaskGroups[0].Tasks[0].Config.ipc_mode = "host"),
    expected: ['Nomad job "web": task "web" shares host namespaces (ipc_mode): remove them.'],
  },
  {
    title: "a plain container on the host network and PID namespace",
    target: "swarm",
    workload: "job",
    mutate: (p) => {
      p.networkMode = "host";
      p.pidMode = "host";
    },
    expected: [
      'Docker container "t-job" uses the host network: attach it to an overlay network.',
      'Docker container "t-job" shares host namespaces (pid): remove them.',
    ],
  },
]);
