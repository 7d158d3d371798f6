/**
 * Nomad's side of network storage: the CSI plugin jobs (node plugins as system jobs, a controller
 * as a service job) and the CSI volume payloads of Nomad's HTTP API.
 *
 * - Jobs are Nomad's JSON job format; the `csi_plugin` block is the task's `CSIPluginConfig`
 *   (hashicorp/nomad api/tasks.go, TaskCSIPluginConfig). Plugin arguments follow
 *   hashicorp/nomad demo/csi/ceph-csi-plugin/plugin-cephrbd-{node,controller}.nomad (ceph-csi,
 *   its config.json template and key directory) and kubernetes-csi/csi-driver-nfs
 *   deploy/v4.11.0/csi-nfs-node.yaml (csi-driver-nfs's arguments; host networking so NFS mounts
 *   survive a plugin restart).
 * - Volumes are `PUT /v1/volume/csi/:id` (register an existing volume) and
 *   `PUT /v1/volume/csi/:id/create` (have the controller create it) with a body of
 *   `{ Volumes: [CSIVolume] }` (hashicorp/nomad api/csi.go: CSIVolume, CSIVolumeRegisterRequest,
 *   CSIVolumeCreateRequest). Parameters and context keys are those of each driver:
 *   csi-driver-nfs docs/driver-parameters.md (server, share, subDir, onDelete; volume ID
 *   `server#share#subDir`), ceph-csi docs/deploy-rbd.md and deploy-cephfs.md (clusterID, pool,
 *   fsName, imageFeatures; userID/userKey and adminID/adminKey secrets).
 */
import { DEFAULT_RESTART } from "../model/defaults";
import { exemptionKey, META } from "../model/metadata";
import type { NomadJobspec } from "../platforms/nomad/jobspec";
import { nomadMetaKey } from "../platforms/nomad/meta-key";
import { NOMAD_PRIORITY } from "../platforms/nomad/jobspec";

export type CsiDriver = "nfs" | "rbd" | "cephfs";

/** What each driver is called and which image runs it. */
export const CSI_DRIVERS: Record<CsiDriver, { name: string; image: string; pluginId: string }> = {
  nfs: {
    name: "nfs.csi.k8s.io",
    image: "registry.k8s.io/sig-storage/nfsplugin:v4.11.0",
    pluginId: "homeport-nfs",
  },
  rbd: {
    name: "rbd.csi.ceph.com",
    image: "quay.io/cephcsi/cephcsi:v3.12.2",
    pluginId: "homeport-rbd",
  },
  cephfs: {
    name: "cephfs.csi.ceph.com",
    image: "quay.io/cephcsi/cephcsi:v3.12.2",
    pluginId: "homeport-cephfs",
  },
};

export interface CsiPluginJobsArgs {
  readonly driver: CsiDriver;
  readonly datacenters: readonly string[];
  /** @default "global" */
  readonly region?: string;
  /** @default "default" */
  readonly namespace?: string;
  /** @default CSI_DRIVERS[driver].pluginId */
  readonly pluginId?: string;
  /** @default CSI_DRIVERS[driver].image */
  readonly image?: string;
  /** Ceph drivers only: the cluster they serve. */
  readonly ceph?: { readonly clusterId: string; readonly monitors: readonly string[] };
  /**
   * Controller replicas (they create and delete volumes; each call goes to one of them, and they
   * keep no state of their own). @default 2
   */
  readonly controllers?: number;
}

/** Where Nomad expects the plugin's socket (mount_dir), inside the task. */
const CSI_MOUNT_DIR = "/csi";
const ENDPOINT = `unix://${CSI_MOUNT_DIR}/csi.sock`;

function pluginArgs(args: CsiPluginJobsArgs, role: "node" | "controller"): string[] {
  const driver = CSI_DRIVERS[args.driver];
  if (args.driver === "nfs") {
    // One binary serves both roles; Nomad asks each job for its own.
    return [
      "--v=2",
      "--nodeid=${attr.unique.hostname}",
      `--endpoint=${ENDPOINT}`,
      `--drivername=${driver.name}`,
    ];
  }
  return [
    `--type=${args.driver}`,
    role === "node" ? "--nodeserver=true" : "--controllerserver=true",
    `--drivername=${driver.name}`,
    `--endpoint=${ENDPOINT}`,
    "--nodeid=${node.unique.name}",
    "--instanceid=${NOMAD_ALLOC_ID}",
    "--v=2",
  ];
}

