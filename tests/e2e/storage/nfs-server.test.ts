/**
 * Real check of the NFS server workload the storage part deploys (`homeport:storage.nfs.serve`):
 * the workload is taken from the storage part itself (built under Pulumi's mocks on a recording
 * adapter), and Debian's nfs-ganesha runs exactly it: its command, its files at their paths, its
 * volumes at their mount paths, its capabilities as the bounding set, its health check. What a
 * container runtime would give it is made of the test's own namespaces: a network namespace
 * (loopback, plus one veth address, as a container's network has one: nfs-ganesha resolves
 * `Bind_addr = 0.0.0.0` only where an IPv4 address other than loopback is configured) and a
 * private mount namespace, where each volume is a directory of the test bound at its mount path
 * and each file is bound at its path. Debian's userspace NFS client (libnfs-utils) then writes and
 * reads through it in the same network namespace. This kernel has no NFS client filesystem, so
 * nothing is mounted by the kernel.
 */
import assert from "node:assert/strict";
import { ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import type { ResolvedWorkload } from "../../../components/model";
import { startRecorder, stackConfig } from "../../helpers/harness";
import { FakeAdapter, profileFor } from "../../helpers/platforms";
import { record } from "../lib/figures";
import { run, runSync, sleep, tail, waitFor } from "../lib/shell";
import { missingTools } from "./tools";

const blocked = missingTools([
  ...["ganesha.nfsd", "nfs-cp", "nfs-ls", "nfs-cat"],
  ...["setpriv", "unshare", "ip"],
]);
const NS = `hpnfs${process.pid}`;
const PSEUDO = "/homeport";
/** The stack's shared volumes, whose directories the server makes (Swarm: nobody else does). */
const SHARED = ["acme", "media-data"];

/** Runs a libnfs tool in the server's network namespace, killed after 20 s. */
const nfs = (tool: string, args: readonly string[]) =>
  run("ip", ["netns", "exec", NS, "timeout", "-s", "KILL", "20", tool, ...args], {
    timeoutMs: 30_000,
  });
const url = (p: string, user?: number) =>
  `nfs://127.0.0.1${PSEUDO}${p}?version=4${user === undefined ? "" : `&uid=${user}&gid=${user}`}`;

function ip(args: string[]): void {
  const r = runSync("ip", args, { timeoutMs: 10_000 });
  if (r.status !== 0) throw new Error(`ip ${args.join(" ")} failed: ${r.stderr.trim()}`);
}

/** The workload exactly as the storage part hands it to the adapter. */
async function storagePartServer(): Promise<{
  workload: ResolvedWorkload;
  files: { path: string; content: string }[];
}> {
  await startRecorder("test");
  const pulumi = await import("@pulumi/pulumi");
  const { Storage } = await import("../../../components/storage/storage");
  const { storagePlan } = await import("../../../components/stack-args");
  const config = stackConfig({
    target: "swarm",
    domain: "home.example.org",
    storage: {
      backend: "nfs",
      nfs: { path: PSEUDO, serve: { node: "node-1", image: "registry.lan/nfs-ganesha:4.3" } },
    },
  });
  const platform = new FakeAdapter(profileFor(config));
  const plan = storagePlan(config);
  assert.ok(plan, "the nfs backend has a storage plan");
  new Storage("storage", { plan, platform, shareDirectories: SHARED });
  const workload = platform.workload("nfs-server");
  const files = await Promise.all(
    workload.files.map(
      (f) =>
        new Promise<{ path: string; content: string }>((resolve) =>
          pulumi.output(f.content).apply((content) => resolve({ path: f.path, content })),
        ),
    ),
  );
  return { workload, files };
}

/** Shell words, single-quoted. */
const q = (word: string) => `'${word.replace(/'/g, "'\\''")}'`;

/** The nearest existing ancestor of `p` on this machine (never `/`, which cannot be overlaid). */
function existingAncestor(p: string): string {
  let dir = path.dirname(p);
  while (!fs.existsSync(dir)) dir = path.dirname(dir);
  if (dir === "/") throw new Error(`${p}: no directory of this machine to place it under`);
  return dir;
}

interface Server {
  readonly child: ChildProcess;
  readonly output: () => string;
  stop(): Promise<void>;
}

/**
 * Starts the workload's command in the namespace, its volumes at their mount paths (local ones on
 * `volumesDir`), its files at their paths, its capabilities as the bounding set (minus `without`).
 */
async function startServer(
  w: ResolvedWorkload,
  files: { path: string; content: string }[],
  volumesDir: string,
  without?: string,
): Promise<Server> {
  const filesDir = fs.mkdtempSync(path.join(os.tmpdir(), "homeport-nfs-files-"));
  const targets = [...w.volumes.map((v) => v.mountPath), ...files.map((f) => f.path)];
  // Paths missing here are placed on a tmpfs over their nearest existing ancestor, in the private
  // mount namespace only: nothing of this machine's file system is changed.
  const overlays = [
    ...new Set(targets.filter((t) => !fs.existsSync(t)).map((t) => existingAncestor(t))),
  ];
  const script = [
    "set -e",
    ...overlays.map((d) => `mount -t tmpfs homeport-test ${q(d)}`),
    ...w.volumes.map((v) => {
      if (v.class === "ephemeral")
        return `mkdir -p ${q(v.mountPath)} && mount -t tmpfs homeport-test ${q(v.mountPath)}`;
      const source = path.join(volumesDir, v.name);
      fs.mkdirSync(source, { recursive: true });
      return `mkdir -p ${q(v.mountPath)} && mount --bind ${q(source)} ${q(v.mountPath)}`;
    }),
    ...files.map((f, i) => {
      const source = path.join(filesDir, String(i));
      fs.writeFileSync(source, f.content, { mode: 0o444 });
      return `mkdir -p ${q(path.dirname(f.path))} && touch ${q(f.path)} && mount --bind ${q(source)} ${q(f.path)}`;
    }),
  ].join("\n");
  const caps = w.security.capAdd.filter((c) => c !== without);
  const bounding = ["-all", ...caps.map((c) => `+${c.toLowerCase()}`)].join(",");
  const command = w.command ?? [];
  const child = spawn(
    "ip",
    [
      ...["netns", "exec", NS, "unshare", "--mount", "--propagation", "private"],
      ...["sh", "-c", `${script}\nexec "$@"`, "nfs-server"],
      ...["setpriv", `--bounding-set=${bounding}`, "--inh-caps=-all", ...command],
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let out = "";
  child.stdout?.setEncoding("utf8").on("data", (d: string) => (out += d));
  child.stderr?.setEncoding("utf8").on("data", (d: string) => (out += d));
  return {
    child,
    output: () => out,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once("exit", r));
        child.kill("SIGTERM");
        await Promise.race([exited, sleep(10_000)]);
        if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      }
      fs.rmSync(filesDir, { recursive: true, force: true });
    },
  };
}

