/**
 * End-to-end: the keepalived configuration the program renders for a two-node floating IP, run by
 * Debian's keepalived (2.2.7 on bookworm).
 *
 * 1. `keepalived -t` (config test mode, keepalived(8)) accepts the configuration of each node.
 * 2. Failover for real, in network namespaces of the test's own (tests/e2e/edge/lab.ts): a
 *    keepalived per node with exactly the capabilities the workload asks for, and a stand-in for
 *    Traefik (standin-proxy.mjs, not Traefik) answering on the floating address and serving the
 *    ping the track script asks. A client namespace sends the requests. The master's health
 *    endpoint stops: the address moves and requests answer again; the health endpoint comes back
 *    and the address stays (nopreempt); the new master's keepalived is killed: the address moves
 *    back and requests answer; it restarts and removes the address it left behind; the node holding
 *    the address drops off the network: the address moves; the new holder's keepalived stops
 *    gracefully: the address moves back. Each time taken is printed as a figure, never asserted.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, it, TestContext } from "node:test";
import { FloatingIp, parseFloatingIp } from "../../../components/edge/floating-ip";
import { keepalivedConf, KeepalivedConfArgs } from "../../../components/edge/keepalived-conf";
import {
  KEEPALIVED_CAPABILITIES,
  keepalivedCommand,
} from "../../../components/edge/keepalived-workload";
import { record, seconds } from "../lib/figures";
import { run, runSync, sleep, tail, waitFor } from "../lib/shell";
import { INTERFACE, Lab, LabHost, LabProcess, labBlocked, stopIfOurs, SUBNET_PREFIX } from "./lab";

const VIP = "10.250.0.100";
const APP_PORT = 8081;
const PING_PORT = 8082;
const ROUTER_ID = 51;
/** Every wait in this file is bounded by this. */
const STEP_TIMEOUT_MS = 30_000;
/** How long the address must stay put after the first node is healthy again (nopreempt). */
const STAY_MS = 4_000;
const POLL_MS = 100;

const NODES = [
  { name: "node-1", address: "10.250.0.11" },
  { name: "node-2", address: "10.250.0.12" },
] as const;

const floatingIp: FloatingIp = parseFloatingIp({
  address: `${VIP}/${SUBNET_PREFIX}`,
  interface: INTERFACE,
  routerId: ROUTER_ID,
  nodes: [...NODES],
});

const confArgs = (node: string): KeepalivedConfArgs => ({
  floatingIp,
  node,
  ping: { port: PING_PORT },
});

/** keepalived's bounding set: exactly the capabilities the workload asks for. */
const BOUNDING_SET = [
  "-all",
  ...Object.keys(KEEPALIVED_CAPABILITIES).map((c) => `+${c.toLowerCase()}`),
].join(",");

const blocked = labBlocked();
/** The rendered files; made only when the checks can run, removed by the failover suite. */
const dir = blocked ? "" : fs.mkdtempSync(path.join(os.tmpdir(), "homeport-edge-"));

function writeConf(name: string, text: string): string {
  const file = path.join(dir, `${name}.conf`);
  fs.writeFileSync(file, text, { mode: 0o600 });
  return file;
}

