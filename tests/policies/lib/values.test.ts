import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { unknownCheckingProxy } from "@pulumi/policy";
import { at, plain, UNKNOWN } from "../../../policies/lib/values";

// How the engine hands a string that is not known yet to a policy (see @pulumi/policy proxy.js).
const unknownStringValue = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

describe("plain", () => {
  it("reads the render tool's [unknown] as not known yet", () => {
    assert.equal(at(plain({ a: { b: "[unknown]" } }), "a", "b"), UNKNOWN);
  });

  it("reads CrossGuard's unknown values without throwing", () => {
    const props = unknownCheckingProxy({ spec: { image: unknownStringValue, replicas: 2 } });
    const value = plain(props);
    assert.equal(at(value, "spec", "image"), UNKNOWN);
    assert.equal(at(value, "spec", "replicas"), 2);
  });

  it("stays UNKNOWN below an unknown step", () => {
    assert.equal(at(plain({ a: "[unknown]" }), "a", "b", 0), UNKNOWN);
    assert.equal(at(plain({ a: {} }), "a", "b", 0), undefined);
  });
});
