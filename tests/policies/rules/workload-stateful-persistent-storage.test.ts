import { workloadStatefulPersistentStorage } from "../../../policies/rules/workload-stateful-persistent-storage";
import { describeRule } from "../fixtures";

describeRule(workloadStatefulPersistentStorage, [
  {
    title: "a stateful service on tmpfs only",
    target: "swarm",
    workload: "db",
    mutate: (p) => (p.taskSpec.containerSpec.mounts = [{ type: "tmpfs", target: "/var/lib/db" }]),
    expected: [
      'Swarm service "t-db" is stateful but mounts no persistent volume: mount a named volume.',
    ],
  },
  {
    title: "a stateful StatefulSet on emptyDir",
    target: "kubernetes",
    workload: "db",
    mutate: (p) => {
      delete p.spec.volumeClaimTemplates;
      p.spec.template.spec.volumes = [{ name: "vol-data", emptyDir: {} }];
    },
    expected: [
      'StatefulSet "db" is stateful but mounts no persistent volume claim: add a volumeClaimTemplates entry or a persistentVolumeClaim volume.',
    ],
  },
  {
    title: "a stateful job without volumes",
    target: "nomad",
    workload: "db",
    mutate: (job) => {
      delete job.TaskGroups[0].Volumes;
      delete job.TaskGroups[0].Tasks[0].VolumeMounts;
    },
    expected: [
      'Nomad job "db": group "db" is stateful but mounts no persistent volume: add a host or CSI volume.',
    ],
  },
  {
    title: "a stateless workload needs no volume",
    target: "nomad",
    mutate: (job) => delete job.TaskGroups[0].Volumes,
    expected: [],
  },
]);
