/**
 * End-to-end: the dev stack (Pulumi.dev.yaml) as a user brings it up, `npm run up` and
 * `npm run down` (tools/up.sh), on the suite's real single-node Docker engine. See docs/e2e.md.
 *
 * The stack keeps its own settings; only its image references are this machine's (no registry
 * here: tests/e2e/lib/stacks.ts), and Prometheus is given the group of this machine's socket.
 * The app's images are built on the engine by the program (`homeport:apps.build`), the stack's
 * own image-build path, from the suite's stand-in for the upstream app (tests/e2e/app-standin;
 * the stack's git URL cannot be fetched here) on base images built here, passed as the
 * Dockerfiles' build arguments (homeport:apps.build.args; tests/e2e/images/build-app-base.sh),
 * or from the checkout named by HOMEPORT_E2E_APP_CHECKOUT on the Dockerfiles' own bases
 * (tests/e2e/lib/app-build.ts). The built worker runs Celery for real, so the broker is the real
 * RabbitMQ image (Debian's rabbitmq-server) instead of the stand-in that only accepts connections.
 * Where the images cannot be built, the stand-ins run and the build check says why it is skipped.
 * Each check that cannot run here says why and counts as skipped.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { after, before, describe, it, TestContext } from "node:test";
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
  APP_CHECKOUT_VARIABLE,
  appBuildBlocked,
  buildAppBase,
  standinCheckout,
} from "../lib/app-build";
import {
  buildTestImages,
  createStackHostPaths,
  startSwarmEngine,
  stopSwarmEngine,
} from "../lib/engine";
import { record, seconds, FIGURES_FILE } from "../lib/figures";
import { request, tryRequest } from "../lib/https";
import { block as blockDeployment, deployedWorkspace, Workspace } from "../lib/pulumi";
import { PACK_NAME } from "../../../policies/lib/catalogue";
import { assertWiredAsFresh, MediaStandins, startMediaStandins } from "../lib/media";
import { must, run, RunResult, runSync, tail, waitFor } from "../lib/shell";
import { overrideImages, stackFileForThisMachine, stackImages, stackParts } from "../lib/stacks";

const STACK = "dev";
const STACK_FILE = stackFileForThisMachine(STACK);
/** The dev stack starts some 20 services on two cores, the media apps' first start included. */
const CONVERGE_TIMEOUT_MS = 10 * 60_000;
/** Where the built app images are tagged, so the suite's stand-ins of the same role stay intact. */
const BUILT_IMAGES = {
  backend: "homeport-e2e/app-api:built",
  frontend: "homeport-e2e/app-web:built",
};
/**
 * Parts left out of the dev stack (HOMEPORT_E2E_DEV_LEAVE_OUT=media,…), for a machine that lacks
 * their images: the stack is then NOT the dev stack's own settings, and the run says so.
 * @default none
 */
const LEFT_OUT = (process.env.HOMEPORT_E2E_DEV_LEAVE_OUT ?? "").split(",").filter(Boolean);

const state: {
  blocked?: string;
  engineStarted?: boolean;
  /** Why the app's images are not built by the program here. */
  noBuild?: string;
  /** The app's source and the build arguments the stack builds its images with. */
  appBuild?: { context: string; args: Record<string, string>; standin: boolean };
  /** When `npm run up` started (ms since the epoch). */
  upStarted?: number;
  ws?: Workspace;
  /** The environment `npm run` gets: a user's, with no state backend or passphrase set. */
  userEnv?: NodeJS.ProcessEnv;
  upRan?: boolean;
  deployed?: boolean;
  destroyed?: boolean;
  services: number;
  baseline?: Record<Kind, string[]>;
  urls: Record<string, string>;
  createdHostPaths: string[];
  /** The contract double the media part's stand-ins relay to (tests/e2e/lib/media.ts). */
  media?: MediaStandins;
} = { services: 0, urls: {}, createdHostPaths: [] };

const block = (reason: string) => blockDeployment(state, reason);
const needsDeployment = (t: TestContext) => deployedWorkspace(t, state, "npm run up");

const imagePresent = (image: string) => docker("image", "inspect", image).status === 0;

/** `npm run <args>` in the workspace's copy of the project, as a user runs it there. */
async function npmRun(ws: Workspace, args: string[]): Promise<RunResult> {
  const started = Date.now();
  const r = await run("npm", ["run", ...args], {
    cwd: ws.projectDir,
    env: state.userEnv,
    timeoutMs: 40 * 60_000,
  });
  ws.log.push(
    `$ npm run ${args.join(" ")}  (exit ${r.status}, ${seconds(Date.now() - started)}s)\n${r.stdout}\n${r.stderr}`,
  );
  return r;
}

function pendingServices(): string[] {
  return serviceNames()
    .map(serviceState)
    .filter((s) => !converged(s))
    .map((s) => s.summary);
}

