/**
 * The daemons of a Ceph cluster that homeport runs itself (seed 003's way on Swarm): for each
 * monitor, manager, OSD and MDS, the files it needs, the commands that initialise it once and the
 * command that runs it in the foreground; then the steps that create the pools and CephFS.
 *
 * The steps follow Ceph's manual deployment guide (ceph/ceph doc/install/manual-deployment.rst:
 * `monmaptool --create`, `ceph-mon --mkfs`, `ceph osd new`, `ceph-osd --mkfs`, the mgr and mds
 * keyrings and caps) and the capability profiles of doc/rados/operations/user-management.rst.
 * Every key is rendered from random bytes supplied by the caller (ceph-key.ts), so nothing here
 * generates a secret on a node.
 */
import type { Environment } from "../config/schema";
import { KeyringEntry, renderKeyring } from "./ceph-key";
import {
  CEPH_POOL_SIZES,
  CephConfArgs,
  cephPaths,
  CephPaths,
  daemonDataDir,
  keyringPath,
  monAddrVector,
  renderCephConf,
} from "./ceph-config";

export type CephDaemonType = "mon" | "mgr" | "osd" | "mds";

/** Where an OSD keeps its data: a file (labs, tests) or a whole block device. */
export type CephOsdDevice =
  | { readonly kind: "file"; readonly path: string; readonly sizeBytes: number }
  | { readonly kind: "device"; readonly path: string };

export interface CephOsdSpec {
  /** The OSD's number; stable, so its name (`osd.<id>`) survives restarts. */
  readonly id: number;
  /** The OSD's UUID (random.RandomUuid). */
  readonly uuid: string;
  readonly device: CephOsdDevice;
}

/** Rendered cephx keys (ceph-key.ts `cephKey`), one per entity. */
export interface CephKeys {
  readonly mon: string;
  readonly admin: string;
  readonly bootstrapOsd: string;
  /** By manager id. */
  readonly mgr: Readonly<Record<string, string>>;
  /** By MDS id. */
  readonly mds: Readonly<Record<string, string>>;
  /** By OSD id. */
  readonly osd: Readonly<Record<number, string>>;
  /** The mount client's, with `mountClient`. */
  readonly client?: string;
}

export interface CephClusterArgs extends CephConfArgs {
  /** Manager ids, one per node that runs a manager. */
  readonly managers: readonly string[];
  readonly osds: readonly CephOsdSpec[];
  /** MDS ids, one per node that runs an MDS. */
  readonly metadataServers: readonly string[];
  readonly keys: CephKeys;
  /** Name of the CephFS that serves the `shared` class. @default "homeport" */
  readonly fsName?: string;
  /** Name of the RBD pool that serves the `block` class. @default "rbd" */
  readonly rbdPool?: string;
  /**
   * The client the nodes mount the CephFS as (`client.<name>`), registered by the setup with
   * read-write access to `sharePath` only; its key is `keys.client`. @default none: they mount
   * as client.admin
   */
  readonly mountClient?: string;
  /**
   * A file listing the shared volumes, one a line (`#` lines skipped), whose directories the
   * setup makes below `sharePath` in the CephFS. @default none: it makes none
   */
  readonly shareDirectoriesFile?: string;
  /** The CephFS directory holding one directory per shared volume. @default "/" */
  readonly sharePath?: string;
}

/** A file a daemon needs before it starts. Secret files go to Docker secrets, never configs. */
export interface CephFile {
  readonly path: string;
  readonly content: string;
  readonly secret: boolean;
}

export interface CephDaemon {
  readonly type: CephDaemonType;
  readonly id: string;
  readonly files: readonly CephFile[];
  /** Run once: skipped when `initializedMarker` exists, which the last step creates. */
  readonly init: readonly (readonly string[])[];
  readonly initializedMarker: string;
  /** The daemon in the foreground. */
  readonly run: readonly string[];
}

/** A one-off cluster step; `unless` (a command) skips it when it succeeds. */
export interface CephStep {
  readonly argv: readonly string[];
  readonly unless?: readonly string[];
}

export interface CephCluster {
  readonly conf: string;
  readonly daemons: readonly CephDaemon[];
  /** Pools and CephFS, run with the admin keyring once the monitors have quorum. */
  readonly setup: readonly CephStep[];
  /** The files the setup reads: the admin keyring, and the mount client's keyring. */
  readonly setupFiles: readonly CephFile[];
  readonly fsName: string;
  readonly rbdPool: string;
  readonly dataPool: string;
  readonly metadataPool: string;
}

