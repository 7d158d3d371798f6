import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { duration } from "../../../../components/model/units";
import { nanoseconds } from "../../../../components/platforms/nomad/units";

describe("Nomad's notation of the model's units", () => {
  it("writes durations in nanoseconds", () => {
    assert.equal(nanoseconds(duration("5s")), 5_000_000_000);
  });
});
