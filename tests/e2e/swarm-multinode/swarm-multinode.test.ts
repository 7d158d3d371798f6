/**
 * End-to-end on a real three-manager Docker Swarm (tools/swarm-cluster.sh: three Debian dockerd,
 * each in its own network namespace on one bridge): a production-like stack (3 proxies with a
 * supplied certificate, 2+ replicas per tier, RabbitMQ 3 members and MinIO 4 servers pinned to
 * nodes) deployed with a real `pulumi up`, then spread, planned maintenance of a node under a
 * request loop (the runbook's own Swarm steps) and the loss of a node. See docs/e2e.md.
 *
 * The app tier, RabbitMQ and MinIO are the Swarm suite's STAND-IN images (tests/e2e/images): no
 * real RabbitMQ or MinIO image can be had here, so quorum, publisher confirms and object reads are
 * not checked (those tests skip, saying so).
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, it, TestContext } from "node:test";
import * as yaml from "js-yaml";
import type { StackConfig } from "../../../components/config/schema";
import { parseStackConfig } from "../../../components/config/load";
import { stackFileConfig } from "../../../tools/render-lib";
import { impactOf, layoutOf } from "../../../tools/runbook-lib/impact";
import { FACTS, MAINTENANCE } from "../../../tools/runbook-lib/procedures";
import { opsWorkloads, OpsWorkload } from "../../../tools/runbook-lib/workloads";
import { DOCKER, serviceNames } from "../lib/docker";
import { record, seconds } from "../lib/figures";
import { ROOT, toolchainEnv, Workspace } from "../lib/pulumi";
import { failure, must, runSync, sleep, tail, waitFor } from "../lib/shell";

const CLUSTER = path.join(ROOT, "tools/swarm-cluster.sh");
const DIR = process.env.HOMEPORT_SWARM_DIR ?? fs.mkdtempSync(path.join(os.tmpdir(), "hp-swarm-"));
const NODES = ["node-1", "node-2", "node-3"];
const ADDRESSES = ["10.213.77.11", "10.213.77.12", "10.213.77.13"];
const STACK = "multinode";
const CONVERGE_MS = 5 * 60_000;
/** The node drained for maintenance and the node lost (not node-1, whose socket the suite uses). */
const MAINTAINED = "node-2";
const LOST = "node-3";

const state: {
  blocked?: string;
  noProxy?: string;
  ws?: Workspace;
  deployed?: boolean;
  workloads: OpsWorkload[];
  config?: StackConfig;
  hosts: string[];
} = { workloads: [], hosts: [] };

const cluster = (...args: string[]) =>
  runSync("bash", [CLUSTER, ...args], { timeoutMs: 20 * 60_000 });
const docker = (...args: string[]) => runSync(DOCKER, args, { timeoutMs: 60_000 });

/** The production-like stack on this machine: Pulumi.e2e.yaml's images, production sizes. */
function stackFile(dir: string): string {
  const e2e = (
    yaml.load(fs.readFileSync(path.join(ROOT, "Pulumi.e2e.yaml"), "utf8")) as {
      config: Record<string, Record<string, unknown>>;
    }
  ).config;
  const config = {
    "homeport:target": "swarm",
    "homeport:environment": "production",
    "homeport:domain": "homeport.test",
    "homeport:parts": ["proxy", "apps"],
    "homeport:sizes": { proxy: 3, frontend: 2, backend: 2, worker: 2, rabbitmq: 3, minio: 4 },
    // No IPVS in this kernel: DNS round-robin endpoints and host-mode ports (docs/e2e.md).
    "homeport:swarm": { endpointMode: "dnsrr", publishMode: "host", convergeTimeout: "4m" },
    "homeport:proxy": {
      image: e2e["homeport:proxy"].image,
      certificate: { cert: path.join(dir, "tls.crt") },
    },
    "homeport:apps": {
      images: e2e["homeport:apps"].images,
      nodes: {
        rabbitmq: ["node-1", "node-2", "node-3"],
        minio: ["node-1", "node-2", "node-3", "node-1"],
      },
    },
  };
  const file = path.join(dir, `Pulumi.${STACK}.yaml`);
  fs.writeFileSync(file, yaml.dump({ config }, { lineWidth: -1 }));
  return file;
}

