/**
 * Ceph on Kubernetes through Rook: the CephCluster (sized by environment), a CephFilesystem for
 * the `shared` class, a CephBlockPool for the `block` class, the `.mgr` pool, and the
 * StorageClasses of Rook's CSI drivers. Field names follow rook/rook deploy/examples/cluster.yaml
 * and cluster-test.yaml (one-node sizing), filesystem-test.yaml, csi/rbd/storageclass-test.yaml
 * and csi/cephfs/storageclass.yaml (provisioner names, parameters and secret names).
 */
import type { Environment } from "../config/schema";
import { HOMEPORT_STORAGE_CLASSES, KubeObject, storageLabels } from "./kube-object";

export const ROOK_CEPH_IMAGE = "quay.io/ceph/ceph:v18.2.4";

export interface RookCephArgs {
  readonly environment: Environment;
  /** Namespace of the CephCluster (also the CSI `clusterID`). @default "rook-ceph" */
  readonly namespace?: string;
  /** Namespace of Rook's operator, which prefixes the CSI driver names. @default "rook-ceph" */
  readonly operatorNamespace?: string;
  /** @default "homeport-ceph" */
  readonly clusterName?: string;
  /** @default ROOK_CEPH_IMAGE */
  readonly cephImage?: string;
  /** @default "/var/lib/rook" */
  readonly dataDirHostPath?: string;
  /**
   * Which disks become OSDs: every empty disk of every node, or the listed ones.
   * @default { useAllNodes: true, useAllDevices: true }
   */
  readonly storage?:
    | { readonly useAllNodes: true; readonly useAllDevices: true }
    | { readonly nodes: readonly { readonly name: string; readonly devices: readonly string[] }[] };
  /** @default "homeport" */
  readonly fsName?: string;
  /** @default "homeport-block" */
  readonly blockPoolName?: string;
  /** @default { shared: "homeport-cephfs", block: "homeport-rbd" } */
  readonly storageClassNames?: { readonly shared?: string; readonly block?: string };
}

/** Daemon counts and replication per environment (cluster-test.yaml for dev, cluster.yaml). */
export const ROOK_SIZING: Record<
  Environment,
  { mons: number; mgrs: number; poolSize: number; multiplePerNode: boolean; failureDomain: string }
> = {
  dev: { mons: 1, mgrs: 1, poolSize: 1, multiplePerNode: true, failureDomain: "osd" },
  production: { mons: 3, mgrs: 2, poolSize: 3, multiplePerNode: false, failureDomain: "host" },
};

function replicated(size: number) {
  // Rook refuses size 1 unless told that losing the only copy is accepted (a lab).
  return size === 1 ? { size, requireSafeReplicaSize: false } : { size };
}

/** A Secret that a ceph-csi StorageClass names. */
export interface CephCsiSecretRef {
  readonly name: string;
  readonly namespace: string;
}

/**
 * A StorageClass on one of ceph-csi's drivers (Rook's or a standalone ceph-csi); volumes are kept
 * when their claim goes. Parameters and secret keys follow ceph/ceph-csi
 * examples/rbd/storageclass.yaml and examples/cephfs/storageclass.yaml.
 */
export function cephStorageClass(args: {
  readonly name: string;
  readonly labels: Record<string, string>;
  readonly provisioner: string;
  readonly clusterId: string;
  readonly parameters: Record<string, string>;
  readonly provisionerSecret: CephCsiSecretRef;
  readonly nodeSecret: CephCsiSecretRef;
}): KubeObject {
  const p = args.provisionerSecret;
  const n = args.nodeSecret;
  return {
    apiVersion: "storage.k8s.io/v1",
    kind: "StorageClass",
    metadata: { name: args.name, labels: args.labels },
    provisioner: args.provisioner,
    parameters: {
      clusterID: args.clusterId,
      ...args.parameters,
      "csi.storage.k8s.io/provisioner-secret-name": p.name,
      "csi.storage.k8s.io/provisioner-secret-namespace": p.namespace,
      "csi.storage.k8s.io/controller-expand-secret-name": p.name,
      "csi.storage.k8s.io/controller-expand-secret-namespace": p.namespace,
      "csi.storage.k8s.io/node-stage-secret-name": n.name,
      "csi.storage.k8s.io/node-stage-secret-namespace": n.namespace,
    },
    reclaimPolicy: "Retain",
    allowVolumeExpansion: true,
  };
}

