import { workloadSqliteNotOnNetworkFs } from "../../../policies/rules/workload-sqlite-not-on-network-fs";
import { describeRule } from "../fixtures";

describeRule(workloadSqliteNotOnNetworkFs, [
  {
    title: "/config on the NFS shared volume",
    target: "swarm",
    workload: "sonarr",
    mutate: (p) => (p.taskSpec.containerSpec.mounts[1].target = "/config"),
    expected: [
      'Swarm service "t-sonarr" keeps its SQLite database at /config on a network filesystem (nfs): use local or block storage.',
    ],
  },
  {
    title: "/config on a volume whose docker Volume is NFS",
    target: "swarm",
    workload: "sonarr",
    mutate: (p) =>
      (p.taskSpec.containerSpec.mounts = [
        { type: "volume", source: "t-media", target: "/config" },
      ]),
    expected: [
      'Swarm service "t-sonarr" keeps its SQLite database at /config on a network filesystem (nfs): use local or block storage.',
    ],
  },
  {
    title: "/config on the ReadWriteMany claim",
    target: "kubernetes",
    workload: "sonarr",
    mutate: (p) => (p.spec.template.spec.containers[0].volumeMounts[1].mountPath = "/config"),
    expected: [
      'StatefulSet "sonarr" keeps its SQLite database at /config on a network filesystem (claim shared-media: ReadWriteMany): use local or block storage.',
    ],
  },
  {
    title: "/config on a claim template of a network storage class",
    target: "kubernetes",
    workload: "sonarr",
    mutate: (p) => (p.spec.volumeClaimTemplates[0].spec.storageClassName = "cephfs"),
    expected: [
      'StatefulSet "sonarr" keeps its SQLite database at /config on a network filesystem (claim template vol-sonarr-config: storage class cephfs): use local or block storage.',
    ],
  },
  {
    title: "/config on a claim template of the storage part's CephFS class",
    target: "kubernetes",
    workload: "sonarr",
    mutate: (p) => (p.spec.volumeClaimTemplates[0].spec.storageClassName = "homeport-cephfs"),
    expected: [
      'StatefulSet "sonarr" keeps its SQLite database at /config on a network filesystem (claim template vol-sonarr-config: storage class homeport-cephfs): use local or block storage.',
    ],
  },
  {
    title: "Grafana's /var/lib/grafana on a multi-node CSI volume",
    target: "nomad",
    workload: "sonarr",
    mutate: (job) => (job.TaskGroups[0].Tasks[0].VolumeMounts[1].Destination = "/var/lib/grafana"),
    expected: [
      'Nomad job "sonarr" keeps its SQLite database at /var/lib/grafana on a network filesystem (CSI volume media: multi-node-multi-writer): use local or block storage.',
    ],
  },
  {
    title: "/config on a multi-node CSI volume",
    target: "nomad",
    workload: "sonarr",
    mutate: (job) => (job.TaskGroups[0].Tasks[0].VolumeMounts[1].Destination = "/config"),
    expected: [
      'Nomad job "sonarr" keeps its SQLite database at /config on a network filesystem (CSI volume media: multi-node-multi-writer): use local or block storage.',
    ],
  },
  {
    title: "the database paths come from the pack config",
    target: "nomad",
    workload: "sonarr",
    config: { databasePaths: ["/data"] },
    mutate: () => {},
    expected: [
      'Nomad job "sonarr" keeps its SQLite database at /data on a network filesystem (CSI volume media: multi-node-multi-writer): use local or block storage.',
    ],
  },
]);