/** Running tasks of a service: node names, one per task. */
function taskNodes(service: string): string[] {
  const out = docker(
    "service",
    "ps",
    service,
    "--filter",
    "desired-state=running",
    "--format",
    "{{.Node}} {{.CurrentState}}",
  );
  return out.stdout
    .split("\n")
    .filter((l) => / Running /.test(` ${l} `))
    .map((l) => l.split(" ")[0]);
}

function needsDeployment(t: TestContext): boolean {
  if (state.blocked) t.skip(state.blocked);
  else if (!state.deployed) t.skip("the stack was not deployed (see the failing pulumi up check)");
  else return true;
  return false;
}

/** Starts the request loop in the client namespace; stop() returns its counts. */
function requestLoop(host: string, urlPath: string) {
  const child = spawn(
    "bash",
    [
      CLUSTER,
      "client",
      process.execPath,
      path.join(__dirname, "request-loop.mjs"),
      host,
      urlPath,
      ...ADDRESSES,
    ],
    { stdio: ["ignore", "pipe", "pipe"], detached: true },
  );
  let out = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr.on("data", (d: Buffer) => (out += d.toString()));
  const done = new Promise<void>((r) => child.on("close", () => r()));
  return {
    async stop(): Promise<{ requests: number; failures: number; samples: string[] }> {
      // The loop runs in its own process group (bash, ip netns exec, node): signal that group.
      process.kill(-child.pid!, "SIGTERM");
      await Promise.race([done, sleep(15_000)]);
      if (child.exitCode === null) process.kill(-child.pid!, "SIGKILL");
      return JSON.parse(out.trim().split("\n").pop() ?? "{}") as never;
    },
  };
}

/** One request through the proxy from the client namespace: the first address that answers. */
function answers(host: string, urlPath: string): boolean {
  const r = runSync(
    "bash",
    [
      CLUSTER,
      "client",
      "curl",
      "-ksf",
      "-o",
      "/dev/null",
      "--max-time",
      "3",
      "--resolve",
      `${host}:443:${ADDRESSES[0]}`,
      "--resolve",
      `${host}:443:${ADDRESSES[1]}`,
      `https://${host}${urlPath}`,
    ],
    { timeoutMs: 20_000 },
  );
  return r.status === 0;
}

/**
 * Services as the managers count them, across every node: "name running/desired". A task with a
 * health check counts as running only once it is healthy (Swarm keeps it "starting" until then).
 */
const replicas = () =>
  docker("service", "ls", "--format", "{{.Name}} {{.Replicas}}")
    .stdout.split("\n")
    .filter(Boolean)
    .map((l) => {
      const [name, counts] = l.split(" ");
      const [running, desired] = counts.split("/").map(Number);
      return { name, running, desired };
    });
const allConverged = () => {
  const all = replicas();
  return all.length > 0 && all.every((s) => s.running === s.desired) ? true : undefined;
};
const report = () =>
  replicas()
    .map((s) => `${s.name}: ${s.running}/${s.desired}`)
    .join("\n");

