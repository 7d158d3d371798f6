import { workloadNetworkCapabilities } from "../../../policies/rules/workload-network-capabilities";
import { describeRule } from "../fixtures";

const EXEMPT = "policy_homeport_dev_exempt_workload_network_capabilities";

describeRule(workloadNetworkCapabilities, [
  {
    title: "a service that is not the floating IP's adds NET_ADMIN",
    target: "swarm",
    mutate: (p) => (p.taskSpec.containerSpec.capAdds = ["NET_ADMIN", "CHOWN"]),
    expected: [
      'Swarm service "t-web" adds NET_ADMIN: only the floating-IP workload may, exempted from workload-network-capabilities with its reason.',
    ],
  },
  {
    title: "a container adds NET_RAW",
    target: "kubernetes",
    mutate: (p) =>
      (p.spec.template.spec.containers[0].securityContext.capabilities.add = ["NET_RAW"]),
    expected: [
      'Deployment "web": container "web" adds NET_RAW: only the floating-IP workload may, exempted from workload-network-capabilities with its reason.',
    ],
  },
  {
    title: "the exempt floating-IP workload with exactly what keepalived needs",
    target: "nomad",
    mutate: (job) => {
      job.TaskGroups[0].Tasks[0].Config.cap_add = ["net_admin", "net_raw", "setgid"];
      job.Meta[EXEMPT] = "keepalived holds the floating address";
    },
    expected: [],
  },
  {
    title: "the exempt floating-IP workload adding more than it needs",
    target: "nomad",
    mutate: (job) => {
      job.TaskGroups[0].Tasks[0].Config.cap_add = ["net_admin", "net_raw", "setgid", "sys_admin"];
      job.Meta[EXEMPT] = "keepalived holds the floating address";
    },
    expected: [
      'Nomad job "web": task "web" adds SYS_ADMIN, more than the floating IP needs (NET_ADMIN, NET_RAW, SETGID): remove them.',
    ],
  },
]);
