import { workloadNoSensitiveHostPaths } from "../../../policies/rules/workload-no-sensitive-host-paths";
import { describeRule } from "../fixtures";

const EXEMPT = "policy.homeport.dev/exempt.workload-no-sensitive-host-paths";

describeRule(workloadNoSensitiveHostPaths, [
  {
    title: "/etc mounted without exemption",
    target: "swarm",
    mutate: (p) =>
      p.taskSpec.containerSpec.mounts.push({
        type: "bind",
        source: "/etc",
        target: "/host/etc",
        readOnly: true,
      }),
    expected: [
      'Swarm service "t-web" mounts the sensitive host path /etc: remove it, or exempt the workload with the reason.',
    ],
  },
  {
    title: "an exporter's /proc mounted writable",
    target: "swarm",
    workload: "exporter",
    mutate: (p) => (p.taskSpec.containerSpec.mounts[0].readOnly = false),
    expected: [
      'Swarm service "t-exporter" mounts the sensitive host path /proc writable: mount it read-only.',
    ],
  },
  {
    title: "a path under a sensitive one, without exemption",
    target: "kubernetes",
    workload: "exporter",
    mutate: (p) => {
      delete p.metadata.annotations[EXEMPT];
      delete p.spec.template.metadata.annotations[EXEMPT];
      p.spec.template.spec.volumes[0].hostPath.path = "/var/lib/docker/volumes";
    },
    expected: [
      'DaemonSet "exporter": container "exporter" mounts the sensitive host path /var/lib/docker/volumes: remove it, or exempt the workload with the reason.',
    ],
  },
  {
    title: "a host path that is not sensitive",
    target: "kubernetes",
    mutate: (p) => {
      p.spec.template.spec.volumes.push({ name: "srv", hostPath: { path: "/srv/media" } });
      p.spec.template.spec.containers[0].volumeMounts.push({ name: "srv", mountPath: "/media" });
    },
    expected: [],
  },
  {
    title: "/sys mounted without exemption",
    target: "nomad",
    mutate: (job) => (job.TaskGroups[0].Tasks[0].Config.volumes = ["/sys:/host/sys:ro"]),
    expected: [
      'Nomad job "web": task "web" mounts the sensitive host path /sys: remove it, or exempt the workload with the reason.',
    ],
  },
  {
    title: "an exporter's /proc mounted writable",
    target: "nomad",
    workload: "exporter",
    mutate: (job) => (job.TaskGroups[0].Tasks[0].Config.volumes = ["/proc:/host/proc"]),
    expected: [
      'Nomad job "exporter": task "exporter" mounts the sensitive host path /proc writable: mount it read-only.',
    ],
  },
]);
