import * as pulumi from "@pulumi/pulumi";
import { Memory } from "./units";
import { VolumeClass } from "./workload";

/** The stack's storage backends (`homeport:storage.backend`). */
export const STORAGE_BACKENDS = ["local", "nfs", "ceph"] as const;
export type StorageBackend = (typeof STORAGE_BACKENDS)[number];

/**
 * Where a volume's data lives, whatever the orchestrator: in memory, a host path, the node's own
 * disk, a directory on the NFS share, a directory in CephFS, or a Ceph RBD image. Each adapter
 * translates every store into its own mechanism through an exhaustive table.
 */
export type VolumeStore = "memory" | "host" | "node" | "nfs" | "cephfs" | "rbd";

/** Stores that are network filesystems: SQLite never goes there. */
export const NETWORK_FILESYSTEMS: ReadonlySet<VolumeStore> = new Set(["nfs", "cephfs"]);

/**
 * The one decision of the storage backend: for every volume class, where it lives. The same on
 * every orchestrator; an orchestrator that cannot serve a store says so in its own table.
 * - `shared` (read-write-many) is a directory on NFS or in CephFS; with `local`, the node's disk
 *   (one-node stacks only: the `stack-shared-not-on-local` policy refuses it on several nodes).
 * - `block` (read-write-once) is an RBD image with Ceph; NFS is never block (databases, SQLite,
 *   Prometheus' TSDB and RabbitMQ's message store must not sit on NFS), so it stays on the node.
 * - `local` is always the node.
 */
export const BACKEND_STORES: Readonly<
  Record<StorageBackend, Readonly<Record<VolumeClass, VolumeStore>>>
> = {
  local: {
    ephemeral: "memory",
    "host-readonly": "host",
    local: "node",
    shared: "node",
    block: "node",
  },
  nfs: {
    ephemeral: "memory",
    "host-readonly": "host",
    local: "node",
    shared: "nfs",
    block: "node",
  },
  ceph: {
    ephemeral: "memory",
    "host-readonly": "host",
    local: "node",
    shared: "cephfs",
    block: "rbd",
  },
};

/** Stores an orchestrator cannot serve, each with the store it serves instead. */
export type StoreSubstitutes = Readonly<Partial<Record<VolumeStore, VolumeStore>>>;

/** Where a volume class lives on an orchestrator under a backend. */
export const volumeStore = (
  backend: StorageBackend,
  cls: VolumeClass,
  substitutes: StoreSubstitutes = {},
): VolumeStore => {
  const store = BACKEND_STORES[backend][cls];
  return substitutes[store] ?? store;
};

/** A piece of storage that homeport deploys (`create`) or finds already there (`existing`). */
export type StoragePiece = "create" | "existing";

/**
 * What the stack's storage backend needs, in the storage part's own terms: each adapter deploys
 * it with what its orchestrator offers (`PlatformAdapter.provisionStorage`).
 */
export interface StoragePlan {
  readonly backend: StorageBackend;
  /** Sizes a Ceph cluster homeport runs: one monitor and pool size 1 in dev, 3 and 3 in production. */
  readonly environment: "dev" | "production";
  /** The NFS share, with the `nfs` backend. */
  readonly nfs?: {
    readonly server: string;
    readonly path: string;
    /** Mount options, e.g. ["nfsvers=4.1", "rw", "noatime"]. */
    readonly mountOptions: readonly string[];
    /** The piece that makes a directory per volume (a provisioner, a CSI plugin). */
    readonly provisioner: StoragePiece;
    /**
     * homeport runs the server (nfs-ganesha) on this node, exporting `path` from a volume on its
     * disk; `server` is that node as clients reach it. @default none: `server` is outside the stack
     */
    readonly serve?: {
      readonly node: string;
      readonly image: string;
      readonly size: Memory;
    };
  };
  /** The Ceph cluster, with the `ceph` backend. */
  readonly ceph?: {
    readonly cluster: StoragePiece;
    /** Monitor addresses of an existing cluster. */
    readonly monitors?: readonly string[];
    readonly user: string;
    /** The user's key, for ceph-csi. */
    readonly key?: pulumi.Output<string>;
    /** The cluster's fsid, for ceph-csi. */
    readonly clusterId?: string;
    readonly fsName: string;
    readonly pool: string;
    /** The piece that provisions volumes on the cluster (ceph-csi). */
    readonly provisioner: StoragePiece;
    /** The CephFS directory holding one directory per shared volume. */
    readonly path: string;
    /**
     * The cluster homeport runs daemon by daemon, where the orchestrator has no Ceph operator
     * (`capabilities.storage.cephCluster` is "daemons"). @default none
     */
    readonly daemons?: {
      readonly image: string;
      readonly publicNetwork: string;
      readonly nodes: readonly {
        readonly name: string;
        readonly address?: string;
        readonly roles: readonly ("mon" | "mgr" | "mds")[];
        readonly osd?: { readonly id: number; readonly size?: Memory; readonly device?: string };
      }[];
    };
  };
}

/** What the storage part deployed: the resources volumes need before they can be used. */
export interface StorageProvisioning {
  readonly resources: pulumi.Resource[];
}
