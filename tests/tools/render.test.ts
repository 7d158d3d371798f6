import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, it } from "node:test";
import { RenderResult } from "../../tools/render-lib";
import { TOKENS } from "../helpers/types";

const root = path.resolve(__dirname, "../..");

function render(...args: string[]) {
  const result = spawnSync(
    process.execPath,
    ["--import", "tsx", path.join(root, "tools/render.ts"), ...args],
    {
      cwd: root,
      encoding: "utf8",
    },
  );
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** The leaf resource type each target's workloads become. */
const WORKLOAD_TYPES: Record<string, string[]> = {
  swarm: [TOKENS.swarmService],
  kubernetes: [TOKENS.deployment, TOKENS.statefulSet, TOKENS.daemonSet],
  nomad: [TOKENS.nomadJob],
};

const stacks = fs
  .readdirSync(root)
  .filter((f) => /^Pulumi\..+\.yaml$/.test(f))
  .map((f) => f.replace(/^Pulumi\.|\.yaml$/g, ""))
  .sort();

describe("npm run render", () => {
  for (const stack of stacks) {
    it(`renders the ${stack} stack with every workload on its target and no secret in clear`, () => {
      const out = render("--stack", stack);
      assert.equal(out.status, 0, out.stderr);
      const result = JSON.parse(out.stdout) as RenderResult;
      assert.equal(result.stack, stack);
      const target = result.outputs.target as string;
      const workloads = result.resources.filter((r) => WORKLOAD_TYPES[target].includes(r.type));
      assert.ok(
        workloads.length >= 3,
        `${stack}: expected the platform's workloads, found ${workloads.length}`,
      );
      for (const r of result.resources) {
        assert.ok(
          r.parent === null || result.resources.some((p) => p.urn === r.parent),
          `${r.name} has an unknown parent`,
        );
      }
      // Mocked generated passwords read "rendered-<name>": one showing up means a secret leaked.
      assert.doesNotMatch(out.stdout, /rendered-/);
      assert.equal(result.outputs.credentials, "[secret]");
    });
  }

  it("prints one clear error per problem for a bad stack file, and nothing else", () => {
    const out = render("--config", path.join(root, "tests/fixtures/Pulumi.bad.yaml"));
    assert.equal(out.status, 1);
    assert.equal(out.stdout, "");
    assert.equal(
      out.stderr,
      [
        "The stack configuration has 3 problems; nothing was deployed:",
        '  - homeport:target is "k3s": must be one of swarm, kubernetes, nomad. Fix: set it to one of swarm, kubernetes, nomad.',
        '  - homeport:parts.1 is "monitorin": must be one of proxy, monitoring, apps. Fix: list each part at most once, among proxy, monitoring, apps.',
        "  - homeport:sizes.backend is -1: must be at least 0. Fix: set a whole number of replicas, 0 or more, e.g. 2.",
        "",
      ].join("\n"),
    );
  });

  it("writes the JSON to --out", () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "render-")), "dev.json");
    const out = render("--stack", "dev", "--out", file);
    assert.equal(out.status, 0, out.stderr);
    assert.equal(out.stdout, "");
    assert.equal((JSON.parse(fs.readFileSync(file, "utf8")) as RenderResult).stack, "dev");
  });

  it("names a missing stack file and the fix", () => {
    const out = render("--stack", "nope");
    assert.equal(out.status, 2);
    assert.equal(
      out.stderr,
      `Stack file ${path.join(root, "Pulumi.nope.yaml")} does not exist. Fix: name an existing stack (Pulumi.<stack>.yaml) or pass --config FILE.\n`,
    );
  });
});