describe("e2e: the dev stack through npm run up and npm run down", { concurrency: false }, () => {
  before(async () => {
    const env = await startSwarmEngine();
    if (typeof env === "string") return block(env);
    state.engineStarted = true;
    const ws = new Workspace(STACK, STACK_FILE, env, ["tools/up.sh", "policies"]);
    state.ws = ws;
    if (LEFT_OUT.length > 0) {
      const parts = stackParts(ws.stackFile);
      ws.setConfig({ "homeport:parts": parts.filter((p) => !LEFT_OUT.includes(p)) });
      console.log(
        `# NOT the dev stack's own settings: the parts ${LEFT_OUT.join(", ")} are left out`,
      );
      record("devPartsLeftOut", LEFT_OUT);
    }
    const checkout = process.env[APP_CHECKOUT_VARIABLE];
    const base = checkout ? { args: {}, report: "" } : buildAppBase();
    if (typeof base === "string") {
      state.noBuild = base;
    } else {
      if (base.report) console.log(`# app base images:\n${base.report}`);
      const context = checkout ? path.resolve(checkout) : standinCheckout();
      state.noBuild = appBuildBlocked(context, imagePresent, base.args);
      state.appBuild = { context, args: base.args, standin: !checkout };
    }
    const apps = (ws.config()["homeport:apps"] ?? {}) as { images?: Record<string, string> };
    if (!state.noBuild) {
      ws.setConfig({
        "homeport:apps": {
          ...apps,
          images: { ...apps.images, ...BUILT_IMAGES },
          build: {
            context: state.appBuild!.context,
            ...(state.appBuild!.standin ? { args: state.appBuild!.args, network: "none" } : {}),
          },
        },
      });
      // A build from the engine's cache reuses an earlier run's image (same ID, same creation
      // time): none is left, so the images the check finds are the ones this `npm run up` built.
      for (const image of Object.values(BUILT_IMAGES)) docker("image", "rm", "--force", image);
      must(docker("builder", "prune", "--all", "--force"), "docker builder prune");
      // The built worker speaks AMQP to the broker: the real RabbitMQ image is built too.
      process.env.HOMEPORT_E2E_RABBITMQ = "1";
    }
    // Before the long image build: what the stack runs that neither it nor the suite builds.
    const { run: images, built } = stackImages(ws.stackFile);
    const local = overrideImages();
    const missing = images.filter(
      (i) => !built.includes(i) && !local.includes(i) && !imagePresent(i),
    );
    if (missing.length > 0) {
      return block(
        `the engine has no ${missing.join(", ")}, which the dev stack runs: there is no registry here, and tests/e2e/images builds no stand-in for them`,
      );
    }
    const testImages = buildTestImages(stackParts(ws.stackFile).includes("proxy"));
    if (typeof testImages === "string") return block(testImages);
    console.log(`# images:\n${testImages.report}`);
    if (!state.noBuild) {
      const rabbitmq = testImages.report
        .split("\n")
        .find((l) => l.startsWith("homeport-e2e/rabbitmq:debian-"));
      if (!rabbitmq) return block(`the real RabbitMQ image was not built:\n${testImages.report}`);
      const built = ws.config()["homeport:apps"] as { images: Record<string, string> };
      ws.setConfig({
        "homeport:apps": { ...built, images: { ...built.images, rabbitmq } },
      });
    }
    // Prometheus reads the engine's socket as the group that owns it on this machine.
    const monitoring = (ws.config()["homeport:monitoring"] ?? {}) as Record<string, unknown>;
    ws.setConfig({
      "homeport:monitoring": {
        ...monitoring,
        dockerGroupId: fs.statSync("/var/run/docker.sock").gid,
      },
    });
    state.createdHostPaths = createStackHostPaths();

    // A user's environment: tools/up.sh picks the state backend (<project>/.state) and generates
    // the passphrase; the suite's own pulumi calls then read the same state.
    const { PULUMI_BACKEND_URL: _backend, PULUMI_CONFIG_PASSPHRASE: _passphrase, ...user } = ws.env;
    void _backend;
    void _passphrase;
    state.userEnv = user;
    const stateDir = path.join(ws.projectDir, ".state");
    delete ws.env.PULUMI_CONFIG_PASSPHRASE;
    ws.env.PULUMI_BACKEND_URL = `file://${stateDir}`;
    ws.env.PULUMI_CONFIG_PASSPHRASE_FILE = path.join(stateDir, `${STACK}.passphrase`);

    // The media part's stand-ins relay to the contract double on the engine's docker_gwbridge
    // address, which stays when the engine leaves its swarm and is reused when npm run up makes one.
    if (stackParts(ws.stackFile).includes("media")) {
      const gateway = gatewayAddress();
      if (!gateway)
        return block("the engine has no docker_gwbridge address for the media stand-ins' double");
      state.media = await startMediaStandins(gateway);
      console.log(
        `# STAND-INS: ${Object.keys(state.media.double.urls).join(", ")} relay to the contract double on ${gateway}; Transmission is Debian's transmission-daemon`,
      );
    }
    // npm run up makes the engine a Swarm itself: the suite's engine leaves the one it started in.
    must(docker("swarm", "leave", "--force"), "docker swarm leave");
    // A user's first npm run up: nothing of an earlier run's stack, its apps start fresh.
    console.log(`# before: ${removeStackVolumes(STACK)}`);
    state.baseline = engineObjects();
  });

  after(async () => {
    if (state.ws && state.upRan && !state.destroyed) {
      // Leave the engine as it was found, whatever failed on the way: the workspace's own
      // tools/up.sh, which finds the stack's state and passphrase beside it.
      const r = runSync(
        "bash",
        [path.join(state.ws.projectDir, "tools/up.sh"), "down", "--yes", "--refresh"],
        {
          env: state.userEnv,
          timeoutMs: 20 * 60_000,
        },
      );
      console.log(`# cleanup: npm run down exited ${r.status}; ${removeStackVolumes(STACK)}`);
    }
    if (state.ws) {
      const log = state.ws.saveLog(path.join(path.dirname(FIGURES_FILE), "dev-stack.log"));
      console.log(`# npm and pulumi output: ${log}`);
      if (state.destroyed) fs.rmSync(state.ws.dir, { recursive: true, force: true });
    }
    if (state.appBuild?.standin)
      fs.rmSync(state.appBuild.context, { recursive: true, force: true });
    for (const p of state.createdHostPaths.reverse())
      fs.rmSync(p, { recursive: true, force: true });
    await state.media?.stop();
    if (state.engineStarted) stopSwarmEngine();
  });

  it("npm run up makes the engine a Swarm, creates the dev stack with a generated passphrase and deploys it with the policy pack", async (t) => {
    if (state.blocked) return t.skip(state.blocked);
    const ws = state.ws!;
    const stateDir = path.join(ws.projectDir, ".state");
    const started = Date.now();
    state.upStarted = started;
    state.upRan = true;
    const r = await npmRun(ws, ["up", "--", "--yes"]);
    record("devUpSeconds", seconds(Date.now() - started), " s");
    assert.equal(
      r.status,
      0,
      `npm run up failed:\n${tail(r.stdout, 60)}\n${tail(r.stderr)}\n${failureLogs()}`,
    );
    state.deployed = true;
    const said = r.stderr.split("\n").filter((l) => l.startsWith("npm run up: "));
    assert.deepEqual(said, [
      "npm run up: the engine is in no swarm yet (state: inactive); running docker swarm init",
      `npm run up: generated the dev-only passphrase that encrypts the stack's secrets: ${stateDir}/${STACK}.passphrase (keep it with the state)`,
      `npm run up: created the ${STACK} stack in file://${stateDir}`,
    ]);
    assert.equal(fs.statSync(path.join(stateDir, `${STACK}.passphrase`)).mode & 0o777, 0o600);
    assert.equal(docker("info", "--format", "{{.Swarm.LocalNodeState}}").stdout.trim(), "active");
    // Pulumi lists the policy packs it ran in its summary, as <name>@v<version>
    // (pulumi/pkg/backend/display/progress.go, printPolicies).
    assert.match(r.stdout, new RegExp(`Policies:[\\s\\S]*${PACK_NAME}@v`));
    state.urls = (ws.outputs().urls ?? {}) as Record<string, string>;
  });

  it("every service of the dev stack runs, each task passing its health check", async (t) => {
    const ws = needsDeployment(t);
    if (!ws) return;
    const declared = (ws.exportState().deployment.resources ?? []).filter(
      (r) => r.type === "docker:index/service:Service",
    ).length;
    const started = Date.now();
    await waitFor(
      "every service to converge",
      () => (pendingServices().length === 0 ? true : undefined),
      CONVERGE_TIMEOUT_MS,
      5000,
    ).catch((e) => {
      throw new Error(`${(e as Error).message}\n${pendingServices().join("\n")}`);
    });
    record("devConvergedAfterUpSeconds", seconds(Date.now() - started), " s");
    state.services = serviceNames().length;
    assert.equal(state.services, declared, "services in the engine vs in the stack's state");
    record("devServices", state.services);
  });

  it("the media part's wiring job wired its stand-ins as it wires fresh apps", (t) => {
    const ws = needsDeployment(t);
    if (!ws) return;
    if (!state.media) return t.skip("the media part is left out (HOMEPORT_E2E_DEV_LEAVE_OUT)");
    assertWiredAsFresh(state.media);
  });

  it("the app answers through the proxy: the frontend, its /config.json naming the API, and the API", async (t) => {
    const ws = needsDeployment(t);
    if (!ws) return;
    if (!stackParts(ws.stackFile).includes("proxy")) {
      return t.skip("the proxy part is left out (HOMEPORT_E2E_DEV_LEAVE_OUT)");
    }
    const frontend = new URL(state.urls["apps.frontend"]).hostname;
    const api = state.urls["apps.api"];
    const page = await waitFor(
      `https://${frontend}/ to answer`,
      async () => {
        const r = await tryRequest(frontend, "/");
        return r?.status === 200 ? r : undefined;
      },
      60_000,
    );
    assert.equal(page.status, 200);
    const config = await request(frontend, "/config.json");
    assert.equal(config.status, 200, config.body);
    assert.deepEqual(JSON.parse(config.body), { endpoint: api });
    const health = await request(new URL(api).hostname, "/health");
    assert.equal(health.status, 200, health.body);
  });

  it("the program builds the app's images on the engine (homeport:apps.build) from the stack's source and build arguments, and the services run them and answer", async (t) => {
    const ws = needsDeployment(t);
    if (!ws) return;
    if (state.noBuild) return t.skip(state.noBuild);
    const { context, args, standin } = state.appBuild!;
    // The stand-in's bases hold its dependencies: its RUN steps have no network.
    const network = standin ? "none" : "default";
    const built = (ws.exportState().deployment.resources ?? []).filter(
      (r) => r.type === "docker:index/remoteImage:RemoteImage",
    );
    const inputs = (image: string) => {
      const r = built.find((b) => b.inputs?.name === image);
      assert.ok(r, `no RemoteImage builds ${image}`);
      const b = r.inputs!.build as Record<string, unknown>;
      return [b.context, b.additionalContexts, b.buildArgs ?? {}, b.networkMode];
    };
    assert.deepEqual(built.map((r) => r.inputs?.name).sort(), Object.values(BUILT_IMAGES).sort());
    assert.deepEqual(inputs(BUILT_IMAGES.backend), [
      "apps/backend",
      [`app=${context}/api`, "entrypoint=apps/entrypoint"],
      args,
      network,
    ]);
    assert.deepEqual(inputs(BUILT_IMAGES.frontend), [
      "apps/frontend",
      [`app=${context}/web`, "entrypoint=apps/entrypoint"],
      args,
      network,
    ]);
    // Built by this `npm run up`, from this source: a file of the app, read from each image.
    const imageFile = (image: string, file: string) =>
      must(
        docker("run", "--rm", "--network", "none", "--entrypoint", "cat", image, file),
        `cat ${file} in ${image}`,
      );
    for (const image of Object.values(BUILT_IMAGES)) {
      const created = Date.parse(
        docker("image", "inspect", "-f", "{{.Created}}", image).stdout.trim(),
      );
      assert.ok(created >= state.upStarted! - 1000, `${image} was created before npm run up`);
    }
    assert.equal(
      imageFile(BUILT_IMAGES.backend, "/app/image_api/web.py"),
      fs.readFileSync(path.join(context, "api/image_api/web.py"), "utf8"),
    );
    const running = serviceNames().map(
      (s) =>
        docker("service", "inspect", "-f", "{{.Spec.TaskTemplate.ContainerSpec.Image}}", s)
          .stdout.trim()
          .split("@")[0],
    );
    for (const image of Object.values(BUILT_IMAGES)) {
      assert.ok(running.includes(image), `no service runs ${image}`);
    }
    if (!stackParts(ws.stackFile).includes("proxy")) return;
    // Through the proxy, the built images answer: the page built into the frontend image, served
    // by serve; the stand-in app's own health answer, from gunicorn.
    const page = await request(new URL(state.urls["apps.frontend"]).hostname, "/");
    assert.equal(page.body, imageFile(BUILT_IMAGES.frontend, "/app/dist/index.html"));
    if (standin) {
      const health = await request(new URL(state.urls["apps.api"]).hostname, "/health");
      assert.equal(health.body, '{"status": "ok", "missing": []}');
    }
  });

  it("npm run down leaves nothing of the stack but its retained data volumes", async (t) => {
    const ws = needsDeployment(t);
    if (!ws) return;
    const retained = retainedVolumes(ws.exportState().deployment.resources ?? []);
    assert.ok(retained.length > 0, "the dev stack retains no data volume");
    const started = Date.now();
    const r = await npmRun(ws, ["down", "--", "--yes"]);
    record("devDownSeconds", seconds(Date.now() - started), " s");
    assert.equal(r.status, 0, `npm run down failed:\n${tail(r.stdout)}\n${tail(r.stderr)}`);
    state.deployed = false;
    state.destroyed = true;
    await assertOnlyRetainedLeft(state.baseline!, retained);
    record("devRetainedVolumes", retained.length);
  });
});
