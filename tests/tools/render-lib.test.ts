import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { installRecorder, maskWireValue } from "../../tools/render-lib";

const secret = (value: unknown) => ({
  "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270",
  value,
});

describe("maskWireValue", () => {
  const wire = {
    kind: "Secret",
    stringData: secret({ password: "rendered-db" }),
    list: [secret("x")],
  };

  it("masks every secret by default", () => {
    assert.deepEqual(maskWireValue(wire), {
      kind: "Secret",
      stringData: "[secret]",
      list: ["[secret]"],
    });
  });

  it("keeps the fake values inside secrets with the test-only fakeSecrets option", () => {
    assert.deepEqual(maskWireValue(wire, true), {
      kind: "Secret",
      stringData: { password: "rendered-db" },
      list: ["x"],
    });
  });

  it("masks nested secrets inside a secret's value either way", () => {
    assert.deepEqual(maskWireValue(secret({ a: secret("b") }), true), { a: "b" });
    assert.equal(maskWireValue(secret({ a: secret("b") })), "[secret]");
  });
});

describe("installRecorder", () => {
  it("takes and maps no stack trace until the program has settled, then as before", async () => {
    const debug = process.env.HOMEPORT_DEBUG;
    delete process.env.HOMEPORT_DEBUG;
    try {
      // tsx turns source maps on; Pulumi's runtime takes a trace for every RPC meanwhile.
      assert.equal(process.sourceMapsEnabled, true);
      assert.equal(Error.stackTraceLimit, 10);
      const recorder = await installRecorder("test");
      assert.equal(process.sourceMapsEnabled, false);
      assert.equal(Error.stackTraceLimit, 0);
      assert.equal(new Error("x").stack, "Error: x");
      await recorder.settle();
      assert.equal(process.sourceMapsEnabled, true);
      assert.equal(Error.stackTraceLimit, 10);
    } finally {
      if (debug !== undefined) process.env.HOMEPORT_DEBUG = debug;
    }
  });
});