describe("keepalived -t accepts the rendered configuration", { skip: blocked }, () => {
  const lab = new Lab(`hpek${process.pid}`);
  let host: LabHost;

  before(() => {
    lab.create();
    // The interface must exist: keepalived -t reports a missing one as an error.
    host = lab.host("t", NODES[0].address);
  });
  after(() => {
    assert.deepEqual(lab.destroy(), []);
  });

  const test = (file: string) =>
    runSync(
      "ip",
      [
        "netns",
        "exec",
        host.ns,
        "setpriv",
        `--bounding-set=${BOUNDING_SET}`,
        "keepalived",
        "--config-test",
        `--use-file=${file}`,
      ],
      { timeoutMs: 20_000 },
    );

  const variants: [string, KeepalivedConfArgs][] = [
    ...NODES.map((n) => [n.name, confArgs(n.name)] as [string, KeepalivedConfArgs]),
    [
      "node-2 with a password and a preempt delay",
      {
        ...confArgs("node-2"),
        floatingIp: { ...floatingIp, preemptDelaySeconds: 60 },
        password: "s3cret",
      },
    ],
  ];
  for (const [label, args] of variants) {
    it(`accepts ${label}`, () => {
      const r = test(writeConf(`t-${label.replace(/\W+/g, "-")}`, keepalivedConf(args)));
      assert.equal(r.status, 0, `keepalived -t exited ${r.status}:\n${r.stdout}${r.stderr}`);
      assert.equal((r.stdout + r.stderr).trim(), "", "keepalived -t printed warnings");
    });
  }

  it("rejects a broken configuration (the check can fail)", () => {
    const broken = keepalivedConf(confArgs("node-1")).replace(
      `virtual_router_id ${ROUTER_ID}`,
      "virtual_router_id 300",
    );
    const r = test(writeConf("t-broken", broken));
    assert.notEqual(r.status, 0);
    assert.match(r.stdout + r.stderr, /VRID '300' not valid/);
  });
});

interface Node {
  readonly name: string;
  readonly host: LabHost;
  readonly conf: string;
  readonly pidFile: string;
  readonly vrrpPidFile: string;
  proxy?: LabProcess;
  keepalived?: LabProcess;
}

/** One look at the network: who answered a request to the address, then who holds it. */
interface Sample {
  readonly at: number;
  readonly holders: string[];
  readonly answeredBy?: string;
}