/** Out of its grace period (immediate with no clients to reclaim), or exited. */
async function ready(server: Server): Promise<boolean> {
  await waitFor(
    "nfs-ganesha out of grace, or exited",
    async () =>
      server.output().includes("NOT IN GRACE") || server.child.exitCode !== null ? true : undefined,
    30_000,
    100,
  );
  return server.child.exitCode === null;
}

/** Runs the workload's in-container health check in the namespace (its `CMD` form). */
const healthy = (w: ResolvedWorkload) => {
  const [, ...cmd] = w.health?.inContainerCommand ?? [];
  return runSync("ip", ["netns", "exec", NS, ...cmd], { timeoutMs: 10_000 }).status === 0;
};

describe(
  "the NFS server workload of the storage part, run by nfs-ganesha",
  { skip: blocked },
  () => {
    let w: ResolvedWorkload;
    let files: { path: string; content: string }[];
    const dirs: string[] = [];
    const servers: Server[] = [];
    const volumes = () => {
      const d = fs.mkdtempSync(path.join(os.tmpdir(), "homeport-nfs-volumes-"));
      dirs.push(d);
      return d;
    };

    before(async () => {
      ({ workload: w, files } = await storagePartServer());
      ip(["netns", "add", NS]);
      ip(["-n", NS, "link", "set", "lo", "up"]);
      ip(["-n", NS, "link", "add", "nfs0", "type", "veth", "peer", "name", "nfs1"]);
      ip(["-n", NS, "addr", "add", "10.252.0.1/24", "dev", "nfs0"]);
      ip(["-n", NS, "link", "set", "nfs0", "up"]);
      ip(["-n", NS, "link", "set", "nfs1", "up"]);
    });
    after(async () => {
      await Promise.all(servers.map((s) => s.stop()));
      runSync("ip", ["netns", "delete", NS], { timeoutMs: 10_000 });
      for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
    });

    it("serves the share: directories of the shared volumes, root and a user's writes, health", async () => {
      const dir = volumes();
      assert.equal(healthy(w), false, "the health check fails while nothing listens on 2049");
      const started = Date.now();
      const server = await startServer(w, files, dir);
      servers.push(server);
      assert.ok(await ready(server), `nfs-ganesha exited:\n${tail(server.output())}`);
      record("nfs_server_workload_start_ms", Date.now() - started, "ms");
      assert.equal(healthy(w), true, "the workload's health check passes once it serves");

      const exported = path.join(dir, "nfs-export");
      assert.deepEqual(fs.readdirSync(exported).sort(), SHARED, "one directory per shared volume");
      const listing = await nfs("nfs-ls", [url("/")]);
      assert.equal(listing.status, 0, tail(listing.stderr));
      for (const name of SHARED) assert.match(listing.stdout, new RegExp(name));

      const local = path.join(dir, "hello.txt");
      fs.writeFileSync(local, "stored through the NFS server workload\n");
      const put = await nfs("nfs-cp", [local, url("/media-data/hello.txt")]);
      assert.equal(put.status, 0, `nfs-cp as root failed: ${tail(put.stderr)}`);
      const onDisk = path.join(exported, "media-data", "hello.txt");
      assert.equal(fs.readFileSync(onDisk, "utf8"), "stored through the NFS server workload\n");
      assert.equal(fs.statSync(onDisk).uid, 0, "no_root_squash: root stays root");
      const back = await nfs("nfs-cat", [url("/media-data/hello.txt")]);
      assert.equal(back.stdout, "stored through the NFS server workload\n");

      // A user's file is the user's (SETUID, SETGID, FOWNER); root writes in a user's private
      // directory (DAC_OVERRIDE).
      fs.mkdirSync(path.join(exported, "media-data", "open"), { mode: 0o1777 });
      fs.chmodSync(path.join(exported, "media-data", "open"), 0o1777);
      const asUser = await nfs("nfs-cp", [local, url("/media-data/open/user.txt", 1000)]);
      assert.equal(asUser.status, 0, `nfs-cp as uid 1000 failed: ${tail(asUser.stderr)}`);
      const owned = fs.statSync(path.join(exported, "media-data", "open", "user.txt"));
      assert.deepEqual([owned.uid, owned.gid], [1000, 1000], "the user's file has the user's ids");
      const priv = path.join(exported, "media-data", "private");
      fs.mkdirSync(priv, { mode: 0o700 });
      fs.chownSync(priv, 1000, 1000);
      const intoPrivate = await nfs("nfs-cp", [local, url("/media-data/private/root.txt")]);
      assert.equal(
        intoPrivate.status,
        0,
        `root into a user's 0700 directory: ${tail(intoPrivate.stderr)}`,
      );

      // The client's recovery record is on the recovery volume, not in the export.
      assert.ok(fs.readdirSync(path.join(dir, "nfs-recovery")).length > 0, "recovery records kept");
      // One server at a time holds NFS's port in the namespace.
      await server.stop();
    });

    /**
     * Copies a file to the share as `user` (root when undefined) into `dir` of the export, made
     * beforehand on the server's disk with `mode` and owner `owner`; what came of it.
     */
    const write = async (
      volumesDir: string,
      into: { dir: string; mode: number; owner?: number },
      user?: number,
    ) => {
      const local = path.join(volumesDir, "x.txt");
      fs.writeFileSync(local, "x\n");
      const target = path.join(volumesDir, "nfs-export", into.dir);
      fs.mkdirSync(target, { recursive: true });
      fs.chmodSync(target, into.mode);
      if (into.owner !== undefined) fs.chownSync(target, into.owner, into.owner);
      const r = await nfs("nfs-cp", [local, url(`/${into.dir}/x.txt`, user)]);
      const file = path.join(target, "x.txt");
      return { ok: r.status === 0, stat: fs.existsSync(file) ? fs.statSync(file) : undefined };
    };
    const open = { dir: "open", mode: 0o1777 };

    /** What each capability, taken away, breaks as a client sees it. */
    const NEEDED: Record<string, (dir: string, server: Server) => Promise<string | undefined>> = {
      DAC_READ_SEARCH: async (dir) =>
        (await write(dir, open)).ok
          ? undefined
          : "root cannot write a file: no file handle opens (open_by_handle_at)",
      SETGID: async (dir, server) => {
        const { stat } = await write(dir, open, 1000);
        if (server.child.exitCode !== null) return "nfs-ganesha exits";
        return stat?.gid === 1000 ? undefined : "a user's new file does not get the user's group";
      },
      SETUID: async (dir) =>
        (await write(dir, open, 1000)).stat?.uid === 1000
          ? undefined
          : "a user's new file is not the user's",
      FOWNER: async (dir) =>
        (await write(dir, open, 1000)).ok ? undefined : "a user cannot write a new file",
      DAC_OVERRIDE: async (dir) =>
        (await write(dir, { dir: "private", mode: 0o700, owner: 1000 })).ok
          ? undefined
          : "root cannot write into a user's private directory",
    };

    for (const cap of ["DAC_READ_SEARCH", "SETUID", "SETGID", "DAC_OVERRIDE", "CHOWN", "FOWNER"]) {
      it(`needs ${cap}: taken away, a client sees the difference`, async (t) => {
        assert.ok(w.security.capAdd.includes(cap), `the workload asks for ${cap}`);
        const probe = NEEDED[cap];
        if (!probe) {
          t.skip(
            `${cap}: Debian's libnfs tools (nfs-cp, nfs-ls, nfs-cat) cannot send the call that needs it (SETATTR of an owner)`,
          );
          return;
        }
        const dir = volumes();
        const server = await startServer(w, files, dir, cap);
        servers.push(server);
        await ready(server);
        const broken = await probe(dir, server);
        await server.stop();
        assert.ok(
          broken,
          `without ${cap} every probe still works, so the workload need not ask for it`,
        );
        record(`nfs_server_without_${cap.toLowerCase()}`, broken);
      });
    }
  },
);
