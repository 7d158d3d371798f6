import { spawnSync } from "node:child_process";

/**
 * Why the storage checks cannot run here, or false when they can: they need root (daemons bind
 * and write as root) and the listed programs from Debian's packages.
 */
export function missingTools(tools: readonly string[]): string | false {
  if (process.getuid?.() !== 0) return "needs root to run the storage daemons";
  const missing = tools.filter(
    (t) => spawnSync("sh", ["-c", `command -v ${t}`], { encoding: "utf8" }).status !== 0,
  );
  return missing.length > 0
    ? `not installed: ${missing.join(", ")} (apt-get install nfs-ganesha nfs-ganesha-vfs libnfs-utils ceph-mon ceph-mgr ceph-osd ceph-mds ceph-common ceph-fuse python3-cephfs)`
    : false;
}
