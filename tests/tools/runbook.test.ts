import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { describe, it } from "node:test";
import {
  briefSingles,
  impactOf,
  layoutOf,
  managerImpact,
  minioQuorum,
  raftTolerates,
} from "../../tools/runbook-lib/impact";
import { defaultShape, waves } from "../../tools/runbook-lib/document";
import { FACTS, MAINTENANCE } from "../../tools/runbook-lib/procedures";
import type { OpsWorkload } from "../../tools/runbook-lib/workloads";
import { withSection } from "../../tools/runbook";

const root = path.resolve(__dirname, "../..");

/** A workload as the extractor returns it, with what a test does not care about left empty. */
const workload = (name: string, over: Partial<OpsWorkload>): OpsWorkload => ({
  name,
  objectName: `s-${name}`,
  part: "apps",
  state: "stateless",
  scheduling: "replicated",
  replicas: 2,
  spread: "soft",
  managersOnly: false,
  nodeLocalVolumes: [],
  movableVolumes: [],
  hostPorts: [],
  meshPorts: [],
  hosts: [],
  after: [],
  ...over,
});

const member = (cluster: string, i: number, node: string) =>
  workload(`${cluster}-${i}`, {
    state: "stateful",
    scheduling: "singleton",
    replicas: 1,
    cluster,
    pinnedTo: node,
    nodeLocalVolumes: [`${cluster}-${i}-data`],
  });

const shape = {
  nodes: ["node-1", "node-2", "node-3", "node-4"],
  managers: ["node-1", "node-2", "node-3"],
};
const minio = [0, 1, 2, 3].map((i) => member("minio", i, `node-${i + 1}`));
const rabbit = [0, 1, 2].map((i) => member("rabbitmq", i, `node-${i + 1}`));
const frontend = workload("frontend", { replicas: 2 });
const all = [frontend, ...minio, ...rabbit];
const layout = layoutOf(all, shape);
const lose = (...nodes: string[]) => impactOf(all, layout, shape, FACTS.swarm, nodes);

describe("quorum arithmetic", () => {
  it("a Raft group of N tolerates floor((N-1)/2) losses", () => {
    assert.deepEqual([1, 2, 3, 4, 5, 7].map(raftTolerates), [0, 0, 1, 1, 2, 3]);
  });
  it("a distributed MinIO of N servers reads with N/2 and writes with N/2+1", () => {
    assert.deepEqual(minioQuorum(4), { read: 2, write: 3 });
    assert.deepEqual(minioQuorum(6), { read: 3, write: 4 });
    assert.deepEqual(minioQuorum(8), { read: 4, write: 5 });
  });
  it("Swarm managers: 3 keep quorum with 2, lose it with 1", () => {
    assert.equal(
      managerImpact(3, 2, FACTS.swarm),
      "Swarm keeps its quorum (2 of 3 managers; it tolerates 1 lost)",
    );
    assert.equal(
      managerImpact(3, 1, FACTS.swarm),
      "Swarm loses its quorum (1 of 3 managers; 2 needed): running copies keep serving, but nothing is scheduled, rescheduled or updated until a majority is back",
    );
    assert.match(
      managerImpact(5, 3, FACTS.swarm),
      /keeps its quorum \(3 of 5 managers; it tolerates 2 lost\)/,
    );
  });
});

describe("failure impact", () => {
  it("places pinned members on their nodes and spreads replicas", () => {
    assert.deepEqual(layout.get("minio-1"), ["node-2"]);
    assert.deepEqual(layout.get("rabbitmq-2"), ["node-3"]);
    assert.deepEqual(layout.get("frontend"), ["node-1", "node-2"]);
  });
  it("losing node-2 stops minio-1: S3 keeps serving (3 of 4 servers)", () => {
    const { stops, impact } = lose("node-2");
    assert.deepEqual(stops, ["1× frontend", "minio-1", "rabbitmq-1"]);
    assert.deepEqual(impact, [
      "frontend: 1 of 2 serve; the lost copy restarts on another node",
      "minio-1 stays down until node-2 is back (pinned there)",
      "rabbitmq-1 stays down until node-2 is back (pinned there)",
      "S3 keeps serving (3 of 4 servers)",
      "RabbitMQ keeps quorum (2 of 3 members)",
      "Swarm keeps its quorum (2 of 3 managers; it tolerates 1 lost)",
    ]);
  });
  it("losing two nodes leaves S3 read-only and RabbitMQ without quorum", () => {
    const { impact } = lose("node-1", "node-2");
    assert.ok(impact.includes("S3 serves reads only (2 of 4 servers; writes need 3)"));
    assert.ok(
      impact.includes(
        "RabbitMQ loses quorum (1 of 3 members; 2 needed): quorum queues refuse publishes until a majority is back",
      ),
    );
    assert.ok(impact.includes("frontend stops: it restarts on another node"));
  });
  it("losing three of four S3 servers stops S3", () => {
    assert.ok(
      lose("node-1", "node-2", "node-3").impact.includes("S3 stops (1 of 4 servers; reads need 2)"),
    );
  });
  it("losing node-4 touches neither RabbitMQ nor the managers", () => {
    assert.deepEqual(lose("node-4").impact, [
      "minio-3 stays down until node-4 is back (pinned there)",
      "S3 keeps serving (3 of 4 servers)",
    ]);
  });
  it("one member alone: the others keep serving", () => {
    const { impact } = impactOf(all, layout, shape, FACTS.swarm, [], {
      name: "rabbitmq-1",
      index: 0,
    });
    assert.deepEqual(impact, [
      "rabbitmq-1 is restarted by Swarm (on its node, or another where it is not pinned)",
      "RabbitMQ keeps quorum (2 of 3 members)",
    ]);
  });
  it("an unpinned stateful singleton restarts elsewhere with an empty volume", () => {
    const grafana = workload("grafana", {
      state: "stateful",
      scheduling: "singleton",
      replicas: 1,
      nodeLocalVolumes: ["grafana-data"],
    });
    const l = layoutOf([grafana], shape);
    assert.deepEqual(impactOf([grafana], l, shape, FACTS.swarm, ["node-1"]).impact, [
      "grafana stops: it restarts on another node with an EMPTY volume (grafana-data stays on the lost node)",
      "Swarm keeps its quorum (2 of 3 managers; it tolerates 1 lost)",
    ]);
  });
  it("a hard-spread set with a copy on every node cannot move when one node is drained", () => {
    const set = workload("minio", {
      replicas: 4,
      spread: "hard",
      cluster: "minio",
      state: "stateful",
    });
    const l = layoutOf([set, frontend], shape);
    assert.deepEqual(briefSingles([set, frontend], l, shape, "node-2"), {
      single: ["frontend"],
      down: [],
      stuck: ["minio"],
    });
  });
});