/** Capabilities per entity (doc/install/manual-deployment.rst, user-management.rst). */
const CAPS = {
  mon: { mon: "allow *" },
  admin: { mds: "allow *", mgr: "allow *", mon: "allow *", osd: "allow *" },
  bootstrapOsd: { mgr: "allow r", mon: "profile bootstrap-osd" },
  mgr: { mds: "allow *", mon: "profile mgr", osd: "allow *" },
  mds: { mds: "allow", mgr: "profile mds", mon: "profile mds", osd: "allow rwx" },
  /** What `ceph fs authorize <fs> client.<name> <path> rw` grants (doc/cephfs/client-auth.rst). */
  mountClient: (fsName: string, path: string) => ({
    mds: `allow rw path=${path}`,
    mon: "allow r",
    osd: `allow rw tag cephfs data=${fsName}`,
  }),
} as const;

/**
 * Makes each listed shared volume's directory in the CephFS through libcephfs (python3-cephfs,
 * which the manager's modules use too), so no kernel or FUSE mount is needed: argv is the conf,
 * the file system, the parent directory and the list file.
 */
const MAKE_SHARE_DIRECTORIES = [
  "import cephfs, sys",
  "conf, fs_name, root, listing = sys.argv[1:5]",
  "fs = cephfs.LibCephFS(conffile=conf, auth_id='admin')",
  "fs.mount(filesystem_name=fs_name)",
  "for line in open(listing):",
  "    name = line.strip()",
  "    if name and not name.startswith('#'):",
  "        try:",
  "            fs.mkdirs((root.rstrip('/') + '/' + name).encode(), 0o755)",
  "        except cephfs.ObjectExists:",
  "            pass",
  "fs.unmount()",
].join("\n");

/** What the marker file is called in each daemon's data directory. */
const MARKER = "homeport-initialized";

function keyFor<K extends string | number>(
  keys: Readonly<Record<K, string>>,
  id: K,
  what: string,
): string {
  const key = keys[id];
  if (!key) {
    throw new Error(`storage.ceph keys have no key for ${what}.${id}: generate one per daemon`);
  }
  return key;
}

function uniqueIds(ids: readonly (string | number)[], setting: string): void {
  const dup = ids.find((id, i) => ids.indexOf(id) !== i);
  if (dup !== undefined) {
    throw new Error(`${setting} names "${dup}" twice: give every daemon its own id`);
  }
}

/** `ceph` CLI prefix acting as an entity, with the cluster's conf. */
const cephAs = (paths: CephPaths, entity: string) => [
  "ceph",
  "--conf",
  paths.conf,
  "--name",
  entity,
];

function monDaemon(args: CephClusterArgs, paths: CephPaths, name: string): CephDaemon {
  const data = daemonDataDir(paths, "mon", name);
  const bootstrap = keyringPath(paths, "mon");
  const monmap = `${data}.monmap`;
  const keyring = renderKeyring([
    { entity: "mon.", key: args.keys.mon, caps: CAPS.mon },
    { entity: "client.admin", key: args.keys.admin, caps: CAPS.admin },
    { entity: "client.bootstrap-osd", key: args.keys.bootstrapOsd, caps: CAPS.bootstrapOsd },
  ]);
  return {
    type: "mon",
    id: name,
    files: [{ path: bootstrap, content: keyring, secret: true }],
    init: [
      ["mkdir", "-p", data],
      [
        "monmaptool",
        "--create",
        "--clobber",
        "--fsid",
        args.fsid,
        ...args.monitors.flatMap((m) => ["--addv", m.name, monAddrVector(m)]),
        monmap,
      ],
      [
        "ceph-mon",
        "--conf",
        paths.conf,
        "--mkfs",
        "--id",
        name,
        "--monmap",
        monmap,
        "--keyring",
        bootstrap,
      ],
      ["touch", `${data}/${MARKER}`],
    ],
    initializedMarker: `${data}/${MARKER}`,
    run: ["ceph-mon", "--conf", paths.conf, "--foreground", "--id", name],
  };
}

