/**
 * The optional NFS server workload for a homelab without a NAS (`homeport:storage.nfs.serve`):
 * nfs-ganesha on one chosen node, exporting a node-local volume over NFSv4, which the `shared`
 * class then lives on. Said once and neutrally; each adapter translates it like any workload.
 */
import * as pulumi from "@pulumi/pulumi";
import {
  ExemptionSpec,
  gibibytes,
  Memory,
  mebibytes,
  millicores,
  seconds,
  WorkloadSpec,
} from "../model";
import { GANESHA_DEFAULT_PORT, renderGaneshaConfig } from "./nfs-ganesha-config";

/** The workload's name, on every orchestrator. */
export const NFS_SERVER_WORKLOAD = "nfs-server";

/**
 * Where the server keeps what it serves, inside the container: the exported volume, its NFSv4
 * client recovery records (a volume of its own, outside the export, so clients can reclaim their
 * state after a restart), its pid file (scratch) and its configuration.
 */
export const NFS_SERVER_PATHS = {
  export: "/srv/nfs",
  recovery: "/srv/ganesha",
  run: "/run/ganesha",
  config: "/etc/ganesha/ganesha.conf",
  /** The shared volume names whose directories the server makes in the export, one a line. */
  directories: "/etc/ganesha/share-directories",
} as const;

/**
 * Linux capabilities nfs-ganesha's VFS backend needs, and why. Checked for real: the NFS server
 * test runs Debian's nfs-ganesha 4.3 with exactly this bounding set and, for each capability a
 * userspace client can tell apart, without it (tests/e2e/storage/nfs-server.test.ts).
 * SYS_ADMIN and a privileged container are not needed; FSETID is left out.
 */
export const NFS_SERVER_CAPABILITIES = {
  /** open_by_handle_at(2), which the VFS backend resolves every NFS file handle with. */
  DAC_READ_SEARCH: "opens files by their NFS handles (open_by_handle_at)",
  /** Requests run as the client's user (setfsuid): these switch to it and back. */
  SETUID: "runs each request as the client's user (setfsuid)",
  SETGID: "runs each request with the client's groups (setfsgid, setgroups)",
  /** The client's root stays root (`no_root_squash`): writes and chowns anywhere on the share. */
  DAC_OVERRIDE: "lets the clients' root write anywhere on the share (no_root_squash)",
  CHOWN: "lets clients change the owner of their files (chown over NFS)",
  FOWNER: "sets the attributes of files a request creates as the client's user",
} as const;
export type NfsServerCapability = keyof typeof NFS_SERVER_CAPABILITIES;

/** The first line of the directory list, which the command skips like every `#` line. */
export const SHARE_DIRECTORIES_HEADER = "# shared volumes whose directories this server makes";

/** nfs-ganesha in the foreground, logging to stderr for the orchestrator, with its own pid file. */
export const ganeshaCommand = (): string[] => [
  "ganesha.nfsd",
  "-F",
  ...["-L", "STDERR"],
  ...["-f", NFS_SERVER_PATHS.config],
  ...["-p", `${NFS_SERVER_PATHS.run}/ganesha.pid`],
];

/**
 * The container's command: make the directory of every listed shared volume in the export (where
 * nothing else makes them: Docker's local driver mounts `<path>/<volume>` as it is), then become
 * nfs-ganesha. Volume names are the model's (letters, digits, dashes), so they are safe as paths.
 */
export const nfsServerCommand = (): string[] => [
  "/bin/sh",
  "-c",
  [
    `while read -r dir; do case "$dir" in "" | "#"*) ;; *) mkdir -p "${NFS_SERVER_PATHS.export}/$dir" || exit 1 ;; esac; done < ${NFS_SERVER_PATHS.directories}`,
    `exec ${ganeshaCommand().join(" ")}`,
  ].join("\n"),
];

/**
 * The in-container check that the server listens on NFS's port, with nothing but the shell and
 * grep the entrypoint already needs: a socket in state LISTEN (0A) on local port 2049 (0801)
 * in the kernel's socket tables (proc(5), /proc/net/tcp).
 */
export const nfsServerListening = (): string[] => [
  "/bin/sh",
  "-c",
  `grep -qE ':${GANESHA_DEFAULT_PORT.toString(16).toUpperCase().padStart(4, "0")} [0-9A-F]+:0000 0A' /proc/net/tcp /proc/net/tcp6`,
];

export interface NfsServerArgs {
  /** The node (host name) it runs on and whose disk holds the data. */
  readonly node: string;
  /** An image holding nfs-ganesha with its VFS backend (`ganesha.nfsd`), pinned. */
  readonly image: string;
  /** Where clients find the export in the NFSv4 pseudo file system (`homeport:storage.nfs.path`). */
  readonly pseudo: string;
  /** The exported volume's size. @default 100Gi */
  readonly size?: Memory;
  /** Shared volume names whose directories the server makes before it serves. @default [] */
  readonly directories?: pulumi.Input<string[]>;
}

