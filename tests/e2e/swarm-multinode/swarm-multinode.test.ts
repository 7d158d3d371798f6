/**
 * End-to-end on a real four-node Docker Swarm, three managers and a worker (tools/swarm-cluster.sh:
 * four Debian dockerd, each in its own network namespace on one bridge): a production-like stack
 * (3 proxies with a supplied certificate, 2+ replicas per tier, RabbitMQ 3 members and MinIO 4
 * servers, each pinned to a node of its own) deployed with a real `pulumi up`, then spread,
 * planned maintenance of a node under a request loop (the runbook's own Swarm steps), messages
 * published with confirms, and the loss of a node: every service back, the broker's quorum, every
 * confirmed message consumed. See docs/e2e.md.
 *
 * RabbitMQ is REAL: Debian trixie's rabbitmq-server (tests/e2e/images: rabbitmq_image) run with the
 * stack's own command, configuration, cookie and credentials. The frontend, backend, worker and
 * MinIO are the Swarm suite's STAND-IN images: github.com/minio/minio is AGPL-3.0, which the
 * machine's package lists mark not to use for every AGPL Go module they name, so no real MinIO is
 * built here and the object check skips, saying so.
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
import { RABBITMQ_USER } from "../../../components/apps/constants";
import { DOCKER, serviceNames } from "../lib/docker";
import { record, seconds } from "../lib/figures";
import { ROOT, toolchainEnv, Workspace } from "../lib/pulumi";
import { failure, must, runSync, sleep, tail, waitFor } from "../lib/shell";

const CLUSTER = path.join(ROOT, "tools/swarm-cluster.sh");
const DIR = process.env.HOMEPORT_SWARM_DIR ?? fs.mkdtempSync(path.join(os.tmpdir(), "hp-swarm-"));
const NODES = ["node-1", "node-2", "node-3", "node-4"];
/** Managers: the first three nodes; node-4 is a worker. */
const MANAGERS = NODES.slice(0, 3);
const ADDRESSES = ["10.213.77.11", "10.213.77.12", "10.213.77.13", "10.213.77.14"];
const STACK = "multinode";
const CONVERGE_MS = 5 * 60_000;
/** The node drained for maintenance and the node lost (not node-1, whose socket the suite uses). */
const MAINTAINED = "node-2";
const LOST = "node-3";
/** The Debian python3 that has python3-pika (not whatever python3 comes first on PATH). */
const PYTHON = "/usr/bin/python3";
/** Messages published with confirms before the loss, all consumed after it. */
const MESSAGES = 2000;
const QUEUE = "homeport-e2e-durability";

const state: {
  blocked?: string;
  noProxy?: string;
  ws?: Workspace;
  deployed?: boolean;
  workloads: OpsWorkload[];
  config?: StackConfig;
  hosts: string[];
  /** The real RabbitMQ image, or why the stack runs the stand-in broker. */
  rabbitmqImage?: string;
  noBroker?: string;
  /** Messages confirmed before the loss, and when the node was lost. */
  confirmed?: number;
  lostAt?: number;
  /** The runbook's impact lines for the loss of LOST. */
  expectedLoss?: string[];
} = { workloads: [], hosts: [] };

const cluster = (...args: string[]) =>
  runSync("bash", [CLUSTER, ...args], { timeoutMs: 20 * 60_000 });
const docker = (...args: string[]) => runSync(DOCKER, args, { timeoutMs: 60_000 });