/** A manager or an MDS: its own keyring, registered through the admin key (idempotent). */
function keyedDaemon(
  paths: CephPaths,
  adminKeyring: CephFile,
  type: "mgr" | "mds",
  id: string,
  entry: KeyringEntry,
): CephDaemon {
  const data = daemonDataDir(paths, type, id);
  const own = keyringPath(paths, entry.entity);
  return {
    type,
    id,
    files: [adminKeyring, { path: own, content: renderKeyring([entry]), secret: true }],
    init: [
      ["mkdir", "-p", data],
      [...cephAs(paths, "client.admin"), "auth", "import", "--in-file", own],
      ["touch", `${data}/${MARKER}`],
    ],
    initializedMarker: `${data}/${MARKER}`,
    run: [
      type === "mgr" ? "ceph-mgr" : "ceph-mds",
      "--conf",
      paths.conf,
      "--foreground",
      "--id",
      id,
    ],
  };
}

function osdDaemon(args: CephClusterArgs, paths: CephPaths, osd: CephOsdSpec): CephDaemon {
  const id = String(osd.id);
  const data = daemonDataDir(paths, "osd", id);
  const key = keyFor(args.keys.osd, osd.id, "osd");
  const secretJson = `${paths.keyringDir}/ceph.osd.${id}.secret.json`;
  const bootstrap = keyringPath(paths, "client.bootstrap-osd");
  const block =
    osd.device.kind === "file"
      ? [
          "--bluestore-block-path",
          osd.device.path,
          "--bluestore-block-create",
          "true",
          "--bluestore-block-size",
          String(osd.device.sizeBytes),
        ]
      : ["--bluestore-block-path", osd.device.path];
  return {
    type: "osd",
    id,
    files: [
      {
        path: bootstrap,
        content: renderKeyring([
          { entity: "client.bootstrap-osd", key: args.keys.bootstrapOsd, caps: CAPS.bootstrapOsd },
        ]),
        secret: true,
      },
      {
        path: keyringPath(paths, `osd.${id}`),
        content: renderKeyring([{ entity: `osd.${id}`, key }]),
        secret: true,
      },
      // `ceph osd new` reads the OSD's key from JSON (doc/man/8/ceph.rst, "osd new").
      { path: secretJson, content: JSON.stringify({ cephx_secret: key }) + "\n", secret: true },
    ],
    init: [
      ["mkdir", "-p", data],
      [
        ...cephAs(paths, "client.bootstrap-osd"),
        "osd",
        "new",
        osd.uuid,
        id,
        "--in-file",
        secretJson,
      ],
      ["ceph-osd", "--conf", paths.conf, "--id", id, "--mkfs", "--osd-uuid", osd.uuid, ...block],
      ["touch", `${data}/${MARKER}`],
    ],
    initializedMarker: `${data}/${MARKER}`,
    // The block device is found through the `block` link that --mkfs left in the data dir.
    run: ["ceph-osd", "--conf", paths.conf, "--foreground", "--id", id],
  };
}

/** Placement groups per new pool: few in a lab (one OSD), Ceph's default elsewhere. */
const PG_NUM: Record<Environment, number> = { dev: 8, production: 32 };

function setupSteps(
  args: CephClusterArgs,
  paths: CephPaths,
  pools: { data: string; metadata: string; rbd: string; fsName: string },
): CephStep[] {
  const ceph = cephAs(paths, "client.admin");
  const pg = String(PG_NUM[args.environment]);
  // A standby MDS is wanted only when there is one to be had.
  const standby = String(Math.min(1, args.metadataServers.length - 1));
  return [
    { argv: [...ceph, "osd", "pool", "create", pools.metadata, pg] },
    { argv: [...ceph, "osd", "pool", "create", pools.data, pg] },
    {
      argv: [...ceph, "fs", "new", pools.fsName, pools.metadata, pools.data],
      unless: [...ceph, "fs", "get", pools.fsName],
    },
    { argv: [...ceph, "fs", "set", pools.fsName, "standby_count_wanted", standby] },
    { argv: [...ceph, "osd", "pool", "create", pools.rbd, pg] },
    { argv: [...ceph, "osd", "pool", "application", "enable", pools.rbd, "rbd"] },
    ...(args.mountClient
      ? [
          {
            argv: [
              ...ceph,
              "auth",
              "import",
              "--in-file",
              keyringPath(paths, `client.${args.mountClient}`),
            ],
          },
        ]
      : []),
    ...(args.shareDirectoriesFile
      ? [
          {
            argv: [
              "python3",
              "-c",
              MAKE_SHARE_DIRECTORIES,
              paths.conf,
              pools.fsName,
              args.sharePath ?? "/",
              args.shareDirectoriesFile,
            ],
          },
        ]
      : []),
  ];
}