describe("failover of the floating address between two nodes", { skip: blocked }, () => {
  const lab = new Lab(`hpef${process.pid}`);
  const nodes: Node[] = [];
  let client: LabHost;

  before(() => {
    lab.create();
    client = lab.host("cl", "10.250.0.20");
    for (const n of NODES) {
      nodes.push({
        name: n.name,
        host: lab.host(n.name, n.address),
        conf: writeConf(n.name, keepalivedConf(confArgs(n.name))),
        pidFile: path.join(dir, `${n.name}.pid`),
        vrrpPidFile: path.join(dir, `${n.name}.vrrp.pid`),
      });
    }
  });

  after(() => {
    for (const n of nodes) {
      console.log(
        `# ${n.name} keepalived, last lines:\n${tail(logOf(n), 12).replace(/^/gm, "#   ")}`,
      );
    }
    const problems = lab.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
    assert.deepEqual(problems, []);
  });

  async function sample(): Promise<Sample> {
    const reply = await run(
      "ip",
      [
        "netns",
        "exec",
        client.ns,
        "curl",
        "--silent",
        "--max-time",
        "0.5",
        `http://${VIP}:${APP_PORT}/`,
      ],
      { timeoutMs: 5_000 },
    );
    const holders = nodes.filter((n) => lab.addresses(n.host).includes(VIP)).map((n) => n.name);
    const answeredBy = reply.status === 0 ? reply.stdout.trim() : undefined;
    // The time the look ended: what it saw was true by then (an upper bound, by one look).
    return { at: Date.now(), holders, answeredBy };
  }

  /** Samples until `done` holds; returns the first sample where it did and the failed requests. */
  async function until(
    what: string,
    since: number,
    done: (s: Sample) => boolean,
  ): Promise<{ sample: Sample; requests: { sent: number; failed: number } }> {
    const requests = { sent: 0, failed: 0 };
    const hit = await waitFor(
      what,
      async () => {
        const s = await sample();
        requests.sent++;
        if (!s.answeredBy) requests.failed++;
        return done(s) ? s : undefined;
      },
      STEP_TIMEOUT_MS,
      POLL_MS,
    );
    return { sample: { ...hit, at: hit.at - since }, requests };
  }

  /** Starts keepalived on `node` and waits for its VRRP process, which `destroy` then stops too. */
  async function startKeepalived(node: Node): Promise<void> {
    fs.rmSync(node.vrrpPidFile, { force: true });
    const [, ...args] = keepalivedCommand(node.conf);
    node.keepalived = lab.start(node.host, "setpriv", [
      `--bounding-set=${BOUNDING_SET}`,
      "keepalived",
      ...args,
      `--pid=${node.pidFile}`,
      `--vrrp_pid=${node.vrrpPidFile}`,
    ]);
    const pid = await waitFor(
      `${node.name}'s VRRP process`,
      () =>
        fs.existsSync(node.vrrpPidFile)
          ? Number(fs.readFileSync(node.vrrpPidFile, "utf8"))
          : undefined,
      STEP_TIMEOUT_MS,
      POLL_MS,
    );
    lab.adopt(pid, node.conf);
  }

  const logOf = (node: Node) => node.keepalived?.output() ?? "";
  const states = (node: Node) =>
    [...logOf(node).matchAll(/Entering (\w+) STATE/g)].map((m) => m[1]);

  const [first, second] = [0, 1];
  let ready = false;

  it("elects the first node and answers on the floating address", async (t: TestContext) => {
    for (const node of nodes) {
      node.proxy = lab.start(node.host, process.execPath, [
        path.join(__dirname, "standin-proxy.mjs"),
        node.name,
        String(APP_PORT),
        String(PING_PORT),
      ]);
    }
    await waitFor(
      "the stand-in proxies' ping",
      () => (nodes.every((n) => n.proxy?.output().includes("ping up")) ? true : undefined),
      STEP_TIMEOUT_MS,
      POLL_MS,
    );
    const start = Date.now();
    // The first node starts first, so the election does not depend on which process is quicker.
    await startKeepalived(nodes[first]);
    await startKeepalived(nodes[second]);
    const { sample: s } = await until(
      "one node holds the address and answers",
      start,
      (x) => x.holders.length === 1 && x.answeredBy === x.holders[0],
    );
    record("edge.failover.electionSeconds", seconds(s.at), " s");
    assert.deepEqual(s.holders, [NODES[first].name]);
    // Both hold it when VRRP adverts do not get through; then nothing below would mean anything.
    await sleep(2_000);
    const settled = await sample();
    assert.deepEqual(settled.holders, [NODES[first].name], "exactly one node holds the address");
    assert.equal(settled.answeredBy, NODES[first].name);
    ready = true;
    t.diagnostic(`states: ${nodes.map((n) => `${n.name} ${states(n).join(">")}`).join("; ")}`);
  });

  it("moves the address when the master's health endpoint stops", async (t: TestContext) => {
    if (!ready) return t.skip("no master was elected (see the election check)");
    const since = Date.now();
    nodes[first].proxy?.child.kill("SIGUSR1");
    const moved = await until(
      "the address on the second node only",
      since,
      (s) => s.holders.length === 1 && s.holders[0] === NODES[second].name,
    );
    const answers = await until(
      "a request answered by the second node",
      since,
      (s) => s.answeredBy === NODES[second].name,
    );
    record("edge.failover.pingDown.addressMovedSeconds", seconds(moved.sample.at), " s");
    record("edge.failover.pingDown.answersAgainSeconds", seconds(answers.sample.at), " s");
    // Requests sent one after another (one every POLL_MS plus its own time) until both happened.
    record("edge.failover.pingDown.requests", {
      sent: moved.requests.sent + answers.requests.sent,
      failed: moved.requests.failed + answers.requests.failed,
    });
    assert.ok(states(nodes[first]).includes("FAULT"), `node-1 states: ${states(nodes[first])}`);
  });

  it("keeps the address where it is when the first node is healthy again (nopreempt)", async (t: TestContext) => {
    if (!ready) return t.skip("no master was elected (see the election check)");
    const faults = states(nodes[first]).length;
    const since = Date.now();
    nodes[first].proxy?.child.kill("SIGUSR2");
    await waitFor(
      "node-1 leaves the FAULT state",
      () => (states(nodes[first]).slice(faults).includes("BACKUP") ? true : undefined),
      STEP_TIMEOUT_MS,
      POLL_MS,
    );
    record("edge.failover.pingBack.backupAgainSeconds", seconds(Date.now() - since), " s");
    const deadline = Date.now() + STAY_MS;
    while (Date.now() < deadline) {
      const s = await sample();
      assert.deepEqual(s.holders, [NODES[second].name], "the address moved back by itself");
      assert.equal(s.answeredBy, NODES[second].name);
      await sleep(POLL_MS);
    }
  });

  it("moves the address back when the new master's keepalived is killed", async (t: TestContext) => {
    if (!ready) return t.skip("no master was elected (see the election check)");
    const node = nodes[second];
    const vrrpPid = Number(fs.readFileSync(node.vrrpPidFile, "utf8"));
    const since = Date.now();
    // SIGKILL, as a crash would: keepalived cannot release the address or say goodbye; the other
    // node takes over when adverts stop coming.
    assert.ok(stopIfOurs(vrrpPid, node.conf), "node-2's VRRP process was running");
    node.keepalived?.child.kill("SIGKILL");
    const answers = await until(
      "a request answered by the first node",
      since,
      (s) => s.answeredBy === NODES[first].name && s.holders.includes(NODES[first].name),
    );
    record("edge.failover.keepalivedKilled.answersAgainSeconds", seconds(answers.sample.at), " s");
    record("edge.failover.keepalivedKilled.requests", answers.requests);
    // A killed keepalived leaves the address on its interface; the client follows the new
    // master's gratuitous ARP.
    record(
      "edge.failover.keepalivedKilled.addressLeftOnKilledNode",
      answers.sample.holders.includes(node.name),
    );
  });

  it("a restarted keepalived removes the address it left behind and rejoins as backup", async (t: TestContext) => {
    if (!ready) return t.skip("no master was elected (see the election check)");
    const node = nodes[second];
    const since = Date.now();
    await startKeepalived(node);
    const { sample: s } = await until(
      "only the first node holds the address",
      since,
      (x) =>
        x.holders.length === 1 &&
        x.holders[0] === NODES[first].name &&
        x.answeredBy === NODES[first].name,
    );
    record("edge.failover.restart.singleHolderSeconds", seconds(s.at), " s");
  });

  it("moves the address when the node holding it drops off the network", async (t: TestContext) => {
    if (!ready) return t.skip("no master was elected (see the election check)");
    // The whole node gone, as a power cut would: its link goes down, so neither adverts nor
    // answers come from it any more.
    const since = Date.now();
    const r = runSync("ip", ["-n", nodes[first].host.ns, "link", "set", INTERFACE, "down"]);
    assert.equal(r.status, 0, r.stderr);
    const answers = await until(
      "a request answered by the second node",
      since,
      (s) => s.answeredBy === NODES[second].name,
    );
    record("edge.failover.nodeDown.answersAgainSeconds", seconds(answers.sample.at), " s");
    record("edge.failover.nodeDown.requests", answers.requests);
  });

  it("hands the address over within a second when the holder's keepalived stops gracefully", async (t: TestContext) => {
    if (!ready) return t.skip("no master was elected (see the election check)");
    // The first node comes back (its link up again) and rejoins as backup; the second holds on.
    const backups = states(nodes[first]).filter((x) => x === "BACKUP").length;
    const r = runSync("ip", ["-n", nodes[first].host.ns, "link", "set", INTERFACE, "up"]);
    assert.equal(r.status, 0, r.stderr);
    await waitFor(
      "node-1 back as BACKUP",
      () =>
        states(nodes[first]).filter((x) => x === "BACKUP").length > backups ? true : undefined,
      STEP_TIMEOUT_MS,
      POLL_MS,
    );
    assert.deepEqual((await sample()).holders, [NODES[second].name], "node-2 holds the address");
    // SIGTERM, as a drain or a rolling update sends: keepalived removes the address and sends a
    // priority-0 advert, so the next node need not wait for adverts to stop.
    const since = Date.now();
    nodes[second].keepalived?.child.kill("SIGTERM");
    const moved = await until(
      "the address on the first node only, answering",
      since,
      (s) =>
        s.holders.length === 1 &&
        s.holders[0] === NODES[first].name &&
        s.answeredBy === NODES[first].name,
    );
    record("edge.failover.gracefulStop.answersAgainSeconds", seconds(moved.sample.at), " s");
    record("edge.failover.gracefulStop.requests", moved.requests);
  });
});