function cephTemplates(args: CsiPluginJobsArgs) {
  if (args.driver === "nfs") return {};
  if (!args.ceph || args.ceph.monitors.length === 0) {
    throw new Error(
      `storage.ceph.monitors is required for the ${args.driver} CSI plugin on Nomad: list the monitor addresses`,
    );
  }
  const config = [{ clusterID: args.ceph.clusterId, monitors: [...args.ceph.monitors] }];
  return {
    Templates: [
      {
        EmbeddedTmpl: JSON.stringify(config, null, 2) + "\n",
        DestPath: "local/ceph-csi-config/config.json",
        ChangeMode: "restart",
        // The JSON has braces of its own; these delimiters keep Nomad from reading it.
        LeftDelim: "[[",
        RightDelim: "]]",
      },
    ],
  };
}

/** Nanoseconds, as Nomad's JSON jobs give durations. */
const ns = (ms: number): number => ms * 1_000_000;

/**
 * Why a plugin task is exempt from each production rule that cannot apply to it, by rule; read by
 * the policy pack from the job's meta. Each reason is the plugin's own need.
 */
function pluginExemptions(
  driver: CsiDriver,
  role: "node" | "controller",
  privileged: boolean,
): Record<string, string> {
  const reasons: Record<string, string> = {
    // Nomad's CSI plugin manager calls the plugin's Probe over its socket and reports the plugin
    // unhealthy in its status (hashicorp/nomad client/pluginmanager/csimanager/fingerprint.go,
    // buildNodeFingerprint and buildControllerFingerprint: PluginProbe);
    // CSI volumes wait for a healthy plugin (nomad-csi-volume.ts). The plugin serves no port.
    "workload-require-health-check":
      "Nomad itself probes a CSI plugin over its socket (CSI Probe) and marks it unhealthy; the plugin serves no port a check could reach",
  };
  reasons["workload-run-as-non-root"] = privileged
    ? "a privileged CSI plugin mounts filesystems for the node, which takes root"
    : "the ceph-csi image sets no user, and its controller writes Ceph's configuration under /etc/ceph, which is root's";
  reasons["workload-read-only-root-filesystem"] = privileged
    ? "a privileged CSI plugin mounts into the node's filesystems; it writes its mount state beside its binary"
    : "ceph-csi writes Ceph's configuration and keyring under /etc/ceph at start";
  if (privileged) {
    reasons["workload-no-privileged"] =
      role === "node"
        ? "a CSI node plugin mounts volumes for the node's other tasks (bidirectional mount propagation into Nomad's alloc directories), which only a privileged container may do"
        : "csi-driver-nfs's controller mounts the share to make and remove each volume's directory, and mounting takes a privileged container";
    reasons["workload-drop-capabilities"] =
      "the task is privileged (see workload-no-privileged): a privileged container holds every capability, none can be dropped";
  }
  if (role === "node") {
    reasons["workload-no-host-namespaces"] =
      driver === "nfs"
        ? "csi-driver-nfs's node plugin runs on the node's network so that the mounts it makes outlive a restart of the plugin (kubernetes-csi/csi-driver-nfs deploy/v4.11.0/csi-nfs-node.yaml, hostNetwork)"
        : "ceph-csi's node plugin maps and mounts through the node's kernel client on the node's network (hashicorp/nomad demo/csi/ceph-csi-plugin/plugin-cephrbd-node.nomad, network_mode host)";
    reasons["workload-isolated-by-flows"] =
      "the node plugin serves Nomad on a local socket and opens only the storage cluster's ports, on the node's network (see workload-no-host-namespaces); the host firewall limits those (docs/security.md)";
    reasons["workload-spread-across-nodes"] =
      "a CSI node plugin is a system job: one on every node, which is already spread";
  }
  return Object.fromEntries(
    Object.entries(reasons).map(([rule, reason]) => [nomadMetaKey(exemptionKey(rule)), reason]),
  );
}

