import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { describe, it } from "node:test";
import { RenderResult } from "../../tools/render-lib";
import { stackFileForThisMachine } from "../e2e/lib/stacks";
import { TOKENS } from "../helpers/types";

const root = path.resolve(__dirname, "../..");

/** The machine the dev stack is for, and the e2e suite's: two cores. */
const MACHINE_NANO_CPUS = 2_000_000_000;

interface ServiceInputs {
  name: string;
  mode?: { global?: boolean; replicated?: { replicas?: number } };
  updateConfig?: { order?: string };
  taskSpec: { resources?: { reservation?: { nanoCpus?: number } } };
}

function renderServices(...args: string[]): ServiceInputs[] {
  const r = spawnSync(
    process.execPath,
    ["--import", path.join(root, "tools/loader.mjs"), path.join(root, "tools/render.ts"), ...args],
    { cwd: root, encoding: "utf8" },
  );
  assert.equal(r.status, 0, r.stderr);
  return (JSON.parse(r.stdout) as RenderResult).resources
    .filter((res) => res.type === TOKENS.swarmService)
    .map((res) => res.inputs as unknown as ServiceInputs);
}

/**
 * What Swarm's scheduler holds for the stack on one node: every task's CPU reservation, a global
 * service's once; and the most a start-first update adds while the new task starts beside the old.
 */
function reserved(services: ServiceInputs[]): { total: number; update: number } {
  const cpu = (s: ServiceInputs) => s.taskSpec.resources?.reservation?.nanoCpus ?? 0;
  const tasks = (s: ServiceInputs) => (s.mode?.global ? 1 : (s.mode?.replicated?.replicas ?? 1));
  return {
    total: services.reduce((sum, s) => sum + tasks(s) * cpu(s), 0),
    update: Math.max(
      0,
      ...services.filter((s) => s.updateConfig?.order === "start-first").map(cpu),
    ),
  };
}

describe("the dev stack on a two-core machine", () => {
  it("reserves 1.85 CPUs, and a start-first update at most 0.1 more: within two cores", () => {
    const services = renderServices("--stack", "dev");
    const { total, update } = reserved(services);
    assert.equal(services.length, 19);
    assert.equal(total, 1_850_000_000);
    assert.equal(update, 100_000_000);
    assert.ok(total + update <= MACHINE_NANO_CPUS);
  });

  it("with the e2e suite's overrides (one proxy) reserves 1.75 CPUs", () => {
    const { total, update } = reserved(renderServices("--config", stackFileForThisMachine("dev")));
    assert.equal(total, 1_750_000_000);
    assert.ok(total + update <= MACHINE_NANO_CPUS);
  });
});
