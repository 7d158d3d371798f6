/**
 * The pack under the real Pulumi engine: `pulumi preview --policy-pack policies` on a small
 * program whose leaves are Nomad job resources (a dynamic provider: no cluster, no plugin to
 * download). Needs the offline toolchain (npm run toolchain); skipped, with the reason, without it.
 * Run: node --import tsx --test tests/policies/e2e/engine.test.ts
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { runSync } from "../../e2e/lib/shell";
import { jsProject, ROOT, toolchainEnv } from "../../e2e/lib/pulumi";

const job = (id: string, count: number, image: string) => ({
  ID: id,
  Name: id,
  Type: "service",
  Meta: { homeport_dev_workload: id, homeport_dev_part: "apps", homeport_dev_state: "stateless" },
  Spreads: [{ Attribute: "${node.unique.id}", Weight: 100 }],
  Update: { MaxParallel: 1, HealthCheck: "checks", AutoRevert: true, Canary: 1 },
  TaskGroups: [
    {
      Name: id,
      Count: count,
      Networks: [{ Mode: "bridge", DynamicPorts: [{ Label: "http", To: 8080 }] }],
      Services: [
        {
          Name: id,
          PortLabel: "http",
          Provider: "nomad",
          Checks: [{ Type: "http", Path: "/health", PortLabel: "http" }],
        },
      ],
      RestartPolicy: { Attempts: 5, Mode: "fail" },
      Migrate: { MaxParallel: 1 },
      Tasks: [
        {
          Name: id,
          Driver: "docker",
          Config: { image, security_opt: ["no-new-privileges"], cap_drop: ["all"] },
          Resources: { CPU: 100, MemoryMB: 64 },
        },
      ],
    },
  ],
});

const PROGRAM = `
const pulumi = require("@pulumi/pulumi");
const fs = require("fs");
const provider = { async create(inputs) { return { id: inputs.jobspec ? "job" : "later", outs: inputs }; } };
const later = new pulumi.dynamic.Resource(provider, "later", { value: "x" }, {}, "test", "Later");
for (const [name, spec] of Object.entries(JSON.parse(fs.readFileSync("jobs.json", "utf8"))))
  new pulumi.dynamic.Resource(provider, name, { jobspec: JSON.stringify(spec) }, {}, "nomad", "Job");
// A jobspec that is not known during preview: "not known yet", never a violation.
new pulumi.dynamic.Resource(provider, "pending", { jobspec: later.id.apply((id) => id) }, {}, "nomad", "Job");
`;

let env: NodeJS.ProcessEnv | string;
let dir = "";

before(() => {
  env = toolchainEnv();
  if (typeof env === "string") return;
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "homeport-policy-e2e-"));
  const project = path.join(dir, "project");
  jsProject(project, "policy-e2e", PROGRAM);
  fs.mkdirSync(path.join(dir, "state"));
  fs.writeFileSync(
    path.join(project, "jobs.json"),
    JSON.stringify({
      web: job("web", 3, "registry.example/web:1.4.2"),
      single: job("single", 1, "registry.example/web:latest"),
    }),
  );
  env = {
    ...env,
    PULUMI_BACKEND_URL: `file://${path.join(dir, "state")}`,
    PULUMI_CONFIG_PASSPHRASE: "policy-e2e",
  };
  const init = runSync("pulumi", ["stack", "init", "e2e", "--non-interactive"], {
    cwd: project,
    env,
  });
  assert.equal(init.status, 0, init.stderr);
});

after(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

function preview(environment: string) {
  return runSync(
    "pulumi",
    [
      "preview",
      "--non-interactive",
      "--stack",
      "e2e",
      "--policy-pack",
      path.join(ROOT, "policies"),
      "--policy-pack-config",
      path.join(ROOT, "policies", "config", `${environment}.json`),
    ],
    { cwd: path.join(dir, "project"), env: env as NodeJS.ProcessEnv, timeoutMs: 5 * 60_000 },
  );
}

const SINGLE = [
  'Nomad job "single": task "single": image "registry.example/web:latest" uses the "latest" tag; pin a version tag or a digest.',
  'Nomad job "single" runs 1 replica(s), fewer than 2: add replicas, or exempt it with the reason it cannot scale out.',
];

describe("the policy pack under pulumi preview", () => {
  it("fails the preview on mandatory violations in production, naming only the bad job", (t) => {
    if (typeof env === "string") return t.skip(env);
    const r = preview("production");
    const out = r.stdout + r.stderr;
    assert.notEqual(r.status, 0, out);
    for (const message of SINGLE) assert.ok(out.includes(message), `missing: ${message}\n${out}`);
    assert.match(out, /\[mandatory\] \[severity: high\]\s+workload-min-replicas/);
    assert.ok(!out.includes('Nomad job "web"'), out);
    assert.ok(!out.includes("can't run policy"), out);
  });

  it("reports the same violations as advisory in dev, and the preview succeeds", (t) => {
    if (typeof env === "string") return t.skip(env);
    const r = preview("dev");
    const out = r.stdout + r.stderr;
    assert.equal(r.status, 0, out);
    for (const message of SINGLE) assert.ok(out.includes(message), `missing: ${message}\n${out}`);
    assert.match(out, /\[advisory\] \[severity: high\]\s+workload-min-replicas/);
  });
});
