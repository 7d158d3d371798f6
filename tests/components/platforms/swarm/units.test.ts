import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { cpu, duration } from "../../../../components/model/units";
import { goDuration, nanoCpus } from "../../../../components/platforms/swarm/units";

describe("Swarm's notation of the model's units", () => {
  it("writes durations as Go duration strings", () => {
    assert.equal(goDuration(duration("90s")), "90s");
    assert.equal(goDuration(duration("1500ms")), "1500ms");
    assert.equal(goDuration(duration("120s")), "2m");
  });

  it("writes CPU as nano-CPUs", () => {
    assert.equal(nanoCpus(cpu("250m")), 250_000_000);
  });
});
