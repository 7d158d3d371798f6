/**
 * Real check: Debian's nfs-ganesha serves the export exactly as the NFS server workload's
 * configuration (components/storage/nfs-ganesha-config.ts) renders it, and Debian's userspace
 * NFS client (libnfs-utils) writes and reads a file in a claim's subdirectory. Loopback only,
 * as root, with the server's own pid file, log and recovery directory. This kernel has no NFS
 * client filesystem, so nothing is mounted.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, describe, it } from "node:test";
import {
  GaneshaExportArgs,
  renderGaneshaConfig,
} from "../../../components/storage/nfs-ganesha-config";
import { freePort } from "../../helpers/net";
import { record } from "../lib/figures";
import { run, sleep, tail, waitFor } from "../lib/shell";
import { missingTools } from "./tools";

const blocked = missingTools(["ganesha.nfsd", "nfs-cp", "nfs-ls", "nfs-cat"]);
/** The directory nfs-subdir-external-provisioner would make for claim `data` in `homeport`. */
const CLAIM_DIR = "homeport-data-pvc-0b6f1c2e";

/**
 * Runs a libnfs tool, killed after 20 s: libnfs may retry a refused call for a long time and
 * does not stop on SIGTERM.
 */
const nfs = (tool: string, args: readonly string[]) =>
  run("timeout", ["-s", "KILL", "20", tool, ...args], { timeoutMs: 30_000 });

interface Server {
  readonly exported: string;
  readonly dir: string;
  url(p: string): string;
  stop(): Promise<void>;
}

/** Starts ganesha.nfsd in the foreground on a free loopback port with the rendered config. */
async function startGanesha(
  figure: string,
  exportArgs: Omit<GaneshaExportArgs, "path">,
): Promise<Server> {
  const started = Date.now();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "homeport-ganesha-"));
  const exported = path.join(dir, "export");
  fs.mkdirSync(exported);
  fs.mkdirSync(path.join(dir, "recovery"));
  const port = await freePort();
  const conf = renderGaneshaConfig({
    export: { ...exportArgs, path: exported },
    port,
    bindAddress: "127.0.0.1",
    recoveryRoot: path.join(dir, "recovery"),
  });
  fs.writeFileSync(path.join(dir, "ganesha.conf"), conf);
  const child = spawn(
    "ganesha.nfsd",
    [
      "-F",
      ...["-f", path.join(dir, "ganesha.conf")],
      ...["-L", path.join(dir, "ganesha.log")],
      ...["-p", path.join(dir, "ganesha.pid")],
    ],
    { stdio: "ignore" },
  );
  const pseudo = exportArgs.pseudo ?? "/export";
  const server: Server = {
    exported,
    dir,
    url: (p) => `nfs://127.0.0.1${pseudo}${p}?version=4&nfsport=${port}`,
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once("exit", r));
        child.kill("SIGTERM");
        await Promise.race([exited, sleep(10_000)]);
        child.kill("SIGKILL");
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    // Ready once out of its grace period (immediate with no clients to reclaim) and answering.
    const log = path.join(dir, "ganesha.log");
    await waitFor(
      "nfs-ganesha out of grace and answering on 127.0.0.1",
      async () =>
        fs.existsSync(log) &&
        fs.readFileSync(log, "utf8").includes("NOT IN GRACE") &&
        (await nfs("nfs-ls", [server.url("/")])).status === 0
          ? true
          : undefined,
      60_000,
      300,
    );
  } catch (e) {
    const log = fs.existsSync(path.join(dir, "ganesha.log"))
      ? fs.readFileSync(path.join(dir, "ganesha.log"), "utf8")
      : "";
    await server.stop();
    throw new Error(`${(e as Error).message}\n${tail(log)}`);
  }
  record(figure, Date.now() - started, "ms");
  return server;
}

