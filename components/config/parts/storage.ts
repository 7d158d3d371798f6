import { z } from "zod";
import { STORAGE_BACKENDS } from "../../model/storage";
import { secretString } from "../secret-string";
import { SIZE } from "./monitoring";

/**
 * `homeport:storage`: where every volume class lives (`backend`, see `components/model/storage.ts`)
 * and which pieces the storage part deploys for it. A piece is `create` (homeport deploys it) or
 * `existing` (something outside the stack already serves it, under the names homeport uses or
 * those `homeport:kubernetes.storageClasses` gives). docs/storage.md has the whole table.
 */
export const PIECES = ["create", "existing"] as const;
export type Piece = (typeof PIECES)[number];

/**
 * nfs-ganesha on one node of the stack, for a homelab without a NAS: the share is a node-local
 * volume of that node, exported over NFSv4 on its port 2049 (`components/storage/nfs-server.ts`).
 */
export const nfsServeSettings = z
  .object({
    /** The node (its host name) that runs the server and whose disk holds the data. */
    node: z.string().min(1),
    /** A pinned image holding nfs-ganesha with its VFS backend (`ganesha.nfsd`). */
    image: z.string().min(1),
    /** The share's size, where the orchestrator sizes volumes. @default "100Gi" */
    size: z.string().regex(SIZE).default("100Gi"),
  })
  .strict();

export const nfsSettings = z
  .object({
    /**
     * The NFS server clients mount, as every node reaches it. @default `serve.node` when homeport
     * runs the server
     */
    server: z.string().min(1).optional(),
    /** Where the export is: the server's exported path, or the pseudo path homeport's server serves. */
    path: z.string().startsWith("/"),
    options: z.string().default("nfsvers=4.1,rw,noatime"),
    /**
     * The piece that makes a directory per claim: nfs-subdir-external-provisioner and its
     * StorageClass on Kubernetes, the csi-driver-nfs plugin jobs on Nomad. Swarm needs none.
     * @default "create"
     */
    provisioner: z.enum(PIECES).default("create"),
    /** Runs the NFS server on a node of the stack (nfs-ganesha). @default none: `server` serves */
    serve: nfsServeSettings.optional(),
  })
  .strict();

/** The Ceph daemons a node of a cluster homeport runs as its own workloads (Swarm). */
export const CEPH_NODE_ROLES = ["mon", "mgr", "mds"] as const;

/**
 * A node of a Ceph cluster homeport runs daemon by daemon (`ceph.cluster: create` where the
 * orchestrator has no Ceph operator): its daemons are pinned to it and keep their data on it.
 */
