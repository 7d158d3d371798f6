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
    ["--import", path.join(root, "tools/loader.mjs"), path.join(root, "tools/render.ts"), ...args],
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

/** Resources that hold a stack's data (Nomad's host volumes are node directories, not resources). */
const DATA_TYPES = ["docker:index/volume:Volume", "kubernetes:core/v1:PersistentVolumeClaim"];

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
      // Data outlives destroy: every volume or claim is retained, and protected in production,
      // and so is the stack's own Kubernetes namespace, whose deletion would delete the claims
      // in it; nothing else is.
      const production = result.outputs.environment === "production";
      const data = result.resources.filter((r) => DATA_TYPES.includes(r.type));
      for (const r of result.resources) {
        const holdsData =
          DATA_TYPES.includes(r.type) ||
          (r.type === "kubernetes:core/v1:Namespace" && r.name === "kubernetes-namespace");
        assert.deepEqual(
          { name: r.name, retainOnDelete: r.retainOnDelete, protect: r.protect },
          { name: r.name, retainOnDelete: holdsData, protect: holdsData && production },
        );
      }
      const claimTemplates = result.resources.filter(
        (r) =>
          r.type === TOKENS.statefulSet &&
          JSON.stringify(r.inputs).includes("volumeClaimTemplates"),
      );
      for (const set of claimTemplates) {
        assert.deepEqual(
          (set.inputs.spec as Record<string, unknown>).persistentVolumeClaimRetentionPolicy,
          { whenDeleted: "Retain", whenScaled: "Retain" },
        );
      }
      assert.ok(
        data.length + claimTemplates.length > 0 || target === "nomad",
        `${stack}: expected data volumes`,
      );
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
        '  - homeport:parts.1 is "monitorin": must be one of proxy, monitoring, apps, media, edge. Fix: name one of the parts proxy, monitoring, apps, media, edge.',
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

  describe("one line, a non-zero exit and no stack trace for a bad file or command line", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "render-errors-"));
    const file = (name: string, text: string) => {
      fs.writeFileSync(path.join(dir, name), text);
      return path.join(dir, name);
    };
    const usage = "usage: npm run render -- (--stack NAME | --config FILE) [--out FILE]";
    const cases: [string, string[], number, string][] = [
      [
        "bad indentation",
        [
          "--config",
          file("indent.yaml", "config:\n  homeport:target: swarm\n   homeport:domain: x\n"),
        ],
        1,
        `${dir}/indent.yaml:3:19: not valid YAML: bad indentation of a mapping entry. Fix: indent each setting with spaces, as deep as the settings beside it.`,
      ],
      [
        "a tab",
        ["--config", file("tab.yaml", "config:\n\thomeport:target: swarm\n")],
        1,
        `${dir}/tab.yaml:2:1: not valid YAML: tab characters must not be used in indentation. Fix: indent with spaces, not tabs.`,
      ],
      [
        "a duplicate key",
        [
          "--config",
          file(
            "dup.yaml",
            "config:\n  homeport:target: swarm\n  homeport:domain: a.b\n  homeport:target: nomad\n",
          ),
        ],
        1,
        `${dir}/dup.yaml:4:3: not valid YAML: duplicated mapping key. Fix: keep one of the two "homeport:target" entries.`,
      ],
      [
        "a directory as the stack file",
        ["--config", dir],
        2,
        `Stack file ${dir} is not a file. Fix: name an existing stack (Pulumi.<stack>.yaml) or pass --config FILE.`,
      ],
      ["an unknown flag", ["--stak", "dev"], 2, `npm run render: unknown option --stak. ${usage}`],
      ["a positional argument", ["dev"], 2, `npm run render: unexpected argument dev. ${usage}`],
      [
        "a flag without its value",
        ["--stack"],
        2,
        `npm run render: option --stack needs a value. ${usage}`,
      ],
    ];
    for (const [what, args, status, message] of cases) {
      it(`${what}`, () => {
        const out = render(...args);
        assert.equal(out.status, status);
        assert.equal(out.stdout, "");
        assert.equal(out.stderr, `${message}\n`);
      });
    }
  });
});
