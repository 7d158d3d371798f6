/**
 * Kubernetes StorageClasses of a standalone ceph-csi (an existing Ceph cluster, not Rook's):
 * provisioners `rbd.csi.ceph.com` and `cephfs.csi.ceph.com`, the cluster named by its fsid, and
 * one Secret holding the user's ID and key (keys userID/userKey, adminID/adminKey as
 * ceph/ceph-csi examples/rbd/secret.yaml and examples/cephfs/secret.yaml name them). ceph-csi's
 * own driver (its Deployments, DaemonSets and the config map that maps the fsid to monitors) is
 * installed with ceph-csi's charts; homeport does not deploy it.
 */
import { HOMEPORT_STORAGE_CLASSES, KubeObject, storageLabels } from "./kube-object";
import { cephStorageClass } from "./rook-ceph";

export interface CephCsiClassesArgs {
  /** The cluster's fsid (`ceph fsid`). */
  readonly clusterId: string;
  /** The namespace of the Secret with the user's key. */
  readonly secretNamespace: string;
  /** @default "homeport-ceph-csi" */
  readonly secretName?: string;
  readonly fsName: string;
  readonly pool: string;
}

/** Keys of the Secret the classes name, for a user and its key. */
export const cephCsiSecretData = (user: string, key: string): Record<string, string> => ({
  userID: user,
  userKey: key,
  adminID: user,
  adminKey: key,
});

/** The two StorageClasses, `homeport-cephfs` (shared) and `homeport-rbd` (block). */
export function renderCephCsiClasses(args: CephCsiClassesArgs): KubeObject[] {
  const secret = { name: args.secretName ?? "homeport-ceph-csi", namespace: args.secretNamespace };
  const common = {
    labels: storageLabels("ceph-csi"),
    clusterId: args.clusterId,
    provisionerSecret: secret,
    nodeSecret: secret,
  };
  return [
    cephStorageClass({
      ...common,
      name: HOMEPORT_STORAGE_CLASSES.cephfs,
      provisioner: "cephfs.csi.ceph.com",
      parameters: { fsName: args.fsName },
    }),
    cephStorageClass({
      ...common,
      name: HOMEPORT_STORAGE_CLASSES.rbd,
      provisioner: "rbd.csi.ceph.com",
      parameters: {
        pool: args.pool,
        imageFeatures: "layering",
        "csi.storage.k8s.io/fstype": "ext4",
      },
    }),
  ];
}
