/**
 * End-to-end: the media part on the suite's real single-node Docker Swarm (docs/e2e.md, "The media
 * chain"). Transmission is REAL (Debian's transmission-daemon in a locally built image); Prowlarr,
 * Sonarr, Radarr, Bazarr, Jellyfin, Portainer and its agent are STAND-INS (no image of them can
 * be had here) that relay their ports to the apps' contract double, run by this file, which
 * records what the wiring job sent. The wiring job itself is the part's own, unchanged.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import {
  assertOnlyRetainedLeft,
  converged,
  docker,
  engineObjects,
  failureLogs,
  gatewayAddress,
  Kind,
  removeStackVolumes,
  retainedVolumes,
  serviceNames,
  serviceState,
} from "../lib/docker";
import {
  buildTestImages,
  createStackHostPaths,
  startSwarmEngine,
  stopSwarmEngine,
} from "../lib/engine";
import { record, seconds, FIGURES_FILE } from "../lib/figures";
import { assertWiredAsFresh, MediaStandins, startMediaStandins } from "../lib/media";
import { block as blockDeployment, deployedWorkspace, Workspace } from "../lib/pulumi";
import { must, runSync, tail } from "../lib/shell";

const STACK = "e2e-media";
const STACK_FILE = path.join(__dirname, "Pulumi.e2e-media.yaml");

type Resource = {
  type: string;
  urn?: string;
  retainOnDelete?: boolean;
  inputs?: Record<string, unknown>;
  outputs?: Record<string, unknown> & { name?: string };
};
type Body = { name?: string; fields?: { name: string; value: unknown }[] } & Record<
  string,
  unknown
>;

const values = (body: unknown) =>
  Object.fromEntries(((body as Body).fields ?? []).map((f) => [f.name, f.value]));

const state: {
  blocked?: string;
  engineStarted?: boolean;
  ws?: Workspace;
  upStarted?: boolean;
  deployed?: boolean;
  destroyed?: boolean;
  standins?: MediaStandins;
  baseline?: Record<Kind, string[]>;
  createdHostPaths: string[];
  writesAfterFirstUp?: number;
} = { createdHostPaths: [] };

const block = (reason: string) => blockDeployment(state, reason);

function resources(ws: Workspace): Resource[] {
  return (ws.exportState().deployment.resources ?? []) as Resource[];
}

/** The wiring job's container (a docker.Container that the provider waited for) in the state. */
function wiringJob(ws: Workspace): Resource {
  const job = resources(ws).find(
    (r) => r.type === "docker:index/container:Container" && /::media-wiring$/.test(r.urn ?? ""),
  );
  assert.ok(job, "no media-wiring container in the stack's state");
  return job;
}