/** Every Rook object and the two StorageClasses, in apply order. */
export function renderRookCeph(args: RookCephArgs): KubeObject[] {
  const ns = args.namespace ?? "rook-ceph";
  const operatorNs = args.operatorNamespace ?? "rook-ceph";
  const sizing = ROOK_SIZING[args.environment];
  const fsName = args.fsName ?? "homeport";
  const pool = args.blockPoolName ?? "homeport-block";
  const classes = {
    shared: args.storageClassNames?.shared ?? HOMEPORT_STORAGE_CLASSES.cephfs,
    block: args.storageClassNames?.block ?? HOMEPORT_STORAGE_CLASSES.rbd,
  };
  const labels = storageLabels("rook-ceph");
  const storage = args.storage ?? { useAllNodes: true, useAllDevices: true };
  const lab = args.environment === "dev";
  const secret = (driver: "rbd" | "cephfs", who: "provisioner" | "node") => ({
    name: `rook-csi-${driver}-${who}`,
    namespace: ns,
  });
  const storageClass = (
    name: string,
    driver: "rbd" | "cephfs",
    parameters: Record<string, string>,
  ) =>
    cephStorageClass({
      name,
      labels,
      provisioner: `${operatorNs}.${driver}.csi.ceph.com`,
      clusterId: ns,
      parameters,
      provisionerSecret: secret(driver, "provisioner"),
      nodeSecret: secret(driver, "node"),
    });
  return [
    {
      apiVersion: "ceph.rook.io/v1",
      kind: "CephCluster",
      metadata: { name: args.clusterName ?? "homeport-ceph", namespace: ns, labels },
      spec: {
        cephVersion: { image: args.cephImage ?? ROOK_CEPH_IMAGE },
        dataDirHostPath: args.dataDirHostPath ?? "/var/lib/rook",
        mon: { count: sizing.mons, allowMultiplePerNode: sizing.multiplePerNode },
        mgr: { count: sizing.mgrs, allowMultiplePerNode: sizing.multiplePerNode },
        storage:
          "nodes" in storage
            ? {
                useAllNodes: false,
                useAllDevices: false,
                nodes: storage.nodes.map((n) => ({
                  name: n.name,
                  devices: n.devices.map((d) => ({ name: d })),
                })),
              }
            : { useAllNodes: true, useAllDevices: true },
        disruptionManagement: { managePodBudgets: true },
        ...(lab
          ? {
              cephConfig: {
                global: {
                  osd_pool_default_size: "1",
                  mon_warn_on_pool_no_redundancy: "false",
                },
              },
            }
          : {}),
      },
    },
    {
      apiVersion: "ceph.rook.io/v1",
      kind: "CephBlockPool",
      metadata: { name: "builtin-mgr", namespace: ns, labels },
      spec: {
        name: ".mgr",
        failureDomain: sizing.failureDomain,
        replicated: replicated(sizing.poolSize),
      },
    },
    {
      apiVersion: "ceph.rook.io/v1",
      kind: "CephBlockPool",
      metadata: { name: pool, namespace: ns, labels },
      spec: { failureDomain: sizing.failureDomain, replicated: replicated(sizing.poolSize) },
    },
    {
      apiVersion: "ceph.rook.io/v1",
      kind: "CephFilesystem",
      metadata: { name: fsName, namespace: ns, labels },
      spec: {
        metadataPool: { replicated: replicated(sizing.poolSize) },
        dataPools: [
          {
            name: "data",
            failureDomain: sizing.failureDomain,
            replicated: replicated(sizing.poolSize),
          },
        ],
        // Data outlives the stack: deleting the resource leaves the filesystem in Ceph.
        preserveFilesystemOnDelete: true,
        metadataServer: { activeCount: 1, activeStandby: !lab },
      },
    },
    storageClass(classes.shared, "cephfs", {
      fsName,
      // Rook names a filesystem's data pools <fs>-<pool name>.
      pool: `${fsName}-data`,
    }),
    storageClass(classes.block, "rbd", {
      pool,
      imageFormat: "2",
      imageFeatures: "layering",
      "csi.storage.k8s.io/fstype": "ext4",
    }),
  ];
}
