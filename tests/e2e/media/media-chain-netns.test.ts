/**
 * The media chain without an engine: the suite's stand-in root filesystem
 * (`build-images.sh rootfs`) in a chroot, in a network namespace of the test's own whose default
 * gateway is this machine's end of a veth pair, as docker_gwbridge is a task's. In it run, as the
 * media suite runs them on the Swarm (tests/e2e/media/media.test.ts): the part's data layout
 * script with only its capabilities, the REAL Transmission (Debian's transmission-daemon) behind
 * the LinuxServer init stand-in with the part's seeded settings, the STAND-INS of Prowlarr,
 * Sonarr, Radarr, Bazarr, Jellyfin, Portainer and its agent relaying to the contract double on
 * the gateway, and the wiring job as user 65534, the apps named as in the Swarm (`/etc/hosts`).
 * What it does not have: Swarm (services, secrets and configs, overlay networks, health checks),
 * Pulumi, and the images themselves.
 */
import assert from "node:assert/strict";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, before, describe, it } from "node:test";
import { seedConfig } from "../../../components/media/seed-config";
import {
  INIT_DATA_CAPABILITIES,
  INIT_DATA_SCRIPT,
  initDataEnv,
} from "../../../components/media/wiring/data-layout";
import { LSIO_CAPABILITIES } from "../../../components/media/media-chain";
import { transmissionSettings } from "../../../components/media/wiring/transmission-settings";
import { wiringJob } from "../../../components/media/wiring/wiring-job";
import { assertWiredAsFresh, MediaStandins, startMediaStandins } from "../lib/media";
import { script } from "../lib/engine";
import { failure } from "../lib/shell";

const NETNS = `homeport-media-${process.pid}`;
const HOST_END = "hpmedia0";
/** The test's own link: this machine's end (the namespace's default gateway) and the other. */
const GATEWAY = "10.213.0.1";
const INSIDE = "10.213.0.2";
const KEYS = { sonarr: "5".repeat(32), radarr: "7".repeat(32), prowlarr: "9".repeat(32) };
const BAZARR_KEY = "b".repeat(32);
const PASSWORDS = {
  transmission: "transmission-netns-password",
  jellyfin: "jellyfin-netns-password",
  portainer: "portainer-netns-password",
  login: "login-netns-password",
};
/** The media part's environment of every app (components/media/media-chain.ts, defaults). */
const APP_ENV = { PUID: "1000", PGID: "1000", UMASK: "002", TZ: "Etc/UTC" };

const missing = ["ip", "chroot", "setpriv", "dpkg-deb"].filter(
  (tool) => spawnSync("sh", ["-c", `command -v ${tool}`]).status !== 0,
);
const skip =
  process.getuid?.() !== 0
    ? "needs root (a network namespace and a chroot)"
    : missing.length > 0
      ? `needs ${missing.join(", ")}`
      : false;

const state: { root?: string; standins?: MediaStandins; procs: ChildProcess[]; blocked?: string } =
  { procs: [] };

const sh = (...args: string[]) => {
  const r = spawnSync(args[0], args.slice(1), { encoding: "utf8" });
  assert.equal(r.status, 0, `${args.join(" ")}: ${r.stderr}`);
};

/** A command in the namespace and the chroot, with only `env` in its environment. */
function inside(args: string[], env: Record<string, string>, user?: string) {
  return [
    "ip",
    "netns",
    "exec",
    NETNS,
    "chroot",
    ...(user ? [`--userspec=${user}`] : []),
    state.root!,
    "/usr/bin/env",
    "-i",
    "PATH=/usr/local/bin:/usr/bin:/bin",
    ...Object.entries(env).map(([k, v]) => `${k}=${v}`),
    ...args,
  ];
}

/**
 * Starts a process as root with only `capabilities` (util-linux's setpriv bounds them), as the
 * part's workload starts on the Swarm with all others dropped.
 */
function start(args: string[], env: Record<string, string>, capabilities: readonly string[]): void {
  const bound = ["-all", ...capabilities.map((c) => `+${c.toLowerCase()}`)].join(",");
  const [cmd, ...rest] = inside(
    ["setpriv", `--bounding-set=${bound}`, "--inh-caps=-all", ...args],
    env,
  );
  state.procs.push(spawn(cmd, rest, { stdio: ["ignore", "inherit", "inherit"] }));
}

function write(path: string, content: string, mode: number): void {
  const file = join(state.root!, path);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, content);
  chmodSync(file, mode);
}