describe("e2e: the media part on the real Swarm, wired by its job", { concurrency: false }, () => {
  before(async () => {
    const env = await startSwarmEngine();
    if (typeof env === "string") return block(env);
    state.engineStarted = true;
    state.ws = new Workspace(STACK, STACK_FILE, env);
    const images = buildTestImages(false);
    if (typeof images === "string") return block(images);
    console.log(`# images:\n${images.report}`);
    const gateway = gatewayAddress();
    if (!gateway)
      return block("the engine has no docker_gwbridge address for the stand-ins' double");
    state.standins = await startMediaStandins(gateway);
    console.log(
      `# STAND-INS: ${Object.keys(state.standins.double.urls).join(", ")} relay to the contract double on ${gateway}; Transmission is Debian's transmission-daemon`,
    );
    state.createdHostPaths = createStackHostPaths();
    // The apps start fresh, as the checks below expect: nothing of an earlier run's stack.
    console.log(`# before: ${removeStackVolumes(STACK)}`);
    state.baseline = engineObjects();
    must(
      runSync("pulumi", ["stack", "init", STACK, "--non-interactive"], {
        cwd: state.ws.projectDir,
        env: state.ws.env,
      }),
      "pulumi stack init",
    );
  });

  after(async () => {
    if (state.ws && state.upStarted && !state.destroyed) {
      // Leave the engine as it was found, whatever failed on the way.
      const r = await state.ws.pulumi(["destroy", "--yes", "--skip-preview", "--refresh"]);
      console.log(`# cleanup: pulumi destroy exited ${r.status}; ${removeStackVolumes(STACK)}`);
    }
    await state.standins?.stop();
    if (state.ws) {
      const log = state.ws.saveLog(path.join(path.dirname(FIGURES_FILE), "media.log"));
      console.log(`# pulumi output: ${log}`);
      if (state.destroyed) fs.rmSync(state.ws.dir, { recursive: true, force: true });
    }
    for (const p of state.createdHostPaths.reverse())
      fs.rmSync(p, { recursive: true, force: true });
    if (state.engineStarted) stopSwarmEngine();
  });

  it("pulumi up deploys the media part, every app healthy, and the wiring job wires them", async (t) => {
    if (state.blocked) return t.skip(state.blocked);
    const ws = state.ws!;
    const started = Date.now();
    state.upStarted = true;
    const r = await ws.pulumi(["up", "--yes", "--skip-preview"]);
    record("mediaUpSeconds", seconds(Date.now() - started), " s");
    assert.equal(
      r.status,
      0,
      `pulumi up failed:\n${tail(r.stdout, 60)}\n${tail(r.stderr)}\n${failureLogs()}`,
    );
    state.deployed = true;
    const pending = serviceNames()
      .map(serviceState)
      .filter((s) => !converged(s))
      .map((s) => s.summary);
    assert.deepEqual(pending, [], "services not running and healthy");
    record("mediaServices", serviceNames().length);
    const job = wiringJob(ws);
    assert.equal(job.outputs?.exitCode, 0);
    const logs = String(job.outputs?.containerLogs ?? "");
    console.log(`# wiring job:\n${logs.trim()}`);
    assert.match(logs, /\n15 change\(s\)\s*$/);
  });

  it("each stand-in received exactly what the job sends fresh apps, and the real Transmission accepted Sonarr's and Radarr's test", (t) => {
    const ws = deployedWorkspace(t, state, "pulumi up");
    if (!ws) return;
    const { double, reports } = state.standins!;
    assertWiredAsFresh(state.standins!);
    state.writesAfterFirstUp = double.mutations().length;
    // Each keyed app's stand-in found the key it was seeded with, as the app reads it.
    const keyed = reports
      .filter((r) => r.kind === "key" && r.detail !== "no key")
      .map((r) => r.app);
    assert.deepEqual([...new Set(keyed)].sort(), ["bazarr", "prowlarr", "radarr", "sonarr"]);
    for (const p of [
      "/data/media/tv",
      "/data/media/movies",
      "/data/torrents/tv",
      "/data/torrents/movies",
    ]) {
      assert.ok(double.state.paths.has(p), `${p} is not on the shared /data volume`);
    }

    const [sonarrClient] = double.bodies("sonarr", "POST", "/api/v3/downloadclient");
    const { password, ...connection } = values(sonarrClient);
    assert.equal(password, double.state.transmission.password);
    assert.deepEqual(connection, {
      host: "transmission",
      port: 9091,
      useSsl: false,
      urlBase: "/transmission/",
      username: "homeport",
      addPaused: false,
      tvCategory: "tv",
      tvImportedCategory: null,
      recentTvPriority: 0,
      olderTvPriority: 0,
      tvDirectory: null,
    });
    const [radarrClient] = double.bodies("radarr", "POST", "/api/v3/downloadclient");
    assert.equal(values(radarrClient).movieCategory, "movies");
    assert.deepEqual(double.bodies("sonarr", "POST", "/api/v3/rootfolder"), [
      { path: "/data/media/tv" },
    ]);
    assert.deepEqual(double.bodies("radarr", "POST", "/api/v3/rootfolder"), [
      { path: "/data/media/movies" },
    ]);
    const applications = double.bodies("prowlarr", "POST", "/api/v1/applications") as Body[];
    assert.deepEqual(
      applications.map((a) => [a.name, values(a).prowlarrUrl, values(a).baseUrl, a.syncLevel]),
      [
        ["Sonarr", "http://prowlarr:9696", "http://sonarr:8989", "fullSync"],
        ["Radarr", "http://prowlarr:9696", "http://radarr:7878", "fullSync"],
      ],
    );
    assert.equal(values(applications[0]).apiKey, double.state.keys.sonarr);
    const [bazarrForm] = double.bodies("bazarr", "POST", "/api/system/settings") as Record<
      string,
      string
    >[];
    assert.deepEqual(Object.keys(bazarrForm).sort(), [
      "settings-auth-password",
      "settings-auth-type",
      "settings-auth-username",
      "settings-general-use_radarr",
      "settings-general-use_sonarr",
      "settings-radarr-apikey",
      "settings-radarr-ip",
      "settings-sonarr-apikey",
      "settings-sonarr-ip",
    ]);
    assert.equal(bazarrForm["settings-sonarr-ip"], "sonarr");
    assert.equal(bazarrForm["settings-radarr-ip"], "radarr");
    assert.equal(double.state.jellyfin.completed, true);
    assert.deepEqual(
      double.state.jellyfin.folders.map((f) => [f.Name, f.CollectionType, f.Locations]),
      [
        ["Shows", "tvshows", ["/data/media/tv"]],
        ["Movies", "movies", ["/data/media/movies"]],
      ],
    );
    assert.deepEqual(
      double.state.portainer.endpoints.map((e) => [e.Name, e.Type, e.URL]),
      [["docker", 2, "tcp://portainer-agent:9001"]],
    );
    // The generated logins reached the apps: the stack's outputs hold what the job sent.
    const credentials = ws.outputs().credentials as Record<string, string>;
    assert.equal(double.state.portainer.admin?.password, credentials["media.portainer.password"]);
    assert.equal(double.state.jellyfin.user?.password, credentials["media.jellyfin.password"]);
    assert.equal(password, credentials["media.transmission.password"]);
  });

  it("a second pulumi up changes nothing, and the wiring job run again reports no change", async (t) => {
    const ws = deployedWorkspace(t, state, "pulumi up");
    if (!ws) return;
    const r = await ws.pulumi(["up", "--yes", "--skip-preview", "--expect-no-changes"]);
    assert.equal(r.status, 0, `the second pulumi up changed something:\n${tail(r.stdout, 40)}`);
    // Pulumi runs the job once per change of it. A new deployment of the job (`--replace`, as a
    // change of its image or plan would) runs it again against the wired apps: it must read,
    // compare and write nothing.
    const again = await ws.pulumi([
      "up",
      "--yes",
      "--skip-preview",
      "--replace",
      String(wiringJob(ws).urn),
    ]);
    assert.equal(again.status, 0, `the job's second run failed:\n${tail(again.stdout, 40)}`);
    const job = wiringJob(ws);
    assert.equal(job.outputs?.exitCode, 0);
    const logs = String(job.outputs?.containerLogs ?? "");
    console.log(`# wiring job, second run:\n${logs.trim()}`);
    assert.match(logs, /\nno change\s*$/);
    assert.equal(state.standins!.double.mutations().length, state.writesAfterFirstUp);
  });

  it("pulumi destroy keeps the data and config volumes (retained) and removes the rest", async (t) => {
    const ws = deployedWorkspace(t, state, "pulumi up");
    if (!ws) return;
    const retained = retainedVolumes(resources(ws));
    assert.deepEqual(
      retained.map((v) => v.replace(/^e2e-media-/, "")),
      [
        "bazarr-bazarr-config",
        "jellyfin-jellyfin-config",
        "media-data",
        "portainer-portainer-config",
        "prowlarr-prowlarr-config",
        "radarr-radarr-config",
        "sonarr-sonarr-config",
        "transmission-transmission-config",
      ],
    );
    const r = await ws.pulumi(["destroy", "--yes", "--skip-preview"]);
    assert.equal(r.status, 0, `pulumi destroy failed:\n${tail(r.stdout)}\n${tail(r.stderr)}`);
    state.deployed = false;
    state.destroyed = true;
    await assertOnlyRetainedLeft(state.baseline!, retained);
    record("mediaRetainedVolumes", retained.length);
    must(docker("info"), "docker info");
  });
});