/** The server's ganesha.conf: NFSv4 on every address of the node, its recovery on its own volume. */
export function nfsServerConfig(args: Pick<NfsServerArgs, "pseudo">): string {
  return renderGaneshaConfig({
    export: { path: NFS_SERVER_PATHS.export, pseudo: args.pseudo },
    port: GANESHA_DEFAULT_PORT,
    bindAddress: "0.0.0.0",
    recoveryRoot: NFS_SERVER_PATHS.recovery,
  });
}

/** Why the server publishes NFS's port on its node (or the load balancer's address). */
const NFS_SERVER_PUBLISHED =
  "the nodes themselves mount the share (Docker's local driver, the kubelet, the CSI plugin) on NFS's port 2049, which is published for them";

/** Why the server carries its exemptions: read by the policy pack on the leaf resources. */
export const NFS_SERVER_EXEMPTIONS: readonly ExemptionSpec[] = [
  {
    rule: "workload-drop-capabilities",
    reason: `nfs-ganesha serves the share from the node's disk: ${Object.entries(
      NFS_SERVER_CAPABILITIES,
    )
      .map(([cap, why]) => `${cap} ${why}`)
      .join("; ")}`,
  },
  ...(["workload-no-host-ports", "service-no-external-exposure"] as const).map((rule) => ({
    rule,
    reason: NFS_SERVER_PUBLISHED,
  })),
  {
    rule: "stack-no-single-point-of-failure",
    reason:
      "one NFS server holds the share on its node's disk (homeport:storage.nfs.serve); for redundancy use a NAS or Ceph",
  },
  {
    rule: "workload-spread-across-nodes",
    reason: "the NFS server is pinned to the node whose disk holds the share",
  },
  {
    rule: "workload-run-as-non-root",
    reason:
      "nfs-ganesha serves every user's files on the share with their own owners, which takes root",
  },
  {
    rule: "workload-read-only-root-filesystem",
    reason: "nfs-ganesha and rpcbind keep their state and pid files under /var/lib and /var/run",
  },
];

/** The NFS server's workload, pinned to its node (pure: creates nothing). */
export function nfsServerSpec(args: NfsServerArgs): WorkloadSpec {
  return {
    image: args.image,
    command: nfsServerCommand(),
    files: [
      { name: "ganesha-conf", path: NFS_SERVER_PATHS.config, content: nfsServerConfig(args) },
      {
        name: "share-directories",
        path: NFS_SERVER_PATHS.directories,
        content: pulumi
          .output(args.directories ?? [])
          // Never empty: Nomad refuses a template with no content.
          .apply((names) => [SHARE_DIRECTORIES_HEADER, ...names].map((n) => `${n}\n`).join("")),
      },
    ],
    ports: [
      { name: "nfs", port: GANESHA_DEFAULT_PORT, publish: { hostPort: GANESHA_DEFAULT_PORT } },
    ],
    // It only answers: the nodes mount the share on the published port.
    flows: [],
    volumes: [
      {
        name: "nfs-export",
        mountPath: NFS_SERVER_PATHS.export,
        class: "local",
        size: args.size ?? gibibytes(100),
      },
      {
        name: "nfs-recovery",
        mountPath: NFS_SERVER_PATHS.recovery,
        class: "local",
        size: mebibytes(64),
      },
      { name: "nfs-run", mountPath: NFS_SERVER_PATHS.run, class: "ephemeral" },
    ],
    health: {
      kind: "tcp",
      port: "nfs",
      startPeriod: seconds(30),
      inContainer: ["CMD", ...nfsServerListening()],
    },
    resources: {
      requests: { cpu: millicores(100), memory: mebibytes(128) },
      limits: { memory: mebibytes(512) },
    },
    scheduling: {
      mode: "singleton",
      reason: `one NFS server holds the share on the disk of node ${args.node}`,
    },
    placement: { constraints: [{ attribute: "hostname", value: args.node }], spread: false },
    // Two servers cannot hold one export and one port: the old one stops first. Clients wait
    // through the restart (hard mounts) and reclaim their state in the grace period.
    update: { order: "stop-first" },
    stopGracePeriod: seconds(30),
    state: "stateful",
    security: {
      capAdd: Object.keys(NFS_SERVER_CAPABILITIES),
      dropAllCapabilities: true,
      user: "0:0",
    },
    exemptions: [...NFS_SERVER_EXEMPTIONS],
  };
}
