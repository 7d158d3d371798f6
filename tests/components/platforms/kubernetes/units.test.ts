import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { cpu, duration, memory } from "../../../../components/model/units";
import {
  cpuQuantity,
  memoryQuantity,
  wholeSeconds,
} from "../../../../components/platforms/kubernetes/units";

describe("Kubernetes' notation of the model's units", () => {
  it("writes durations as whole seconds, rounded up", () => {
    assert.equal(wholeSeconds(duration("1500ms")), 2);
  });

  it("writes memory in the largest binary unit that divides it", () => {
    assert.equal(memoryQuantity(memory("1536Mi")), "1536Mi");
    assert.equal(memoryQuantity(memory("2Gi")), "2Gi");
  });

  it("writes CPU in millicores", () => {
    assert.equal(cpuQuantity(cpu("2")), "2000m");
  });
});
