/**
 * ceph.conf for a Ceph cluster that homeport runs itself (the Swarm path of seed 003: monitors,
 * managers, OSDs and MDSs as plain daemons from one configuration). Option names are those of
 * Ceph Pacific and later (ceph/ceph src/common/options/global.yaml.in, mon.yaml.in); the file
 * layout is Ceph's INI format (doc/rados/configuration/ceph-conf.rst).
 */
import type { Environment } from "../config/schema";

/** Where a cluster's files live. Each daemon runs with `--conf <conf>`. */
export interface CephPaths {
  /** @default "/etc/ceph/ceph.conf" */
  readonly conf: string;
  /** Keyrings, one per entity, named `ceph.<entity>.keyring`. @default "/etc/ceph" */
  readonly keyringDir: string;
  /** Daemon data, `<dataRoot>/<type>/ceph-<id>`. @default "/var/lib/ceph" */
  readonly dataRoot: string;
  /** Admin sockets and pid files. @default "/var/run/ceph" */
  readonly runDir: string;
  /** @default "/var/log/ceph" */
  readonly logDir: string;
}

export const DEFAULT_CEPH_PATHS: CephPaths = {
  conf: "/etc/ceph/ceph.conf",
  keyringDir: "/etc/ceph",
  dataRoot: "/var/lib/ceph",
  runDir: "/var/run/ceph",
  logDir: "/var/log/ceph",
};

/** Ceph's default monitor ports: msgr2 and the legacy protocol. */
export const CEPH_MON_V2_PORT = 3300;
export const CEPH_MON_V1_PORT = 6789;

export interface CephMonitorAddress {
  /** Monitor id, usually the node's host name. */
  readonly name: string;
  /** The monitor's IP address on the public network. */
  readonly address: string;
  /** @default 3300 */
  readonly v2Port?: number;
  /** @default 6789 */
  readonly v1Port?: number;
}

/** Pool replication per environment: one copy in a lab, three in production. */
export const CEPH_POOL_SIZES: Record<Environment, { size: number; minSize: number }> = {
  dev: { size: 1, minSize: 1 },
  production: { size: 3, minSize: 2 },
};

export type CephOptionValue = string | number | boolean;

export interface CephConfArgs {
  /** The cluster's fsid, a UUID. */
  readonly fsid: string;
  readonly environment: Environment;
  /** CIDR of the network the daemons and clients use, e.g. `10.0.0.0/24`. */
  readonly publicNetwork: string;
  readonly monitors: readonly CephMonitorAddress[];
  /** @default DEFAULT_CEPH_PATHS */
  readonly paths?: Partial<CephPaths>;
  /** Further options by section (`global`, `mon`, `osd`, ...), appended after ours. @default {} */
  readonly extra?: Readonly<Record<string, Readonly<Record<string, CephOptionValue>>>>;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const CIDR = /^(\d{1,3}\.){3}\d{1,3}\/\d{1,2}$/;

export function cephPaths(paths: Partial<CephPaths> = {}): CephPaths {
  return { ...DEFAULT_CEPH_PATHS, ...paths };
}

/** A monitor's address vector, as the monmap and `mon_host` spell it. */
export function monAddrVector(m: CephMonitorAddress): string {
  return `[v2:${m.address}:${m.v2Port ?? CEPH_MON_V2_PORT},v1:${m.address}:${m.v1Port ?? CEPH_MON_V1_PORT}]`;
}

/** Data directory of a daemon, as the conf's `<type>_data` options resolve it. */
export function daemonDataDir(paths: CephPaths, type: "mon" | "mgr" | "osd" | "mds", id: string) {
  return `${paths.dataRoot}/${type}/ceph-${id}`;
}

/** Keyring file of an entity (`client.admin`, `mgr.a`, `osd.0`). */
export function keyringPath(paths: CephPaths, entity: string): string {
  return `${paths.keyringDir}/ceph.${entity}.keyring`;
}

export function validateCephConf(args: CephConfArgs): void {
  if (!UUID.test(args.fsid)) {
    throw new Error(
      `storage.ceph.fsid must be a lower-case UUID, got "${args.fsid}": generate one (e.g. random.RandomUuid)`,
    );
  }
  if (!CIDR.test(args.publicNetwork)) {
    throw new Error(
      `storage.ceph.publicNetwork must be an IPv4 CIDR, got "${args.publicNetwork}": e.g. 10.0.0.0/24`,
    );
  }
  if (args.monitors.length === 0) {
    throw new Error("storage.ceph.monitors is empty: list at least one monitor node");
  }
  const names = args.monitors.map((m) => m.name);
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup !== undefined) {
    throw new Error(`storage.ceph.monitors names "${dup}" twice: give every monitor its own name`);
  }
}

function section(name: string, options: Record<string, CephOptionValue>): string {
  const lines = Object.entries(options).map(([k, v]) => `${k} = ${v}`);
  return `[${name}]\n${lines.join("\n")}\n`;
}

/** The cluster's ceph.conf. */
export function renderCephConf(args: CephConfArgs): string {
  validateCephConf(args);
  const paths = cephPaths(args.paths);
  const pools = CEPH_POOL_SIZES[args.environment];
  const lab = args.environment === "dev";
  const sections: Record<string, Record<string, CephOptionValue>> = {
    global: {
      fsid: args.fsid,
      mon_initial_members: args.monitors.map((m) => m.name).join(","),
      mon_host: args.monitors.map(monAddrVector).join(","),
      public_network: args.publicNetwork,
      auth_cluster_required: "cephx",
      auth_service_required: "cephx",
      auth_client_required: "cephx",
      // Every client here is recent; the insecure reclaim only serves pre-Pacific clients.
      auth_allow_insecure_global_id_reclaim: false,
      osd_pool_default_size: pools.size,
      osd_pool_default_min_size: pools.minSize,
      // A one-copy pool is refused unless allowed; only a lab asks for it.
      ...(lab ? { mon_allow_pool_size_one: true, mon_warn_on_pool_no_redundancy: false } : {}),
      keyring: `${paths.keyringDir}/$cluster.$name.keyring`,
      run_dir: paths.runDir,
      admin_socket: "$run_dir/$cluster-$name.asok",
      pid_file: "$run_dir/$cluster-$name.pid",
      log_file: `${paths.logDir}/$cluster-$name.log`,
      mon_data: `${paths.dataRoot}/mon/$cluster-$id`,
      mgr_data: `${paths.dataRoot}/mgr/$cluster-$id`,
      osd_data: `${paths.dataRoot}/osd/$cluster-$id`,
      mds_data: `${paths.dataRoot}/mds/$cluster-$id`,
    },
    // The monitor keeps the key `--mkfs` stored with its data.
    mon: { keyring: "$mon_data/keyring" },
    osd: { osd_objectstore: "bluestore" },
  };
  for (const [name, options] of Object.entries(args.extra ?? {})) {
    sections[name] = { ...(sections[name] ?? {}), ...options };
  }
  return Object.entries(sections)
    .map(([name, options]) => section(name, options))
    .join("\n");
}