describe("runbook procedures", () => {
  it("Swarm maintenance: drain, wait empty, wait ready, active, then spread stateless sets again", () => {
    const steps = MAINTENANCE.swarm("node-2", all, {} as never);
    assert.deepEqual(
      steps.filter((s) => s.run).map((s) => s.run!.join(" ")),
      [
        "docker node update --availability drain node-2",
        "docker node ps node-2 --filter desired-state=running --format {{.Name}}",
        "docker node inspect node-2 --format {{.Status.State}}",
        "docker node update --availability active node-2",
        "docker service update --force --quiet s-frontend",
      ],
    );
    assert.deepEqual(steps[1].until, { equals: "", timeoutSeconds: 300 });
  });
  it("orders the rollout in waves after dependencies", () => {
    const w = [
      workload("backend", { after: ["bucket-init", "rabbitmq"] }),
      workload("rabbitmq", {}),
      workload("bucket-init", { scheduling: "job", after: ["minio"] }),
      workload("minio", {}),
    ].map((x) =>
      x.scheduling === "job"
        ? x
        : {
            ...x,
            rollout: {
              order: "start-first" as const,
              parallelism: 1,
              delaySeconds: 0,
              monitorSeconds: 0,
              autoRollback: true,
              canary: 0,
            },
          },
    );
    assert.deepEqual(waves(w), [["rabbitmq", "minio"], ["bucket-init"], ["backend"]]);
  });
  it("describes at least three nodes, the pinned ones by name, three managers", () => {
    assert.deepEqual(defaultShape([frontend]), {
      nodes: ["node-1", "node-2", "node-3"],
      managers: ["node-1", "node-2", "node-3"],
    });
    // Four members pinned to four nodes: those four are the cluster.
    assert.deepEqual(defaultShape([member("minio", 0, "nas-a"), ...minio.slice(1)]).nodes, [
      "nas-a",
      "node-2",
      "node-3",
      "node-4",
    ]);
  });
  it("replaces a stack's section between its markers and appends a missing one", () => {
    const doc = "# Ops\n\n<!-- runbook:a -->\nold\n<!-- /runbook:a -->\n";
    assert.equal(
      withSection(doc, "a", "new\n"),
      "# Ops\n\n<!-- runbook:a -->\n\nnew\n\n<!-- /runbook:a -->\n",
    );
    assert.equal(
      withSection("# Ops\n", "b", "x\n"),
      "# Ops\n\n<!-- runbook:b -->\n\nx\n\n<!-- /runbook:b -->\n",
    );
  });
});

function runbookCli(...args: string[]) {
  const r = spawnSync(
    process.execPath,
    ["--import", path.join(root, "tools/loader.mjs"), path.join(root, "tools/runbook.ts"), ...args],
    {
      cwd: root,
      encoding: "utf8",
    },
  );
  return { status: r.status, stdout: r.stdout, stderr: r.stderr.trim() };
}

describe("npm run runbook: bad input", () => {
  it("names a missing stack file and the fix", () => {
    const r = runbookCli("--stack", "nope");
    assert.equal(r.status, 2);
    assert.equal(
      r.stderr,
      `Stack file ${path.join(root, "Pulumi.nope.yaml")} does not exist. Fix: name an existing stack (Pulumi.<stack>.yaml) or pass --config FILE.`,
    );
  });
  it("names an unknown option", () => {
    const r = runbookCli("--stak", "x");
    assert.equal(r.status, 2);
    assert.match(r.stderr, /^npm run runbook: unknown option --stak\. usage: npm run runbook -- /);
  });
  it("names a bad node count and the fix", () => {
    const r = runbookCli("--stack", "swarm-example", "--nodes", "two");
    assert.equal(r.status, 1);
    assert.equal(
      r.stderr,
      '--nodes is "two": not a positive whole number. Fix: give a count, e.g. --nodes 3.',
    );
  });
});
