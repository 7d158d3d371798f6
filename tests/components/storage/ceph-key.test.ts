import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { cephKey, renderKeyring } from "../../../components/storage/ceph-key";

/** Keys printed by Debian's ceph-authtool 16.2.15 (`ceph-authtool --gen-print-key`). */
const GENERATED_BY_CEPH = [
  "AQDllw5r7875LhAAS6P2b771GxE3SNTTh9U6Hg==",
  "AQDllw5r4I+pNhAAup4arf+abJ72tdwRdoEkKA==",
];

describe("cephKey", () => {
  it("re-encodes keys that Ceph generated, byte for byte", () => {
    for (const generated of GENERATED_BY_CEPH) {
      const raw = Buffer.from(generated, "base64");
      const key = cephKey({
        secret: raw.subarray(12),
        createdSeconds: raw.readUInt32LE(2),
        createdNanoseconds: raw.readUInt32LE(6),
      });
      assert.equal(key, generated);
    }
  });

  it("encodes the AES type, a zero creation time and the 16-byte length before the secret", () => {
    const secret = Buffer.from("000102030405060708090a0b0c0d0e0f", "hex");
    const key = cephKey({ secret });
    assert.equal(key, "AQAAAAAAAAAAABAAAAECAwQFBgcICQoLDA0ODw==");
    assert.equal(
      Buffer.from(key, "base64").toString("hex"),
      "0100" + "00000000" + "00000000" + "1000" + "000102030405060708090a0b0c0d0e0f",
    );
    // The same bytes given as base64 (what random.RandomBytes exposes) give the same key.
    assert.equal(cephKey({ secret: secret.toString("base64") }), key);
  });

  it("refuses a secret that is not 16 bytes, naming the fix", () => {
    assert.throws(
      () => cephKey({ secret: Buffer.alloc(32) }),
      new Error(
        "a Ceph key secret must be 16 random bytes, got 32: pass 16 bytes (e.g. random.RandomBytes with length 16)",
      ),
    );
    assert.throws(
      () => cephKey({ secret: Buffer.alloc(16), createdSeconds: -1 }),
      new Error(
        "createdSeconds must be a whole number of seconds between 0 and 4294967295, got -1",
      ),
    );
  });
});

describe("renderKeyring", () => {
  it("writes Ceph's plain-text keyring: section, key, quoted caps in service order", () => {
    assert.equal(
      renderKeyring([
        { entity: "mon.", key: "AQA1", caps: { mon: "allow *" } },
        {
          entity: "client.admin",
          key: "AQA2",
          caps: { osd: "allow *", mon: "allow *", mgr: "allow *", mds: "allow *" },
        },
        { entity: "osd.0", key: "AQA3" },
      ]),
      [
        "[mon.]",
        "\tkey = AQA1",
        '\tcaps mon = "allow *"',
        "[client.admin]",
        "\tkey = AQA2",
        '\tcaps mds = "allow *"',
        '\tcaps mgr = "allow *"',
        '\tcaps mon = "allow *"',
        '\tcaps osd = "allow *"',
        "[osd.0]",
        "\tkey = AQA3",
        "",
      ].join("\n"),
    );
  });
});
