import { workloadDropCapabilities } from "../../../policies/rules/workload-drop-capabilities";
import { describeRule } from "../fixtures";

describeRule(workloadDropCapabilities, [
  {
    title: "capabilities kept",
    target: "swarm",
    mutate: (p) => delete p.taskSpec.containerSpec.capDrops,
    expected: [
      'Swarm service "t-web" does not drop all capabilities: drop ALL, then add back what it needs.',
    ],
  },
  {
    title: "a dangerous capability added",
    target: "swarm",
    mutate: (p) => (p.taskSpec.containerSpec.capAdds = ["NET_ADMIN", "CHOWN", "SYS_ADMIN"]),
    expected: [
      'Swarm service "t-web" adds capabilities NET_ADMIN, SYS_ADMIN that are not allowed: remove them, or exempt the workload with the reason it needs them.',
    ],
  },
  {
    title: "the allowed list comes from the pack config",
    target: "kubernetes",
    workload: "sonarr",
    config: { allowedCapabilities: ["CHOWN"] },
    mutate: () => {},
    expected: [
      'StatefulSet "sonarr": container "sonarr" adds capabilities SETUID, SETGID that are not allowed: remove them, or exempt the workload with the reason it needs them.',
    ],
  },
  {
    title: "no drop list",
    target: "kubernetes",
    mutate: (p) => delete p.spec.template.spec.containers[0].securityContext.capabilities.drop,
    expected: [
      'Deployment "web": container "web" does not drop all capabilities: drop ALL, then add back what it needs.',
    ],
  },
  {
    title: "cap_add with a dangerous capability",
    target: "nomad",
    mutate: (job) => (job.TaskGroups[0].Tasks[0].Config.cap_add = ["sys_ptrace"]),
    expected: [
      'Nomad job "web": task "web" adds capabilities SYS_PTRACE that are not allowed: remove them, or exempt the workload with the reason it needs them.',
    ],
  },
  {
    title: "an exempt workload (a VPN client) may add NET_ADMIN",
    target: "nomad",
    mutate: (job) => {
      job.TaskGroups[0].Tasks[0].Config.cap_add = ["net_admin"];
      job.Meta.policy_homeport_dev_exempt_workload_drop_capabilities = "VPN tunnel";
    },
    expected: [],
  },
]);
