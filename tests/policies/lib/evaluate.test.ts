import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { RenderedResource } from "../../helpers/harness";
import { renderFixtures, workloadLeaf } from "../fixtures";

let resources: RenderedResource[];
before(async () => {
  resources = await renderFixtures();
});

describe("evaluatePolicies", () => {
  it("finds nothing on the compliant fixtures of the three targets, in production", async () => {
    const { evaluatePolicies } = await import("../../../policies/lib/evaluate");
    const result = await evaluatePolicies(resources, "production");
    assert.deepEqual(result.violations, []);
    assert.equal(
      result.timing.resources,
      resources.filter((r) => r.custom && !r.type.startsWith("pulumi:providers:")).length,
    );
    assert.equal(Object.keys(result.timing.byPolicyMs).length, 34);
  });

  it("reports mandatory violations in production and advisory ones in dev, with severity", async () => {
    const { evaluatePolicies } = await import("../../../policies/lib/evaluate");
    const broken = workloadLeaf(resources, "swarm", "web", (p) => (p.mode.replicated.replicas = 1));
    const expected = {
      policy: "workload-min-replicas",
      severity: "high",
      message:
        'Swarm service "t-web" runs 1 replica(s), fewer than 2: add replicas, or exempt it with the reason it cannot scale out.',
      urn: broken.urn,
    };
    const production = await evaluatePolicies([broken], "production");
    assert.deepEqual(production.violations, [{ ...expected, enforcementLevel: "mandatory" }]);
    const dev = await evaluatePolicies([broken], "dev");
    assert.deepEqual(dev.violations, [{ ...expected, enforcementLevel: "advisory" }]);
  });

  it("skips disabled rules and applies thresholds from the pack config", async () => {
    const { evaluatePolicies } = await import("../../../policies/lib/evaluate");
    const web = workloadLeaf(resources, "nomad", "web");
    const strict = await evaluatePolicies([web], "production", {
      config: { all: "mandatory", "workload-min-replicas": { minReplicas: 5 } },
    });
    assert.deepEqual(
      strict.violations.map((v) => [v.policy, v.enforcementLevel, v.message]),
      [
        [
          "workload-min-replicas",
          "mandatory",
          'Nomad job "web" runs 3 replica(s), fewer than 5: add replicas, or exempt it with the reason it cannot scale out.',
        ],
      ],
    );
    const off = await evaluatePolicies([web], "production", {
      config: { "workload-min-replicas": { enforcementLevel: "disabled", minReplicas: 5 } },
    });
    assert.deepEqual(off.violations, []);
  });
});
