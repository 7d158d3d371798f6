/**
 * A Ceph cluster homeport runs daemon by daemon (seed 003's way, where the orchestrator has no
 * Ceph operator): each monitor, manager, OSD and MDS of `renderCephCluster` as a workload of the
 * neutral model pinned to its node, then the setup (pools, CephFS, the mount client, the shared
 * volumes' directories) as a run-to-completion job. Pure: creates nothing; the storage part hands
 * the specs to the adapter.
 */
import * as pulumi from "@pulumi/pulumi";
import type { Environment } from "../config/schema";
import {
  ExemptionSpec,
  gibibytes,
  Memory,
  mebibytes,
  META,
  millicores,
  minutes,
  ResourcesSpec,
  seconds,
  SecretSpec,
  WorkloadSpec,
} from "../model";
import { CEPH_POOL_SIZES, CephOptionValue, cephPaths, CephPaths } from "./ceph-config";
import {
  CephCluster,
  CephDaemon,
  CephDaemonType,
  CephFile,
  CephKeys,
  daemonEntrypoint,
  renderCephCluster,
  setupScript,
} from "./ceph-daemons";

/** One node of the cluster, as the settings name it. */
export interface CephNode {
  /** Host name: its daemons are pinned to it, and it names its monitor, manager and MDS. */
  readonly name: string;
  /** Its address on the public network; a monitor listens on it. */
  readonly address?: string;
  readonly roles: readonly ("mon" | "mgr" | "mds")[];
  /** Its OSD: bluestore in a file of `size` on the node's disk, or on the device `device`. */
  readonly osd?: { readonly id: number; readonly size?: Memory; readonly device?: string };
}

/** What a value of the cluster depends on that only exists once deployed (random values). */
export interface CephIdentity {
  /** The cluster's fsid. */
  readonly fsid: string;
  /** Each OSD's UUID, by OSD id. */
  readonly osdUuids: Readonly<Record<number, string>>;
}

export interface CephWorkloadsArgs {
  /** A pinned image with Ceph's daemons, its CLI and python3-cephfs. */
  readonly image: string;
  readonly environment: Environment;
  readonly publicNetwork: string;
  readonly nodes: readonly CephNode[];
  readonly identity: pulumi.Input<CephIdentity>;
  /** Every key of the cluster; secret. */
  readonly keys: pulumi.Input<CephKeys>;
  /** The client the nodes mount the CephFS as; `admin` mounts with the admin key. */
  readonly user: string;
  readonly fsName: string;
  readonly rbdPool: string;
  /** The CephFS directory of the shared volumes' directories. @default "/" */
  readonly sharePath?: string;
  /** The shared volumes whose directories the setup makes. @default [] */
  readonly shareDirectories?: pulumi.Input<string[]>;
  /** Where the files live in the containers. @default CEPH_WORKLOAD_PATHS */
  readonly paths?: Partial<CephPaths>;
  /** Where our scripts live in the containers. @default CEPH_SCRIPT_DIR */
  readonly scriptDir?: string;
  /** Further ceph.conf options by section, after ours. @default {} */
  readonly extra?: Readonly<Record<string, Readonly<Record<string, CephOptionValue>>>>;
}

/**
 * Where the daemons keep their files in the container. Data and sockets are on paths the image
 * does not have, so the volumes there start empty and owned by root, whom the daemons run as:
 * the image's own /var/lib/ceph and /var/run/ceph belong to its ceph user, and a root without
 * DAC_OVERRIDE could not write there.
 */
export const CEPH_WORKLOAD_PATHS: CephPaths = {
  conf: "/etc/ceph/ceph.conf",
  keyringDir: "/etc/ceph",
  dataRoot: "/srv/ceph",
  runDir: "/run/homeport-ceph",
  logDir: "/var/log/ceph",
};

/** Where the daemons' entrypoint and the setup's script and directory list are, in the container. */
export const CEPH_SCRIPT_DIR = "/usr/local/lib/homeport";

const scriptPaths = (dir: string) => ({
  /** Named after its daemon, so that several daemons' files may share one node's paths. */
  entrypoint: (workload: string) => `${dir}/${workload}.sh`,
  setup: `${dir}/ceph-setup.sh`,
  shareDirectories: `${dir}/share-directories`,
});

/** The first line of the directory list, which the setup skips like every `#` line. */
export const CEPH_SHARE_DIRECTORIES_HEADER = "# shared volumes whose directories the setup makes";

