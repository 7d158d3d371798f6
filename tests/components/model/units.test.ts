import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { cpu, duration, memory, wholeMebibytes } from "../../../components/model/units";

describe("typed values", () => {
  it("parses durations", () => {
    assert.deepEqual(duration("1h30m"), { kind: "duration", ms: 5_400_000 });
  });

  it("parses memory in binary and decimal units", () => {
    assert.equal(memory("512Mi").bytes, 536_870_912);
    assert.equal(memory("1G").bytes, 1_000_000_000);
    assert.equal(wholeMebibytes(memory("1000000")), 1);
  });

  it("parses CPU as cores or millicores", () => {
    assert.equal(cpu("0.5").millicores, 500);
    assert.equal(cpu("250m").millicores, 250);
  });

  it("rejects values without units with a message that shows the fix", () => {
    assert.throws(() => duration("30"), {
      message:
        '"30" is not a duration: write a number followed by ms, s, m or h, e.g. "30s" or "1h30m".',
    });
    assert.throws(() => memory("12 MB"), {
      message:
        '"12 MB" is not a memory size: write a number with Ki, Mi, Gi or Ti (or k, M, G, T), e.g. "512Mi".',
    });
    assert.throws(() => cpu("half"), {
      message: '"half" is not a CPU amount: write cores ("0.5", "2") or millicores ("250m").',
    });
  });
});
