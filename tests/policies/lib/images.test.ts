import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { unpinnedReason } from "../../../policies/lib/images";

describe("unpinnedReason", () => {
  it("accepts version tags and digests, with registry ports", () => {
    assert.equal(unpinnedReason("traefik:v3.4.1"), undefined);
    assert.equal(unpinnedReason("registry.example:5000/team/app:1.2"), undefined);
    assert.equal(unpinnedReason(`app@sha256:${"0".repeat(64)}`), undefined);
  });

  it("names what is wrong", () => {
    assert.equal(unpinnedReason("registry.example:5000/app"), "has no tag");
    assert.equal(unpinnedReason("app:latest"), 'uses the "latest" tag');
    assert.equal(unpinnedReason("app:"), "has an empty tag");
  });
});