/** Memory per daemon: a limit, and what Ceph itself is told to stay under. */
const MEMORY: Record<CephDaemonType, { request: Memory; limit: Memory }> = {
  mon: { request: mebibytes(512), limit: gibibytes(1) },
  mgr: { request: mebibytes(512), limit: gibibytes(1) },
  osd: { request: gibibytes(2), limit: gibibytes(4) },
  mds: { request: gibibytes(1), limit: gibibytes(2) },
};

/**
 * Options every daemon in a container needs (cephadm's own daemon arguments,
 * src/cephadm/cephadm.py `get_daemon_args`: logs to stderr, not to files, so the orchestrator
 * keeps them), and the memory targets under the limits above (osd_memory_target defaults to
 * 4 GiB and mds_cache_memory_limit to 4 GiB, either would meet the limit).
 */
export const CEPH_CONTAINER_OPTIONS: Readonly<
  Record<string, Readonly<Record<string, CephOptionValue>>>
> = {
  global: {
    log_to_file: false,
    log_to_stderr: true,
    err_to_stderr: true,
    mon_cluster_log_to_file: false,
    mon_cluster_log_to_stderr: true,
  },
  osd: { osd_memory_target: 3 * 1024 ** 3 },
  mds: { mds_cache_memory_limit: 1024 ** 3 },
};

/** The workload's name of a daemon: type and id, in the model's letters, digits and dashes. */
export const cephWorkloadName = (type: CephDaemonType, id: string): string =>
  `ceph-${type}-${id.toLowerCase().replace(/[^a-z0-9-]/g, "-")}`;

/** The workload of the setup job. */
export const CEPH_SETUP_WORKLOAD = "ceph-setup";

/** Why each daemon runs on its node's network. */
const HOST_NETWORK: Record<CephDaemonType, string> = {
  mon: "a monitor listens on its node's address, which every daemon and client finds in the monmap (mon_host): it must not change",
  mgr: "the manager registers its node's address in the cluster's maps, where the OSDs and the nodes' clients reach it; the overlay network is not reachable from the nodes",
  osd: "the OSD registers its address in the OSD map, and every client (the nodes' kernel CephFS mounts, the other OSDs) connects to it there; the overlay network is not reachable from the nodes",
  mds: "the MDS registers its address in the MDS map, where the nodes' kernel CephFS mounts connect; the overlay network is not reachable from the nodes",
};

/** Why one copy of each daemon: the redundancy is the cluster's own. */
const SINGLETON: Record<CephDaemonType, (id: string) => string> = {
  mon: (id) => `monitor ${id} is one member of the quorum, with its store on its node's disk`,
  mgr: (id) => `manager ${id} runs on its node; the other managers are its standbys`,
  osd: (id) => `OSD ${id} is the disk of its node; the pools keep their copies on other OSDs`,
  mds: (id) => `MDS ${id} runs on its node; the other MDSs are its standbys`,
};

const secretName = (file: CephFile): string =>
  file.path
    .split("/")
    .pop()!
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, "-");

/** A file of a daemon as the model delivers it: a secret, or a configuration file. */
function delivered(
  file: CephFile,
  content: pulumi.Output<string>,
): {
  secret?: SecretSpec;
  file?: WorkloadSpec["files"] extends (infer F)[] | undefined ? F : never;
} {
  return file.secret
    ? { secret: { name: secretName(file), path: file.path, value: pulumi.secret(content) } }
    : { file: { name: secretName(file), path: file.path, content } };
}

function resources(type: CephDaemonType): ResourcesSpec {
  return {
    requests: { cpu: millicores(type === "osd" ? 500 : 250), memory: MEMORY[type].request },
    limits: { memory: MEMORY[type].limit },
  };
}

/** Every daemon and the setup job of the cluster, as workloads of the neutral model. */
export interface CephWorkloads {
  /** Monitors, managers, OSDs, MDSs, in that order. */
  readonly daemons: readonly { readonly name: string; readonly spec: WorkloadSpec }[];
  /** Pools, CephFS, the mount client, the shared volumes' directories: after the daemons. */
  readonly setup: { readonly name: string; readonly spec: WorkloadSpec };
}

/** Placeholder values of the shape render: paths and commands never depend on them. */
const SHAPE_FSID = "00000000-0000-4000-8000-000000000000";

