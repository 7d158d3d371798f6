/**
 * nfs-ganesha configuration for the optional NFS server workload (a homelab without a NAS): one
 * NFSv4-only server exporting one directory through the VFS FSAL. Block and option names follow
 * nfs-ganesha's documented configuration: nfs-ganesha/nfs-ganesha src/config_samples/export.txt
 * (EXPORT, CLIENT and FSAL blocks, Access_Type, Squash, Protocols) and src/config_samples/config.txt
 * (NFS_CORE_PARAM, NFSV4, NFS_KRB5), as also shipped in Debian's ganesha-core-config(8) and
 * ganesha-export-config(8).
 */

export type GaneshaAccess = "RW" | "RO";
export type GaneshaSquash = "no_root_squash" | "root_squash" | "all_squash";

/** Ganesha's spelling of each squash mode (export.txt, "Squash"). */
const SQUASH: Record<GaneshaSquash, string> = {
  no_root_squash: "No_Root_Squash",
  root_squash: "Root_Squash",
  all_squash: "All_Squash",
};

export interface GaneshaExportArgs {
  /** Directory on the server that is exported. */
  readonly path: string;
  /** Where clients find it in the NFSv4 pseudo file system. @default "/export" */
  readonly pseudo?: string;
  /** @default "RW" */
  readonly access?: GaneshaAccess;
  /**
   * Workloads run as their own non-root users and the provisioner creates directories as root:
   * root must stay root on the share, as seed 004's `no_root_squash` export did.
   * @default "no_root_squash"
   */
  readonly squash?: GaneshaSquash;
  /** Clients allowed (addresses, CIDRs, host names). @default every client */
  readonly clients?: readonly string[];
  /** @default 1 */
  readonly exportId?: number;
}

export interface GaneshaServerArgs {
  readonly export: GaneshaExportArgs;
  /** @default 2049 */
  readonly port?: number;
  /** @default "0.0.0.0" */
  readonly bindAddress?: string;
  /** Where NFSv4 client recovery records live; keep it on the node's disk. @default "/var/lib/nfs/ganesha" */
  readonly recoveryRoot?: string;
  /**
   * Skip the grace period after a restart. Grace lets clients reclaim their locks; skipping it
   * only suits a server whose clients hold none (tests). @default false
   */
  readonly graceless?: boolean;
}

export const GANESHA_DEFAULT_PORT = 2049;

function block(name: string, body: readonly string[]): string[] {
  return [`${name} {`, ...body.map((l) => (l === "" ? l : `\t${l}`)), "}"];
}

function validate(args: GaneshaServerArgs): void {
  const e = args.export;
  if (!e.path.startsWith("/")) {
    throw new Error(
      `storage.nfsServer.path must be an absolute directory, got "${e.path}": e.g. /srv/nfs`,
    );
  }
  const pseudo = e.pseudo ?? "/export";
  if (!pseudo.startsWith("/") || pseudo === "/") {
    throw new Error(
      `storage.nfsServer.pseudo must be an absolute path below /, got "${pseudo}": e.g. /export`,
    );
  }
  const port = args.port ?? GANESHA_DEFAULT_PORT;
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new Error(`storage.nfsServer.port must be a TCP port (1-65535), got ${port}`);
  }
  if (e.clients !== undefined && e.clients.length === 0) {
    throw new Error(
      "storage.nfsServer.clients is empty, so no client could mount: list addresses or leave it unset",
    );
  }
}

/** The server's whole ganesha.conf. */
export function renderGaneshaConfig(args: GaneshaServerArgs): string {
  validate(args);
  const e = args.export;
  const access = `Access_Type = ${e.access ?? "RW"};`;
  const squash = `Squash = ${SQUASH[e.squash ?? "no_root_squash"]};`;
  const exportBody = [
    `Export_Id = ${e.exportId ?? 1};`,
    `Path = ${e.path};`,
    `Pseudo = ${e.pseudo ?? "/export"};`,
    "Protocols = 4;",
    "Transports = TCP;",
    "SecType = sys;",
    // With a client list, only listed clients get access; the export itself grants none.
    ...(e.clients ? ["Access_Type = None;"] : [access, squash]),
    ...block("FSAL", ["Name = VFS;"]),
    ...(e.clients ? block("CLIENT", [`Clients = ${e.clients.join(", ")};`, access, squash]) : []),
  ];
  return [
    ...block("NFS_CORE_PARAM", [
      "Protocols = 4;",
      `NFS_Port = ${args.port ?? GANESHA_DEFAULT_PORT};`,
      `Bind_addr = ${args.bindAddress ?? "0.0.0.0"};`,
      // NFSv4 needs neither the NLM lock manager nor rquota (both NFSv3 side protocols).
      "Enable_NLM = false;",
      "Enable_RQUOTA = false;",
    ]),
    "",
    ...block("NFSV4", [
      "RecoveryBackend = fs;",
      `RecoveryRoot = ${args.recoveryRoot ?? "/var/lib/nfs/ganesha"};`,
      `Graceless = ${args.graceless ?? false};`,
    ]),
    "",
    ...block("NFS_KRB5", ["Active_krb5 = false;"]),
    "",
    ...block("EXPORT", exportBody),
    "",
  ].join("\n");
}
