import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, it } from "node:test";

const root = path.resolve(__dirname, "../..");
const doc = path.join(root, "docs/operations.md");

/** The example stacks: every Pulumi.*-example.yaml at the project root. */
const examples = fs
  .readdirSync(root)
  .filter((f) => /^Pulumi\..+-example\.yaml$/.test(f))
  .map((f) => f.replace(/^Pulumi\.|\.yaml$/g, ""))
  .sort();

/** Lines each example's runbook must hold, computed by hand from its settings. */
const EXPECTED: Record<string, string[]> = {
  // 4 MinIO servers and 3 RabbitMQ members, one service each, spread over 4 nodes.
  "swarm-example": [
    "| losing node-2 | node-exporter, cadvisor, portainer-agent, 1× frontend, 1× traefik, minio-1, rabbitmq-1, prowlarr, transmission, 1× worker, 1× backend |",
    "Briefly down (their only copy moves): minio-1, rabbitmq-1, prowlarr, transmission.",
    "| 2 of 3 managers | control | Swarm loses its quorum (1 of 3 managers; 2 needed)",
  ],
  // A StatefulSet of 4 with required anti-affinity on 4 nodes: a drained node's pod cannot move.
  "k8s-example": [
    "so one copy stays down until node-2 is active again: minio.",
    "S3 keeps serving (3 of 4 servers); RabbitMQ keeps quorum (2 of 3 members)",
    "`kubectl drain node-2 --ignore-daemonsets --delete-emptydir-data --timeout=10m`",
  ],
  // Members pinned to named Nomad clients (homeport:apps.nodes): they wait for their node.
  "nomad-example": [
    "rabbitmq-1 stays down until nomad-2 is back (pinned there)",
    "| an S3 server (minio-1) | one member | minio-1 is restarted by Nomad (on its node, or another where it is not pinned); S3 keeps serving (3 of 4 servers) |",
    "`nomad node drain -enable -deadline 30m -yes NODE_ID`",
  ],
};

describe("docs/operations.md", () => {
  it("has a section for every example stack", () => {
    assert.deepEqual(examples, ["k8s-example", "nomad-example", "swarm-example"]);
  });
  for (const stack of examples) {
    it(`holds the runbook that npm run runbook generates for ${stack}`, () => {
      const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "runbook-")), `${stack}.md`);
      const r = spawnSync(
        process.execPath,
        [
          "--import",
          path.join(root, "tools/loader.mjs"),
          path.join(root, "tools/runbook.ts"),
          "--stack",
          stack,
          "--out",
          out,
        ],
        { cwd: root, encoding: "utf8" },
      );
      assert.equal(r.status, 0, r.stderr);
      const generated = fs.readFileSync(out, "utf8");
      for (const line of EXPECTED[stack]) assert.ok(generated.includes(line), `${stack}: ${line}`);
      const text = fs.readFileSync(doc, "utf8");
      const begin = `<!-- runbook:${stack} -->\n\n`;
      const a = text.indexOf(begin);
      const b = text.indexOf(`\n<!-- /runbook:${stack} -->`);
      assert.ok(a >= 0 && b > a, `no section for ${stack}`);
      assert.equal(
        text.slice(a + begin.length, b),
        generated,
        `docs/operations.md is out of date for ${stack}: npm run runbook -- --stack ${stack} --docs docs/operations.md`,
      );
    });
  }
});