/** The workloads of a cluster homeport runs daemon by daemon. */
export function cephWorkloads(args: CephWorkloadsArgs): CephWorkloads {
  const paths = cephPaths({ ...CEPH_WORKLOAD_PATHS, ...args.paths });
  const scripts = scriptPaths(args.scriptDir ?? CEPH_SCRIPT_DIR);
  const mountClient = args.user === "admin" ? undefined : args.user;
  const osds = args.nodes.flatMap((n) => (n.osd ? [{ node: n.name, ...n.osd }] : []));
  const render = (identity: CephIdentity, keys: CephKeys): CephCluster =>
    renderCephCluster({
      fsid: identity.fsid,
      environment: args.environment,
      publicNetwork: args.publicNetwork,
      monitors: args.nodes
        .filter((n) => n.roles.includes("mon"))
        .map((n) => ({ name: n.name, address: n.address ?? "" })),
      managers: args.nodes.filter((n) => n.roles.includes("mgr")).map((n) => n.name),
      metadataServers: args.nodes.filter((n) => n.roles.includes("mds")).map((n) => n.name),
      osds: osds.map((o) => ({
        id: o.id,
        uuid: identity.osdUuids[o.id],
        device: o.device
          ? { kind: "device", path: o.device }
          : {
              kind: "file",
              path: `${paths.dataRoot}/osd/ceph-${o.id}.block`,
              sizeBytes: o.size?.bytes ?? 0,
            },
      })),
      keys,
      paths,
      extra: { ...CEPH_CONTAINER_OPTIONS, ...args.extra },
      fsName: args.fsName,
      rbdPool: args.rbdPool,
      mountClient,
      sharePath: args.sharePath,
      shareDirectoriesFile: scripts.shareDirectories,
    });
  // The shape (which files, at which paths, which commands) comes from settings alone; the
  // contents from the random fsid, UUIDs and keys, the keys' files as secrets.
  const placeholder = "AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==";
  const ids = (names: string[]) => Object.fromEntries(names.map((n) => [n, placeholder]));
  const shape = render(
    {
      fsid: SHAPE_FSID,
      osdUuids: Object.fromEntries(osds.map((o) => [o.id, SHAPE_FSID])),
    },
    {
      mon: placeholder,
      admin: placeholder,
      bootstrapOsd: placeholder,
      mgr: ids(args.nodes.map((n) => n.name)),
      mds: ids(args.nodes.map((n) => n.name)),
      osd: Object.fromEntries(osds.map((o) => [o.id, placeholder])),
      client: placeholder,
    },
  );
  const identity = pulumi.output(args.identity);
  // Only the conf and the entrypoints are read from this one: neither holds a key.
  const publicCluster = pulumi.unsecret(
    pulumi.all([identity, args.keys]).apply(([i, k]) => render(i, k)),
  );
  const secretCluster = pulumi.all([identity, args.keys]).apply(([i, k]) => render(i, k));
  const conf = publicCluster.apply((c) => c.conf);
  const poolSize = String(CEPH_POOL_SIZES[args.environment].size);

  /** The image running a script of ours (a daemon's entrypoint, the setup) with the conf. */
  const runs = (path: string, content: pulumi.Input<string>) => ({
    image: args.image,
    command: ["/bin/sh", path],
    files: [
      { name: "ceph-conf", path: paths.conf, content: conf },
      { name: "script", path, content, mode: 0o555 },
    ],
  });

  const daemonSpec = (d: CephDaemon, index: number): WorkloadSpec => {
    const node = d.type === "osd" ? osds.find((o) => String(o.id) === d.id)!.node : d.id;
    const contents = d.files.map((f, j) =>
      (f.secret ? secretCluster : publicCluster).apply((c) => c.daemons[index].files[j].content),
    );
    const parts = d.files.map((f, j) => delivered(f, contents[j]));
    const device = d.type === "osd" && osds.find((o) => String(o.id) === d.id)!.device;
    const exemptions: ExemptionSpec[] = [
      { rule: "workload-no-host-namespaces", reason: HOST_NETWORK[d.type] },
      {
        rule: "workload-isolated-by-flows",
        reason: `the ${d.type} runs on its node's network, which no platform network isolates; the host firewall limits Ceph's ports (3300, 6789, 6800-7300) to the cluster's nodes (docs/security.md)`,
      },
      {
        rule: "workload-run-as-non-root",
        reason:
          "the daemon's data and socket volumes start empty and owned by root (Swarm hands no volume to a group), so the daemons run as root, with every capability dropped",
      },
      {
        rule: "workload-read-only-root-filesystem",
        reason:
          "not yet run in a container with a read-only root: the daemons log to stderr and keep data and sockets on volumes, but the single-node check runs them as processes, so any other write of their first-start steps is unverified",
      },
      {
        rule: "workload-spread-across-nodes",
        reason: `each Ceph daemon is pinned to its node (${node}), whose disk holds its data`,
      },
      ...(device
        ? [
            {
              rule: "workload-no-privileged",
              reason: `OSD ${d.id} writes bluestore straight to the block device ${device}, which only a privileged container may open`,
            },
          ]
        : []),
    ];
    const entrypoint = publicCluster.apply((c) => daemonEntrypoint(c.daemons[index]));
    const script = runs(scripts.entrypoint(cephWorkloadName(d.type, d.id)), entrypoint);
    return {
      ...script,
      files: [...script.files, ...parts.flatMap((p) => (p.file ? [p.file] : []))],
      secrets: parts.flatMap((p) => (p.secret ? [p.secret] : [])),
      volumes: [
        // The daemon's data (and an OSD's bluestore file) on its node's disk, kept on destroy.
        {
          name: "ceph-data",
          mountPath: paths.dataRoot,
          class: "local",
          size:
            d.type === "osd"
              ? (osds.find((o) => String(o.id) === d.id)!.size ?? gibibytes(1))
              : gibibytes(d.type === "mon" ? 10 : 1),
        },
        { name: "ceph-run", mountPath: paths.runDir, class: "ephemeral", size: mebibytes(16) },
      ],
      // Its admin socket answers once the daemon runs (no key needed).
      health: {
        kind: "command",
        command: [
          "ceph",
          "--admin-daemon",
          `${paths.runDir}/ceph-${d.type}.${d.id}.asok`,
          "version",
        ],
        interval: seconds(30),
        timeout: seconds(10),
        // An OSD makes bluestore in its file on the first start.
        startPeriod: minutes(d.type === "osd" ? 10 : 2),
      },
      resources: resources(d.type),
      scheduling: { mode: "singleton", reason: SINGLETON[d.type](d.id) },
      placement: { constraints: [{ attribute: "hostname", value: node }], spread: false },
      // Two copies of one daemon would share its id and data: the old one stops first.
      update: { order: "stop-first", monitor: seconds(30) },
      stopGracePeriod: seconds(30),
      state: "stateful",
      // Root, whom the daemons' files belong to; no capability is needed beyond a root owner's.
      security: device
        ? { privileged: true, hostNetwork: true, user: "0:0" }
        : { hostNetwork: true, user: "0:0", dropAllCapabilities: true },
      labels: {
        [META.cluster]: `ceph-${d.type}`,
        [META.cephPoolSize]: poolSize,
      },
      exemptions,
    };
  };

  const setupContents = shape.setupFiles.map((f, j) =>
    delivered(
      f,
      secretCluster.apply((c) => c.setupFiles[j].content),
    ),
  );
  const script = runs(scripts.setup, setupScript(shape.setup));
  const setup: WorkloadSpec = {
    ...script,
    files: [
      ...script.files,
      {
        name: "share-directories",
        path: scripts.shareDirectories,
        content: pulumi
          .output(args.shareDirectories ?? [])
          .apply((names) =>
            [CEPH_SHARE_DIRECTORIES_HEADER, ...names].map((n) => `${n}\n`).join(""),
          ),
      },
    ],
    secrets: setupContents.flatMap((p) => (p.secret ? [p.secret] : [])),
    resources: {
      requests: { cpu: millicores(100), memory: mebibytes(256) },
      limits: { memory: mebibytes(512) },
    },
    scheduling: { mode: "job" },
    security: { user: "0:0", dropAllCapabilities: true },
    labels: { [META.cephPoolSize]: poolSize },
    exemptions: [
      {
        rule: "workload-run-as-non-root",
        reason:
          "the setup reads the admin keyring, delivered owned by root, and runs Ceph's CLI as the daemons do",
      },
      {
        rule: "workload-read-only-root-filesystem",
        reason:
          "not yet run in a container with a read-only root: Ceph's CLI opens its admin socket under the run directory, which this job has no volume for",
      },
    ],
  };
  return {
    daemons: shape.daemons.map((d, i) => ({
      name: cephWorkloadName(d.type, d.id),
      spec: daemonSpec(d, i),
    })),
    setup: { name: CEPH_SETUP_WORKLOAD, spec: setup },
  };
}