function pluginJob(args: CsiPluginJobsArgs, role: "node" | "controller"): NomadJobspec {
  const driver = CSI_DRIVERS[args.driver];
  const pluginId = args.pluginId ?? driver.pluginId;
  const id = `${pluginId}-${role}`;
  const ceph = args.driver !== "nfs";
  const mounts = ceph
    ? [
        {
          type: "bind",
          source: "local/ceph-csi-config/config.json",
          target: "/etc/ceph-csi-config/config.json",
          readonly: true,
        },
        // ceph-csi writes the volume's keys here for the duration of a call: memory only.
        {
          type: "tmpfs",
          target: "/tmp/csi/keys",
          readonly: false,
          tmpfs_options: { size: 1048576 },
        },
      ]
    : [];
  // Node plugins mount for the host: privileged, and on the host network so that NFS and Ceph
  // mounts survive a plugin restart. csi-driver-nfs's controller mounts the share to make
  // directories; ceph-csi's controller only calls Ceph.
  const privileged = role === "node" || args.driver === "nfs";
  const controller = role === "controller";
  return {
    ID: id,
    Name: id,
    Type: role === "node" ? "system" : "service",
    // A node plugin must run on every node, before the tasks whose volumes it mounts.
    ...(role === "node" ? { Priority: NOMAD_PRIORITY.high } : {}),
    Region: args.region ?? "global",
    Namespace: args.namespace ?? "default",
    Datacenters: [...args.datacenters],
    Meta: {
      [nomadMetaKey(META.part)]: "storage",
      [nomadMetaKey(META.workload)]: id,
      ...pluginExemptions(args.driver, role, privileged),
    },
    ...(controller
      ? {
          // Controllers on different nodes; a failed rollout returns to the last good version.
          Spreads: [{ Attribute: "${node.unique.id}", Weight: 100 }],
          Update: {
            MaxParallel: 1,
            HealthCheck: "task_states",
            MinHealthyTime: ns(10_000),
            HealthyDeadline: ns(300_000),
            ProgressDeadline: ns(600_000),
            AutoRevert: true,
          },
        }
      : {}),
    TaskGroups: [
      {
        Name: role,
        ...(controller ? { Count: args.controllers ?? 2 } : {}),
        RestartPolicy: {
          Attempts: DEFAULT_RESTART.maxAttempts,
          Interval: ns(DEFAULT_RESTART.window.ms),
          Delay: ns(DEFAULT_RESTART.delay.ms),
          Mode: "fail",
        },
        Tasks: [
          {
            Name: "plugin",
            Driver: "docker",
            Config: {
              image: args.image ?? driver.image,
              args: pluginArgs(args, role),
              privileged,
              // No process of the plugin gains privileges through a setuid binary.
              security_opt: ["no-new-privileges"],
              ...(privileged ? {} : { cap_drop: ["all"] }),
              ...(role === "node" ? { network_mode: "host" } : {}),
              ...(mounts.length ? { mount: mounts } : {}),
            },
            CSIPluginConfig: { ID: pluginId, Type: role, MountDir: CSI_MOUNT_DIR },
            ...cephTemplates(args),
            Resources: { CPU: 100, MemoryMB: 128, MemoryMaxMB: 256 },
          },
        ],
      },
    ],
  };
}

/** The node (system) and controller (service) jobs of a CSI plugin. */
export function renderCsiPluginJobs(args: CsiPluginJobsArgs): NomadJobspec[] {
  return [pluginJob(args, "node"), pluginJob(args, "controller")];
}

export type CsiVolumeSource =
  | {
      readonly driver: "nfs";
      readonly server: string;
      readonly share: string;
      readonly subDir: string;
    }
  | { readonly driver: "rbd"; readonly clusterId: string; readonly pool: string }
  | { readonly driver: "cephfs"; readonly clusterId: string; readonly fsName: string };