/** The production-like stack on this machine: Pulumi.e2e.yaml's images, production sizes. */
function stackFile(dir: string, rabbitmqImage: string | undefined): string {
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
      images: {
        ...(e2e["homeport:apps"].images as Record<string, string>),
        ...(rabbitmqImage ? { rabbitmq: rabbitmqImage } : {}),
      },
      // One node per member: the stack refuses two members of a cluster on one node.
      nodes: { rabbitmq: ["node-1", "node-2", "node-3"], minio: NODES },
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

/** The id of the running container of a service's task on node-1 (the suite's engine). */
function containerOn(service: string): string | undefined {
  return (
    docker("ps", "-q", "--filter", `label=com.docker.swarm.service.name=${service}`)
      .stdout.trim()
      .split("\n")[0] || undefined
  );
}

/** rabbitmqctl in a member's container, as the platform's own health check runs its CLI. */
const rabbitmqctl = (container: string, ...args: string[]) =>
  docker("exec", container, "rabbitmqctl", "-q", ...args, "--formatter", "json");

interface QueueInfo {
  name: string;
  type: string;
  leader: string;
  members: string[];
}

/** The test queue as a member sees it, or undefined while it cannot tell (no leader yet). */
function queueInfo(container: string): QueueInfo | undefined {
  const r = rabbitmqctl(container, "list_queues", "name", "type", "leader", "members");
  if (r.status !== 0) return undefined;
  return (JSON.parse(r.stdout) as QueueInfo[]).find((q) => q.name === QUEUE);
}

/** What the last query of the running members answered, for a timeout's message. */
let lastRunning = "";

/**
 * The members RabbitMQ reports running, as a member sees the cluster: the broker's own
 * `rabbit_nodes:list_running/0`, which asks every member whether RabbitMQ runs there and counts a
 * member that does not answer within 10 s as not running (rabbitmq/rabbitmq-server
 * deps/rabbit/src/rabbit_nodes.erl). `cluster_status` reports as running nodes the cluster
 * database's view instead (`rabbit_db_cluster:cli_cluster_status/0`,
 * deps/rabbitmq_cli/lib/rabbitmq/cli/ctl/commands/cluster_status_command.ex); in one run that view
 * kept the wait for the lost member to leave going five minutes after the queue had a new leader.
 */
function runningMembers(container: string): string[] | undefined {
  const r = docker("exec", container, "rabbitmqctl", "-q", "eval", "rabbit_nodes:list_running().");
  lastRunning = `exit ${r.status}: ${tail(r.stdout, 10)} ${tail(r.stderr, 10)}`;
  if (r.status !== 0 || !r.stdout.trim().startsWith("[")) return undefined;
  return [...r.stdout.matchAll(/'([^']+)'/g)].map((m) => m[1]).sort();
}

/**
 * Runs the AMQP client (Debian's python3-pika) in the network namespace of a container on the
 * stack's network; the broker's credentials go in its environment, never in its arguments.
 */
function amqp(container: string, password: string, ...args: string[]) {
  const pid = must(docker("inspect", "-f", "{{.State.Pid}}", container), "inspect").trim();
  const r = runSync(
    "nsenter",
    [`--net=/proc/${pid}/ns/net`, PYTHON, path.join(__dirname, "amqp-client.py"), ...args],
    {
      timeoutMs: 5 * 60_000,
      env: { ...process.env, AMQP_USER: RABBITMQ_USER, AMQP_PASSWORD: password },
    },
  );
  const last = r.stdout.trim().split("\n").pop() ?? "";
  return {
    status: r.status,
    result: (last.startsWith("{") ? JSON.parse(last) : {}) as Record<string, unknown>,
    r,
  };
}

describe("e2e: the platform on a four-node Docker Swarm", { concurrency: false }, () => {
  before(async () => {
    if (process.getuid?.() !== 0)
      return void (state.blocked = "needs root for namespaces and dockerd");
    const env = toolchainEnv();
    if (typeof env === "string") return void (state.blocked = env);
    cluster("down", DIR);
    const up = cluster("up", DIR, String(NODES.length), String(MANAGERS.length));
    if (up.status !== 0) return void (state.blocked = `the cluster did not start: ${failure(up)}`);
    process.env.DOCKER_HOST = `unix://${DIR}/node-1/run/docker.sock`;
    const t0 = Date.now();
    const images = cluster("images", DIR);
    if (images.status !== 0) return void (state.blocked = `images: ${failure(images)}`);
    record("multinode.images.seconds", seconds(Date.now() - t0), "s");
    if (!images.stdout.includes("homeport-e2e/traefik:")) {
      state.noProxy = "the Traefik image is not built yet (/tmp/builds/traefik.log has no rc=0)";
    }
    state.rabbitmqImage = images.stdout
      .split("\n")
      .find((l) => l.startsWith("homeport-e2e/rabbitmq:debian-"));
    if (!state.rabbitmqImage)
      state.noBroker = `no real RabbitMQ image was built (tests/e2e/images rabbitmq_image): ${tail(images.stderr, 5)}`;
    else if (!fs.existsSync(PYTHON) || runSync(PYTHON, ["-c", "import pika"]).status !== 0)
      state.noBroker = `no AMQP client: ${PYTHON} cannot import pika (apt-get install python3-pika)`;
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
    const file = stackFile(dir, state.rabbitmqImage);
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
      [
        "--import",
        path.join(ROOT, "tools/loader.mjs"),
        path.join(ROOT, "tools/render.ts"),
        "--config",
        state.ws.stackFile,
      ],
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

  it("forms four ready nodes, three of them managers, each labelled with its zone", (t) => {
    if (state.blocked) return t.skip(state.blocked);
    const nodes = must(
      docker("node", "ls", "--format", "{{.Hostname}} {{.Status}} {{.ManagerStatus}}"),
      "node ls",
    );
    assert.deepEqual(
      nodes
        .split("\n")
        .filter(Boolean)
        .map((l) => {
          const [name, status, manager] = l.split(" ");
          return `${name} ${status} ${manager ? "manager" : "worker"}`;
        })
        .sort(),
      NODES.map((n) => `${n} Ready ${MANAGERS.includes(n) ? "manager" : "worker"}`),
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

  it(`RabbitMQ: the 3 members form one cluster and take ${MESSAGES} messages with publisher confirms`, async (t) => {
    if (!needsDeployment(t)) return;
    if (state.noBroker) return t.skip(state.noBroker);
    const members = [0, 1, 2].map((i) => `rabbit@tasks.${STACK}-rabbitmq-${i}`);
    const member = containerOn(`${STACK}-rabbitmq-0`);
    assert.ok(member, "rabbitmq-0 runs on node-1");
    // Formed by the stack's own configuration (classic peer list), after the maintenance too.
    const t0 = Date.now();
    await waitFor(
      "the three members running as one cluster",
      () => (runningMembers(member)?.join(" ") === members.join(" ") ? true : undefined),
      CONVERGE_MS,
    ).catch((e) => {
      throw new Error(`${(e as Error).message}: ${rabbitmqctl(member, "cluster_status").stdout}`);
    });
    record("multinode.rabbitmq.clusterSeconds", seconds(Date.now() - t0), "s");
    const password = must(docker("exec", member, "cat", "/run/secrets/default-pass"), "secret");
    // Published through the member on the node that will be lost, so the queue's leader is
    // there (a quorum queue's leader starts on the member it is declared on).
    const address = must(
      docker("exec", member, "getent", "hosts", `tasks.${STACK}-rabbitmq-2`),
      "getent",
    ).split(" ")[0];
    const { status, result, r } = amqp(
      member,
      password,
      "publish",
      address,
      QUEUE,
      String(MESSAGES),
    );
    assert.equal(status, 0, `publish failed: ${JSON.stringify(result)} ${tail(r.stderr)}`);
    assert.equal(result.confirmed, MESSAGES);
    state.confirmed = MESSAGES;
    record("multinode.rabbitmq.published", result.published);
    record("multinode.rabbitmq.confirmed", result.confirmed);
    record("multinode.rabbitmq.publishSeconds", result.seconds, "s");
    // Declared without a queue type: the stack's default_queue_type made it a quorum queue
    // replicated on every member.
    const info = queueInfo(member);
    assert.ok(info, `no queue ${QUEUE}`);
    assert.equal(info.type, "quorum");
    assert.deepEqual([...info.members].sort(), members);
    assert.equal(info.leader, members[2]);
  });

  it(`losing ${LOST} (its engine and containers killed): every workload's service answers again`, async (t) => {
    if (!needsDeployment(t)) return;
    const layout = layoutOf(state.workloads, { nodes: NODES, managers: MANAGERS });
    const expected = impactOf(
      state.workloads,
      layout,
      { nodes: NODES, managers: MANAGERS },
      FACTS.swarm,
      [LOST],
    );
    console.log(`# runbook for losing ${LOST}: ${expected.impact.join("; ")}`);
    // Pinned there: the runbook says they stay down until the node is back.
    const stayDown = state.workloads.filter((w) => w.pinnedTo === LOST).map((w) => w.objectName);
    state.expectedLoss = expected.impact;
    const t0 = Date.now();
    state.lostAt = t0;
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

  it("RabbitMQ keeps quorum and loses no confirmed message across the loss", async (t) => {
    if (!needsDeployment(t)) return;
    if (state.noBroker) return t.skip(state.noBroker);
    if (state.confirmed === undefined)
      return t.skip("no messages were published before the loss (see the publishing check)");
    if (state.lostAt === undefined) return t.skip("no node was lost (see the node loss check)");
    const member = containerOn(`${STACK}-rabbitmq-0`);
    assert.ok(member, "rabbitmq-0 runs on node-1");
    const lostMember = `rabbit@tasks.${STACK}-rabbitmq-2`;
    // A new leader on a member that is left: the queue's majority (2 of 3) elected it.
    const info = await waitFor(
      "the queue to have a leader on a member that is left",
      () => {
        const q = queueInfo(member);
        return q && q.leader !== lostMember && q.leader !== "" ? q : undefined;
      },
      CONVERGE_MS,
    );
    record("multinode.rabbitmq.quorumAgainSeconds", seconds(Date.now() - state.lostAt), "s");
    const running = await waitFor(
      `${lostMember} to leave the running members`,
      () => {
        const nodes = runningMembers(member);
        return nodes && !nodes.includes(lostMember) ? nodes : undefined;
      },
      CONVERGE_MS,
    ).catch((e) => {
      throw new Error(
        `${(e as Error).message}; rabbit_nodes:list_running() last said ${lastRunning}`,
      );
    });
    assert.deepEqual(running, [
      `rabbit@tasks.${STACK}-rabbitmq-0`,
      `rabbit@tasks.${STACK}-rabbitmq-1`,
    ]);
    // The runbook's failure row for this node says what was just observed.
    assert.ok(
      state.expectedLoss!.includes(`RabbitMQ keeps quorum (${running.length} of 3 members)`),
      `the runbook says: ${state.expectedLoss!.join("; ")}`,
    );
    const password = must(docker("exec", member, "cat", "/run/secrets/default-pass"), "secret");
    const { status, result, r } = amqp(
      member,
      password,
      "consume",
      "127.0.0.1",
      QUEUE,
      String(MESSAGES),
    );
    assert.equal(status, 0, `consume failed: ${JSON.stringify(result)} ${tail(r.stderr)}`);
    record("multinode.rabbitmq.consumed", result.consumed);
    record("multinode.rabbitmq.consumeSeconds", result.seconds, "s");
    assert.deepEqual(
      {
        consumed: result.consumed,
        distinct: result.distinct,
        missing: result.missing,
        unexpected: result.unexpected,
      },
      { consumed: state.confirmed, distinct: state.confirmed, missing: [], unexpected: [] },
    );
    console.log(
      `# queue ${QUEUE} after the loss: leader ${info.leader}, members ${info.members.join(", ")}`,
    );
  });

  it("MinIO serves every object written before the loss", (t) => {
    t.skip(
      "needs a real MinIO: github.com/minio/minio is AGPL-3.0 and the machine's package lists mark every AGPL Go module they name not to use, so it is not built here; the stack runs the stand-in S3 image",
    );
  });
});
