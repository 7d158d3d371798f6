import { stackSharedNotOnLocal } from "../../../policies/rules/stack-shared-not-on-local";
import { describeRule } from "../fixtures";

const hint = "other nodes cannot reach it; use storage.backend nfs or ceph.";

describeRule(stackSharedNotOnLocal, [
  {
    title: "the shared volume on a plain docker volume of the node",
    target: "swarm",
    workload: "sonarr",
    mutate: (p) => {
      const mount = p.taskSpec.containerSpec.mounts[1];
      mount.source = "t-node-media";
      delete mount.volumeOptions;
    },
    expected: [
      `Swarm service "t-sonarr" keeps shared volume "media" on the node's disk (docker volume t-node-media): ${hint}`,
    ],
  },
  {
    // The web workload and the media app share the claim: both are reported.
    title: "the shared claim is ReadWriteOnce",
    target: "kubernetes",
    resource: { type: "kubernetes:core/v1:PersistentVolumeClaim", name: "shared-media" },
    mutate: (p) => (p.spec.accessModes = ["ReadWriteOnce"]),
    expected: [
      `StatefulSet "sonarr" keeps shared volume "media" on a ReadWriteOnce claim (shared-media): ${hint}`,
      `Deployment "web" keeps shared volume "media" on a ReadWriteOnce claim (shared-media): ${hint}`,
    ],
  },
  {
    title: "the shared claim is of a node-local class",
    target: "kubernetes",
    resource: { type: "kubernetes:core/v1:PersistentVolumeClaim", name: "shared-media" },
    mutate: (p) => (p.spec.storageClassName = "local-path"),
    expected: [
      `StatefulSet "sonarr" keeps shared volume "media" on node-local storage class local-path (shared-media): ${hint}`,
      `Deployment "web" keeps shared volume "media" on node-local storage class local-path (shared-media): ${hint}`,
    ],
  },
  {
    title: "the local classes come from the pack config",
    target: "kubernetes",
    workload: "sonarr",
    config: { localStorageClasses: ["nfs"] },
    mutate: () => {},
    expected: [
      `StatefulSet "sonarr" keeps shared volume "media" on node-local storage class nfs (shared-media): ${hint}`,
      `Deployment "web" keeps shared volume "media" on node-local storage class nfs (shared-media): ${hint}`,
    ],
  },
  {
    title: "the shared volume is a host volume",
    target: "nomad",
    workload: "sonarr",
    mutate: (job) => (job.TaskGroups[0].Volumes.media = { Type: "host", Source: "media" }),
    expected: [`Nomad job "sonarr" keeps shared volume "media" on host volume media: ${hint}`],
  },
]);