export interface CsiVolumeArgs {
  /** Volume ID in Nomad, also its name. */
  readonly id: string;
  /** @default "default" */
  readonly namespace?: string;
  /** `shared` volumes are read-write-many on a filesystem; `block` read-write-once. */
  readonly volumeClass: "shared" | "block";
  readonly source: CsiVolumeSource;
  /** `create` asks the controller to make it; `register` records one that exists. */
  readonly mode: "create" | "register";
  /** Size asked of the controller, in bytes (create only). @default 1 GiB */
  readonly capacityBytes?: number;
  /** @default CSI_DRIVERS[driver].pluginId */
  readonly pluginId?: string;
  /** Ceph credentials: the cephx user and key (the key is a secret). */
  readonly cephUser?: { readonly id: string; readonly key: string };
  /** @default [] */
  readonly mountFlags?: readonly string[];
}

/** The HTTP call that registers or creates a volume: method, path and JSON body. */
export interface NomadApiCall {
  readonly method: "PUT";
  readonly path: string;
  readonly body: { readonly Volumes: readonly Record<string, unknown>[] };
}

/** Access mode of each class: many writers on a shared filesystem, one node on a block device. */
const ACCESS: Record<CsiVolumeArgs["volumeClass"], string> = {
  shared: "multi-node-multi-writer",
  block: "single-node-writer",
};

const GiB = 1024 ** 3;

function sourceFields(args: CsiVolumeArgs): Record<string, unknown> {
  const s = args.source;
  switch (s.driver) {
    case "nfs": {
      const fields = { server: s.server, share: s.share, subDir: s.subDir };
      return args.mode === "create"
        ? // Data outlives the stack: deleting the volume keeps its directory.
          { Parameters: { ...fields, onDelete: "retain" } }
        : {
            ExternalID: `${s.server}#${s.share}#${s.subDir}`,
            Context: { server: s.server, share: `${s.share.replace(/\/$/, "")}/${s.subDir}` },
          };
    }
    case "rbd":
      return { Parameters: { clusterID: s.clusterId, pool: s.pool, imageFeatures: "layering" } };
    case "cephfs":
      return { Parameters: { clusterID: s.clusterId, fsName: s.fsName } };
  }
}

function secrets(args: CsiVolumeArgs): Record<string, unknown> {
  if (args.source.driver === "nfs") return {};
  if (!args.cephUser) {
    throw new Error(
      `storage.ceph.user and its key are required for CSI volume "${args.id}": set homeport:storage.ceph.user and the secret key`,
    );
  }
  const { id, key } = args.cephUser;
  // The CephFS provisioner authenticates as an admin user; RBD and the node stage as the user.
  return {
    Secrets:
      args.source.driver === "cephfs"
        ? { adminID: id, adminKey: key, userID: id, userKey: key }
        : { userID: id, userKey: key },
  };
}

/** A CSI volume as Nomad's API takes it. */
export function renderCsiVolume(args: CsiVolumeArgs): NomadApiCall {
  if (args.volumeClass === "block" && args.source.driver !== "rbd") {
    throw new Error(
      `volume "${args.id}" is of class block, which needs Ceph RBD on Nomad, not ${args.source.driver}: use storage.backend ceph or the local class`,
    );
  }
  if (args.mode === "register" && args.source.driver !== "nfs") {
    throw new Error(
      `volume "${args.id}": registering an existing ${args.source.driver} volume is not supported; use mode create`,
    );
  }
  const capability = { AccessMode: ACCESS[args.volumeClass], AttachmentMode: "file-system" };
  const volume = {
    ID: args.id,
    Name: args.id,
    Namespace: args.namespace ?? "default",
    PluginID: args.pluginId ?? CSI_DRIVERS[args.source.driver].pluginId,
    RequestedCapabilities: [capability],
    ...(args.mode === "create"
      ? {
          RequestedCapacityMin: args.capacityBytes ?? GiB,
          RequestedCapacityMax: args.capacityBytes ?? GiB,
        }
      : {}),
    MountOptions: {
      FSType: args.source.driver === "rbd" ? "ext4" : args.source.driver,
      MountFlags: [...(args.mountFlags ?? [])],
    },
    ...sourceFields(args),
    ...secrets(args),
  };
  const id = encodeURIComponent(args.id);
  return {
    method: "PUT",
    path: args.mode === "create" ? `/v1/volume/csi/${id}/create` : `/v1/volume/csi/${id}`,
    body: { Volumes: [volume] },
  };
}