describe("nfs-ganesha serves the rendered export", { skip: blocked }, () => {
  const servers: Server[] = [];
  after(async () => {
    await Promise.all(servers.map((s) => s.stop()));
  });

  it("writes and reads a file in a claim's subdirectory through NFSv4 (RW, no_root_squash)", async () => {
    const s = await startGanesha("nfs_ganesha_start_ms", {
      pseudo: "/export",
      clients: ["127.0.0.1"],
    });
    servers.push(s);
    const started = Date.now();
    // The provisioner makes the claim's directory through its own mount of the share; there is
    // no kernel client here, so it is made on the server's disk, where that mount would put it.
    fs.mkdirSync(path.join(s.exported, CLAIM_DIR));
    const local = path.join(s.dir, "hello.txt");
    fs.writeFileSync(local, "stored through NFSv4\n");
    const put = await nfs("nfs-cp", [local, s.url(`/${CLAIM_DIR}/hello.txt`)]);
    assert.equal(put.status, 0, `nfs-cp to the share failed: ${tail(put.stderr)}`);

    const onDisk = path.join(s.exported, CLAIM_DIR, "hello.txt");
    assert.equal(fs.readFileSync(onDisk, "utf8"), "stored through NFSv4\n");
    // no_root_squash: the client's root stays root on the share.
    assert.equal(fs.statSync(onDisk).uid, 0);

    const back = await nfs("nfs-cat", [s.url(`/${CLAIM_DIR}/hello.txt`)]);
    assert.equal(back.status, 0, `nfs-cat failed: ${tail(back.stderr)}`);
    assert.equal(back.stdout, "stored through NFSv4\n");

    const listing = await nfs("nfs-ls", [s.url(`/${CLAIM_DIR}`)]);
    assert.equal(listing.status, 0, tail(listing.stderr));
    assert.match(listing.stdout, /hello\.txt/);
    record("nfs_ganesha_write_read_ms", Date.now() - started, "ms");

    const wrong = await nfs("nfs-ls", [s.url("/").replace("/export/", "/elsewhere/")]);
    assert.notEqual(wrong.status, 0, "a path outside the pseudo file system must not be served");
  });

  it("refuses writes on a read-only export and squashes root to the anonymous id", async () => {
    const ro = await startGanesha("nfs_ganesha_ro_start_ms", {
      pseudo: "/media",
      access: "RO",
      squash: "root_squash",
    });
    servers.push(ro);
    fs.writeFileSync(path.join(ro.exported, "movie.txt"), "read only\n");
    const local = path.join(ro.dir, "new.txt");
    fs.writeFileSync(local, "x\n");
    const put = await nfs("nfs-cp", [local, ro.url("/new.txt")]);
    assert.notEqual(put.status, 0, "a read-only export must refuse a write");
    assert.match(put.stderr, /NFS4ERR_ROFS/);
    assert.equal(fs.existsSync(path.join(ro.exported, "new.txt")), false);
    const back = await nfs("nfs-cat", [ro.url("/movie.txt")]);
    assert.equal(back.status, 0, tail(back.stderr));
    assert.equal(back.stdout, "read only\n");

    const rw = await startGanesha("nfs_ganesha_squash_start_ms", {
      pseudo: "/squashed",
      squash: "root_squash",
    });
    servers.push(rw);
    const put2 = await nfs("nfs-cp", [local, rw.url("/new.txt")]);
    // root_squash maps uid 0 to Anonymous_Uid (-2, i.e. 4294967294): the export root (owned by
    // root, mode 0755) does not let that user create files.
    assert.notEqual(put2.status, 0, "a squashed root must not write into a root-owned directory");
    assert.match(put2.stderr, /NFS4ERR_ACCESS/);
    fs.chmodSync(rw.exported, 0o1777);
    // nfs-cp then reports an ACCESS check of its own on the new file; what matters is whose it is.
    await nfs("nfs-cp", [local, rw.url("/new.txt")]);
    assert.equal(fs.statSync(path.join(rw.exported, "new.txt")).uid, 4294967294);
  });
});