/** Every daemon, the conf and the setup steps of a cluster. */
export function renderCephCluster(args: CephClusterArgs): CephCluster {
  const conf = renderCephConf(args);
  const paths = cephPaths(args.paths);
  uniqueIds(args.managers, "storage.ceph.managers");
  uniqueIds(args.metadataServers, "storage.ceph.metadataServers");
  uniqueIds(
    args.osds.map((o) => o.id),
    "storage.ceph.osds",
  );
  if (args.managers.length === 0) {
    throw new Error("storage.ceph.managers is empty: run at least one manager");
  }
  if (args.osds.length < CEPH_POOL_SIZES[args.environment].size) {
    throw new Error(
      `storage.ceph.osds has ${args.osds.length} OSD(s) but ${args.environment} pools keep ` +
        `${CEPH_POOL_SIZES[args.environment].size} copies: add OSDs on more nodes`,
    );
  }
  const fsName = args.fsName ?? "homeport";
  const rbdPool = args.rbdPool ?? "rbd";
  const pools = { data: `${fsName}_data`, metadata: `${fsName}_metadata`, rbd: rbdPool, fsName };
  const adminKeyring: CephFile = {
    path: keyringPath(paths, "client.admin"),
    content: renderKeyring([{ entity: "client.admin", key: args.keys.admin, caps: CAPS.admin }]),
    secret: true,
  };
  const daemons: CephDaemon[] = [
    ...args.monitors.map((m) => monDaemon(args, paths, m.name)),
    ...args.managers.map((id) =>
      keyedDaemon(paths, adminKeyring, "mgr", id, {
        entity: `mgr.${id}`,
        key: keyFor(args.keys.mgr, id, "mgr"),
        caps: CAPS.mgr,
      }),
    ),
    ...args.osds.map((osd) => osdDaemon(args, paths, osd)),
    ...args.metadataServers.map((id) =>
      keyedDaemon(paths, adminKeyring, "mds", id, {
        entity: `mds.${id}`,
        key: keyFor(args.keys.mds, id, "mds"),
        caps: CAPS.mds,
      }),
    ),
  ];
  const mountClient: CephFile[] = args.mountClient
    ? [
        {
          path: keyringPath(paths, `client.${args.mountClient}`),
          content: renderKeyring([
            {
              entity: `client.${args.mountClient}`,
              key: keyFor(
                { [args.mountClient]: args.keys.client ?? "" },
                args.mountClient,
                "client",
              ),
              caps: CAPS.mountClient(fsName, args.sharePath ?? "/"),
            },
          ]),
          secret: true,
        },
      ]
    : [];
  return {
    conf,
    daemons,
    setup: setupSteps(args, paths, pools),
    setupFiles: [adminKeyring, ...mountClient],
    fsName,
    rbdPool,
    dataPool: pools.data,
    metadataPool: pools.metadata,
  };
}

/** Quotes a word for a POSIX shell. */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_./:=,@%+-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

const shellLine = (argv: readonly string[]) => argv.map(shellQuote).join(" ");

/**
 * A daemon's container entrypoint: initialise once, then exec the daemon (so it gets the
 * container's signals). The daemon's files are mounted by the orchestrator beforehand.
 */
export function daemonEntrypoint(d: CephDaemon): string {
  return [
    "#!/bin/sh",
    "set -eu",
    `if [ ! -e ${shellQuote(d.initializedMarker)} ]; then`,
    ...d.init.map((argv) => `  ${shellLine(argv)}`),
    "fi",
    `exec ${shellLine(d.run)}`,
    "",
  ].join("\n");
}

/** The setup steps as one script, for a one-off task with the admin keyring. */
export function setupScript(steps: readonly CephStep[]): string {
  return [
    "#!/bin/sh",
    "set -eu",
    ...steps.map((s) =>
      s.unless
        ? `${shellLine(s.unless)} >/dev/null 2>&1 || ${shellLine(s.argv)}`
        : shellLine(s.argv),
    ),
    "",
  ].join("\n");
}