function runJob(job: ReturnType<typeof wiringJob>): Promise<{ code: number | null; out: string }> {
  const env = Object.fromEntries(
    Object.entries(job.spec.env ?? {}).map(([k, v]) => [k, String(v)]),
  );
  const [cmd, ...rest] = inside(job.spec.command!, env, "65534:65534");
  return new Promise((resolve) => {
    const child = spawn(cmd, rest);
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (out += d.toString()));
    child.on("close", (code) => resolve({ code, out }));
  });
}

describe(
  "the media chain in a network namespace: real Transmission, stand-in apps, the job",
  { skip },
  () => {
    before(async () => {
      const root = join(mkdtempSync(join(tmpdir(), "homeport-media-netns-")), "root");
      const built = script("tests/e2e/images/build-images.sh", ["rootfs", root]);
      if (built.status !== 0) {
        state.blocked = `the stand-in root filesystem could not be built: ${failure(built)}`;
        return;
      }
      state.root = root;
      sh("mount", "-t", "proc", "proc", join(root, "proc"));
      sh("ip", "netns", "add", NETNS);
      sh("ip", "link", "add", HOST_END, "type", "veth", "peer", "name", "eth0", "netns", NETNS);
      sh("ip", "addr", "add", `${GATEWAY}/30`, "dev", HOST_END);
      sh("ip", "link", "set", HOST_END, "up");
      for (const cmd of [
        ["ip", "addr", "add", `${INSIDE}/30`, "dev", "eth0"],
        ["ip", "link", "set", "eth0", "up"],
        ["ip", "link", "set", "lo", "up"],
        ["ip", "route", "add", "default", "via", GATEWAY],
      ])
        sh("ip", "netns", "exec", NETNS, ...cmd);
      // Every app on loopback under its Swarm name; each has a port of its own.
      write(
        "/etc/hosts",
        "127.0.0.1 localhost prowlarr sonarr radarr bazarr jellyfin portainer transmission portainer-agent\n",
        0o644,
      );
      state.standins = await startMediaStandins(GATEWAY);

      // The part's data layout on the shared volume's mount point, as root with only its
      // capabilities.
      mkdirSync(join(root, "data"));
      write("/opt/homeport/init-data.sh", INIT_DATA_SCRIPT, 0o444);
      const caps = INIT_DATA_CAPABILITIES.map((c) => `+${c.toLowerCase()}`).join(",");
      const [cmd, ...args] = inside(
        [
          "setpriv",
          `--bounding-set=-all,${caps}`,
          "--inh-caps=-all",
          "sh",
          "/opt/homeport/init-data.sh",
        ],
        initDataEnv({ uid: 1000, gid: 1000 }),
      );
      const init = spawnSync(cmd, args, { encoding: "utf8" });
      assert.equal(init.status, 0, init.stderr);

      // The part's seeds (secrets under /run/secrets, scripts under /custom-cont-init.d).
      for (const [app, key] of Object.entries(KEYS))
        write(`/run/secrets/${app}-api-key`, key, 0o444);
      const seeds = [
        {
          name: "bazarr-config",
          target: "/config/config/config.yaml",
          content: `auth:\n  apikey: ${BAZARR_KEY}\n`,
          when: "merge" as const,
          owned: { format: "yaml" as const, section: "auth", keys: ["apikey"] },
        },
        {
          name: "transmission-settings",
          target: "/config/settings.json",
          content: JSON.stringify(transmissionSettings({ password: PASSWORDS.transmission })),
          when: "always" as const,
        },
      ];
      for (const seed of seeds) {
        const { secret, file } = seedConfig(seed);
        write(secret.path!, seed.content, 0o400);
        write(file.path, String(file.content), file.mode!);
      }
      // As the images start them (tests/e2e/images/build-images.sh media_images).
      start(
        [
          "lsio-init",
          "/usr/bin/transmission-daemon",
          "-f",
          "-g",
          "/config",
          "--log-error",
          "--no-dht",
          "--no-lpd",
          "--no-utp",
          "--no-portmap",
          "--no-blocklist",
        ],
        APP_ENV,
        LSIO_CAPABILITIES,
      );
      start(["python3", "/opt/standin/standin.py", "portainer-agent"], {}, []);
      for (const app of ["prowlarr", "sonarr", "radarr", "bazarr", "jellyfin"]) {
        const key =
          app in KEYS
            ? { [`FILE__${app.toUpperCase()}__AUTH__APIKEY`]: `/run/secrets/${app}-api-key` }
            : {};
        start(
          ["lsio-init", "python3", "/opt/standin/standin.py", "media-relay"],
          { ...APP_ENV, ...key, STANDIN_MEDIA_APP: app },
          LSIO_CAPABILITIES,
        );
      }
      // Portainer's image has no LinuxServer init: root, as its agent, with no capability.
      start(
        ["python3", "/opt/standin/standin.py", "media-relay"],
        { ...APP_ENV, STANDIN_MEDIA_APP: "portainer" },
        [],
      );
    });

    after(async () => {
      for (const p of state.procs) p.kill("SIGTERM");
      await Promise.all(
        state.procs.map((p) =>
          p.exitCode === null && p.signalCode === null
            ? new Promise((r) => p.once("exit", r))
            : undefined,
        ),
      );
      await state.standins?.stop();
      spawnSync("ip", ["netns", "del", NETNS]);
      spawnSync("ip", ["link", "del", HOST_END]);
      if (state.root) {
        spawnSync("umount", [join(state.root, "proc")]);
        rmSync(dirname(state.root), { recursive: true, force: true });
      }
    });

    it("the job wires the stand-ins and the real Transmission, then a second run changes nothing", async (t) => {
      if (state.blocked) return t.skip(state.blocked);
      const login = { user: "admin", password: PASSWORDS.login };
      // The job's arguments as the media part gives them (media-chain.ts: url(app), the agent's
      // environment, the download client by service name).
      const job = wiringJob({
        sonarr: { url: "http://sonarr:8989", apiKey: KEYS.sonarr, login },
        radarr: { url: "http://radarr:7878", apiKey: KEYS.radarr, login },
        prowlarr: { url: "http://prowlarr:9696", apiKey: KEYS.prowlarr, login },
        bazarr: { url: "http://bazarr:6767", apiKey: BAZARR_KEY, login },
        jellyfin: { url: "http://jellyfin:8096", adminPassword: PASSWORDS.jellyfin },
        portainer: {
          url: "http://portainer:9000",
          adminPassword: PASSWORDS.portainer,
          endpoints: [{ name: "docker", kind: "agent", url: "tcp://portainer-agent:9001" }],
        },
        downloadClient: { host: "transmission", password: PASSWORDS.transmission },
        healthTimeoutSeconds: 30,
      });
      const values: Record<string, string> = {
        "media-sonarr-api-key": KEYS.sonarr,
        "media-radarr-api-key": KEYS.radarr,
        "media-prowlarr-api-key": KEYS.prowlarr,
        "media-bazarr-api-key": BAZARR_KEY,
        "media-jellyfin-admin-password": PASSWORDS.jellyfin,
        "media-portainer-admin-password": PASSWORDS.portainer,
        "media-transmission-password": PASSWORDS.transmission,
      };
      for (const secret of job.spec.secrets ?? [])
        write(secret.path!, values[secret.name] ?? PASSWORDS.login, 0o444);
      for (const file of job.spec.files ?? []) write(file.path, String(file.content), 0o444);

      const first = await runJob(job);
      assert.equal(first.code, 0, first.out);
      assert.match(first.out, /\n15 change\(s\)\n$/);
      const standins = state.standins!;
      assertWiredAsFresh(standins);
      assert.deepEqual(
        standins.reports
          .filter((r) => r.kind === "key")
          .map((r) => `${r.app}: ${r.detail}`)
          .sort(),
        [
          "bazarr: a key of 32 characters",
          "jellyfin: no key",
          "portainer: no key",
          "prowlarr: a key of 32 characters",
          "radarr: a key of 32 characters",
          "sonarr: a key of 32 characters",
        ],
      );
      assert.deepEqual(standins.double.state.transmission, {
        host: "transmission",
        port: 9091,
        username: "homeport",
        password: PASSWORDS.transmission,
      });
      assert.deepEqual([...standins.double.state.paths].sort(), [
        "/data",
        "/data/media",
        "/data/media/movies",
        "/data/media/tv",
        "/data/torrents",
        "/data/torrents/movies",
        "/data/torrents/tv",
      ]);

      const writes = standins.double.mutations().length;
      const second = await runJob(job);
      assert.equal(second.code, 0, second.out);
      assert.match(second.out, /\nno change\n$/);
      assert.equal(standins.double.mutations().length, writes);
    });
  },
);