describe("e2e: the platform on a three-node Docker Swarm", { concurrency: false }, () => {
  before(async () => {
    if (process.getuid?.() !== 0)
      return void (state.blocked = "needs root for namespaces and dockerd");
    const env = toolchainEnv();
    if (typeof env === "string") return void (state.blocked = env);
    cluster("down", DIR);
    const up = cluster("up", DIR, "3");
    if (up.status !== 0) return void (state.blocked = `the cluster did not start: ${failure(up)}`);
    process.env.DOCKER_HOST = `unix://${DIR}/node-1/run/docker.sock`;
    const t0 = Date.now();
    const images = cluster("images", DIR);
    if (images.status !== 0) return void (state.blocked = `images: ${failure(images)}`);
    record("multinode.images.seconds", seconds(Date.now() - t0), "s");
    if (!images.stdout.includes("homeport-e2e/traefik:")) {
      state.noProxy = "the Traefik image is not built yet (/tmp/builds/traefik.log has no rc=0)";
    }
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hp-multinode-"));
    must(
      runSync("openssl", [
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "2",
        "-subj",
        "/CN=*.homeport.test",
        "-addext",
        "subjectAltName=DNS:*.homeport.test,DNS:homeport.test",
        "-keyout",
        path.join(dir, "tls.key"),
        "-out",
        path.join(dir, "tls.crt"),
      ]),
      "openssl req",
    );
    const file = stackFile(dir);
    state.ws = new Workspace(STACK, file, { ...env, DOCKER_HOST: process.env.DOCKER_HOST });
    fs.copyFileSync(path.join(dir, "tls.crt"), path.join(state.ws.projectDir, "tls.crt"));
    must(
      runSync("pulumi", ["stack", "init", STACK, "--non-interactive"], {
        cwd: state.ws.projectDir,
        env: state.ws.env,
      }),
      "pulumi stack init",
    );
    must(
      runSync(
        "pulumi",
        ["config", "set", "--secret", "--path", "homeport:proxy.certificate.key", "--stack", STACK],
        {
          cwd: state.ws.projectDir,
          env: state.ws.env,
          input: fs.readFileSync(path.join(dir, "tls.key"), "utf8"),
        },
      ),
      "pulumi config set --secret",
    );
    // The model the checks compare with: the same program rendered for the same stack file.
    const rendered = runSync(
      process.execPath,
      ["--import", "tsx", path.join(ROOT, "tools/render.ts"), "--config", state.ws.stackFile],
      { cwd: ROOT, timeoutMs: 120_000 },
    );
    if (rendered.status !== 0) return void (state.blocked = `render: ${failure(rendered)}`);
    const { config, secretKeys } = stackFileConfig(state.ws.stackFile);
    state.config = parseStackConfig(config, new Set(secretKeys));
    state.workloads = opsWorkloads("swarm", JSON.parse(rendered.stdout).resources);
  });

  after(() => {
    // The whole cluster is thrown away, state and all: nothing of it outlives the suite.
    const down = cluster("down", DIR);
    console.log(`# cleanup: swarm-cluster down exited ${down.status}`);
    if (state.ws && process.env.HOMEPORT_E2E_KEEP !== "1")
      fs.rmSync(state.ws.dir, { recursive: true, force: true });
  });

  it("forms three ready managers, each labelled with its zone, with the images on every node", (t) => {
    if (state.blocked) return t.skip(state.blocked);
    const nodes = must(
      docker("node", "ls", "--format", "{{.Hostname}} {{.Status}} {{.ManagerStatus}}"),
      "node ls",
    );
    assert.deepEqual(
      nodes
        .split("\n")
        .filter(Boolean)
        .map((l) => l.split(" ").slice(0, 2).join(" "))
        .sort(),
      NODES.map((n) => `${n} Ready`),
    );
    for (const n of NODES) {
      assert.equal(
        must(
          docker("node", "inspect", n, "--format", '{{index .Spec.Labels "homeport.zone"}}'),
          "inspect",
        ).trim(),
        `zone-${n.slice(5)}`,
      );
    }
  });

  it("pulumi up deploys the stack and every service converges on the three nodes", async (t) => {
    if (state.blocked) return t.skip(state.blocked);
    const t0 = Date.now();
    const r = await state.ws!.pulumi(["up", "--yes", "--skip-preview"]);
    assert.equal(r.status, 0, `pulumi up failed:\n${tail(r.stdout, 60)}\n${tail(r.stderr)}`);
    state.deployed = true;
    await waitFor("every service to converge", allConverged, CONVERGE_MS).catch((e) => {
      throw new Error(`${(e as Error).message}\n${report()}`);
    });
    record("multinode.up.seconds", seconds(Date.now() - t0), "s");
  });

  it("spreads every workload the model spreads: no two replicas on one node", (t) => {
    if (!needsDeployment(t)) return;
    const checked: string[] = [];
    for (const w of state.workloads) {
      if (
        w.spread === "none" ||
        w.replicas === undefined ||
        w.replicas < 2 ||
        w.replicas > NODES.length
      )
        continue;
      const nodes = taskNodes(w.objectName);
      assert.equal(nodes.length, w.replicas, `${w.name}: ${nodes.join(", ")}`);
      assert.equal(
        new Set(nodes).size,
        nodes.length,
        `${w.name} has two replicas on one node: ${nodes.join(", ")}`,
      );
      checked.push(`${w.name}=${nodes.sort().join("+")}`);
    }
    for (const w of state.workloads.filter((x) => x.pinnedTo)) {
      assert.deepEqual(
        taskNodes(w.objectName),
        [w.pinnedTo],
        `${w.name} is pinned to ${w.pinnedTo}`,
      );
    }
    console.log(`# spread: ${checked.join(", ")}`);
    assert.ok(checked.length >= 4, `spread checked on ${checked.length} workloads only`);
  });

  it(`maintenance of ${MAINTAINED} with the runbook's Swarm steps, under a request loop through the proxy`, async (t) => {
    if (!needsDeployment(t)) return;
    if (state.noProxy) return t.skip(state.noProxy);
    const host = state.workloads.find((w) => w.name === "frontend")!.hosts[0];
    await waitFor(
      `${host} answering through the proxy`,
      () => (answers(host, "/") ? true : undefined),
      120_000,
    );
    const loop = requestLoop(host, "/");
    await sleep(3000);
    const t0 = Date.now();
    const steps = MAINTENANCE.swarm(MAINTAINED, state.workloads, state.config!);
    for (const step of steps) {
      if (!step.run) continue;
      const [cmd, ...args] = step.run;
      assert.equal(cmd, "docker");
      if (step.until) {
        const { equals, timeoutSeconds } = step.until;
        await waitFor(
          step.text,
          () => (docker(...args).stdout.trim() === equals ? true : undefined),
          timeoutSeconds * 1000,
        );
      } else {
        must(runSync(DOCKER, args, { timeoutMs: 10 * 60_000 }), step.run.join(" "));
      }
    }
    await waitFor(
      "every service to converge after the maintenance",
      allConverged,
      CONVERGE_MS,
    ).catch((e) => {
      throw new Error(`${(e as Error).message}\n${report()}`);
    });
    const result = await loop.stop();
    record("multinode.maintenance.seconds", seconds(Date.now() - t0), "s");
    record("multinode.maintenance.requests", result.requests);
    record("multinode.maintenance.failedRequests", result.failures);
    assert.ok(result.requests > 50, `only ${result.requests} requests were sent`);
    assert.equal(
      result.failures,
      0,
      `failed requests during the maintenance: ${result.samples.join(" | ")}`,
    );
  });

  it(`losing ${LOST} (its engine and containers killed): every workload's service answers again`, async (t) => {
    if (!needsDeployment(t)) return;
    const layout = layoutOf(state.workloads, { nodes: NODES, managers: NODES });
    const expected = impactOf(
      state.workloads,
      layout,
      { nodes: NODES, managers: NODES },
      FACTS.swarm,
      [LOST],
    );
    console.log(`# runbook for losing ${LOST}: ${expected.impact.join("; ")}`);
    // Pinned there: the runbook says they stay down until the node is back.
    const stayDown = state.workloads.filter((w) => w.pinnedTo === LOST).map((w) => w.objectName);
    const t0 = Date.now();
    must(cluster("lose", DIR, LOST), "swarm-cluster lose");
    await waitFor(
      `${LOST} marked down`,
      () =>
        docker("node", "inspect", LOST, "--format", "{{.Status.State}}").stdout.trim() === "down"
          ? true
          : undefined,
      120_000,
    );
    record("multinode.loss.markedDownSeconds", seconds(Date.now() - t0), "s");
    const back = () => {
      for (const s of serviceNames()) {
        if (stayDown.includes(s)) continue;
        const nodes = taskNodes(s).filter((n) => n !== LOST);
        if (nodes.length === 0) return undefined;
      }
      if (!state.noProxy) {
        for (const w of state.workloads.filter((x) => x.hosts.length > 0 && x.part === "apps")) {
          if (!answers(w.hosts[0], "/")) return undefined;
        }
      }
      return true;
    };
    await waitFor("every workload's service answering again", back, CONVERGE_MS).catch((e) => {
      throw new Error(`${(e as Error).message}\n${report()}`);
    });
    record("multinode.loss.answeringAgainSeconds", seconds(Date.now() - t0), "s");
    for (const s of stayDown)
      assert.deepEqual(taskNodes(s), [], `${s} is pinned to ${LOST} and must not run elsewhere`);
    console.log(
      `# down until ${LOST} is back (pinned): ${stayDown.join(", ")}${state.noProxy ? `; proxy checks skipped: ${state.noProxy}` : ""}`,
    );
  });

  it("RabbitMQ keeps quorum and loses no confirmed message across the loss", (t) => {
    t.skip(
      "needs a real RabbitMQ; the stack runs the stand-in broker image (no real RabbitMQ image can be had here)",
    );
  });

  it("MinIO serves every object written before the loss", (t) => {
    t.skip(
      "needs a real MinIO; the stack runs the stand-in S3 image (no real MinIO image can be had here)",
    );
  });
});