export const cephNodeSettings = z
  .object({
    /** The node's host name, which its daemons are pinned to. */
    name: z.string().min(1),
    /** Its IPv4 address on `publicNetwork`; a monitor listens on it (3300 and 6789). */
    address: z
      .string()
      .regex(/^(\d{1,3}\.){3}\d{1,3}$/)
      .optional(),
    /** The daemons it runs besides its OSD. @default [] */
    roles: z.array(z.enum(CEPH_NODE_ROLES)).default([]),
    /**
     * Its OSD: `id` is the OSD's number, for good (`osd.<id>`); bluestore on a file of `size` in
     * a volume on the node's disk, or on the whole block device `device`. @default no OSD
     */
    osd: z
      .object({
        id: z.number().int().min(0),
        size: z.string().regex(SIZE).optional(),
        device: z.string().startsWith("/dev/").optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

export const cephSettings = z
  .object({
    /**
     * `create`: homeport runs the cluster (Rook on Kubernetes, its daemons on Swarm);
     * `existing`: a cluster reached at `monitors`. @default "existing"
     */
    cluster: z.enum(PIECES).default("existing"),
    /** Monitor addresses of an existing cluster, e.g. 10.0.0.1:6789. */
    monitors: z.array(z.string().min(1)).min(1).optional(),
    user: z.string().min(1).default("admin"),
    /** Swarm: the CephX secret file of `user`, on every node. @default /etc/ceph/<user>.secret */
    secretFile: z.string().startsWith("/").optional(),
    /**
     * Swarm: where every node mounts the CephFS directory `path` (its fstab, with `secretFile`);
     * each shared volume is a bind of its own directory there. @default "/mnt/homeport-cephfs"
     */
    mountPoint: z.string().startsWith("/").default("/mnt/homeport-cephfs"),
    /** Swarm, `cluster: create`: the nodes, their daemons and OSDs. */
    nodes: z.array(cephNodeSettings).min(1).optional(),
    /** Swarm, `cluster: create`: the IPv4 network (CIDR) the daemons and the nodes' mounts use. */
    publicNetwork: z
      .string()
      .regex(/^(\d{1,3}\.){3}\d{1,3}\/\d{1,2}$/)
      .optional(),
    /** Swarm, `cluster: create`: a pinned image with Ceph's daemons, its CLI and python3-cephfs. */
    image: z.string().min(1).optional(),
    /** Swarm: the CephFS directory under which each shared volume has its own. @default "/" */
    path: z.string().startsWith("/").default("/"),
    /** The key of `user`, for ceph-csi (Kubernetes with an existing cluster, Nomad). Secret. */
    key: secretString().optional(),
    /** The cluster's fsid, which ceph-csi names it by (`ceph fsid`). */
    clusterId: z.string().min(1).optional(),
    /** The CephFS file system of the `shared` class. @default "homeport" */
    fsName: z.string().min(1).default("homeport"),
    /** The RBD pool of the `block` class. @default "homeport-block" */
    pool: z.string().min(1).default("homeport-block"),
    /**
     * The piece that provisions volumes on the cluster: ceph-csi's StorageClasses (Kubernetes,
     * existing cluster) or its plugin jobs (Nomad). With `cluster: create` on Kubernetes, Rook
     * brings its own. @default "create"
     */
    provisioner: z.enum(PIECES).default("create"),
  })
  .strict();

export const storageSettings = z
  .object({
    backend: z.enum(STORAGE_BACKENDS).default("local"),
    /**
     * Let `pulumi destroy` (and a replacement) delete the volumes and claims that hold data.
     * @default false: they are kept (retainOnDelete), and in production protected
     */
    deleteDataOnDestroy: z.boolean().default(false),
    nfs: nfsSettings.optional(),
    ceph: cephSettings.optional(),
  })
  .strict();

export type StorageSettings = z.output<typeof storageSettings>;

/**
 * The NFS server as every node reaches it: `server`, else the node homeport runs it on (the
 * settings check refuses neither).
 */
export const nfsServerHost = (nfs: NonNullable<StorageSettings["nfs"]>): string =>
  nfs.server ?? nfs.serve?.node ?? "";

/** Settings of `homeport:storage` that are credentials. */
export const storageSecretSettings = ["ceph.key"] as const;

/** How to fix each storage setting, by path below `storage`. */
export const storageFixes: ReadonlyArray<readonly [string, string]> = [
  ["backend", "set it to local, nfs or ceph"],
  [
    "nfs",
    "add homeport:storage.nfs with the server and the exported path, e.g. {server: nas.lan, path: /export/homeport}",
  ],
  ["nfs.server", "set it to the NFS server's host name or address"],
  ["nfs.path", "set it to the absolute exported path, e.g. /export/homeport"],
  ["nfs.provisioner", "set it to create (the default) or existing"],
  ["nfs.serve.node", "set it to the host name of the node whose disk holds the share"],
  [
    "nfs.serve.image",
    "pin an image holding nfs-ganesha with its VFS backend (ganesha.nfsd), e.g. registry.lan/nfs-ganesha:4.3",
  ],
  ["nfs.serve.size", 'write a size such as "100Gi" or "2Ti"'],
  [
    "ceph",
    "add homeport:storage.ceph with monitors, and user and secretFile where they differ from admin and the default keyring, e.g. {monitors: [10.0.0.1:6789]}",
  ],
  ["ceph.cluster", "set it to existing (the default) or create"],
  ["ceph.monitors", "list the Ceph monitor addresses, e.g. [10.0.0.1:6789]"],
  ["ceph.secretFile", "set the absolute path of the CephX secret file present on every node"],
  ["ceph.provisioner", "set it to create (the default) or existing"],
  ["ceph.mountPoint", "set the absolute path where every node mounts the CephFS"],
  [
    "ceph.nodes",
    "list the nodes with their roles and OSDs, e.g. [{name: node-1, address: 10.0.0.11, roles: [mon, mgr, mds], osd: {id: 0, size: 100Gi}}]",
  ],
  ["ceph.nodes.*.name", "set it to the node's host name"],
  ["ceph.nodes.*.address", "set it to the node's IPv4 address on publicNetwork, e.g. 10.0.0.11"],
  ["ceph.nodes.*.roles", "list mon, mgr or mds"],
  [
    "ceph.nodes.*.osd",
    "give the OSD its number and a size (a file) or a device, e.g. {id: 0, size: 100Gi}",
  ],
  ["ceph.nodes.*.osd.size", 'write a size such as "100Gi"'],
  ["ceph.nodes.*.osd.device", "name the whole block device, e.g. /dev/sdb"],
  ["ceph.publicNetwork", "set it to the nodes' IPv4 network, e.g. 10.0.0.0/24"],
  [
    "ceph.image",
    "pin an image with Ceph's daemons and python3-cephfs, e.g. quay.io/ceph/ceph:v18.2.4",
  ],
];

export interface StorageIssue {
  readonly path: (string | number)[];
  readonly message: string;
  /** The bad value; undefined for a setting that is missing. */
  readonly value: unknown;
  readonly fix: string;
}

/** Storage settings that contradict each other, whatever the orchestrator. */
export function storageStackIssues(storage: StorageSettings): StorageIssue[] {
  const issues: StorageIssue[] = [];
  const nfs = storage.nfs;
  if (storage.backend === "nfs" && nfs && nfs.server === undefined && nfs.serve === undefined) {
    issues.push({
      path: ["storage", "nfs", "server"],
      message: "homeport:storage.nfs.serve is not set either, so nothing serves the share",
      value: undefined,
      fix: "set it to the NAS's host name, or add homeport:storage.nfs.serve {node, image} to run nfs-ganesha on a node of the stack",
    });
  }
  if (storage.backend === "nfs" && nfs?.serve && nfs.path === "/") {
    issues.push({
      path: ["storage", "nfs", "path"],
      message:
        "is the root of the NFSv4 pseudo file system, which the NFS server that homeport runs cannot export",
      value: nfs.path,
      fix: "name the export below it, e.g. /homeport",
    });
  }
  const ceph = storage.ceph;
  if (storage.backend === "ceph" && ceph) {
    if (ceph.cluster === "existing" && ceph.monitors === undefined) {
      issues.push({
        path: ["storage", "ceph", "monitors"],
        message: "homeport:storage.ceph.cluster is existing",
        value: undefined,
        fix: "list the existing cluster's monitor addresses, e.g. [10.0.0.1:6789], or set homeport:storage.ceph.cluster to create",
      });
    }
    if (ceph.cluster === "create" && ceph.monitors !== undefined) {
      issues.push({
        path: ["storage", "ceph", "monitors"],
        message:
          "names monitors, but homeport:storage.ceph.cluster is create: the cluster's own monitors serve it",
        value: ceph.monitors,
        fix: "remove it, or set homeport:storage.ceph.cluster to existing",
      });
    }
  }
  return issues;
}
