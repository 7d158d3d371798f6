import assert from "node:assert/strict";
import * as path from "node:path";
import { before, describe, it } from "node:test";
import { stackConfig, startRecorder, testParent } from "../../helpers/harness";

const components = path.resolve(__dirname, "../../../components/platforms");
/** The modules of this process, relative to components/platforms/ or by package name. */
const loaded = () =>
  Object.keys(require.cache).map((file) =>
    file.startsWith(components)
      ? path.relative(components, file)
      : (/node_modules\/(@pulumi\/[^/]+)\//.exec(file)?.[1] ?? file),
  );

let adapter = "";
let before_: string[] = [];
let after_: string[] = [];

before(async () => {
  const rec = await startRecorder("test");
  const { createAdapter } = await import("../../../components/platforms/create-adapter");
  before_ = loaded();
  const config = stackConfig({ target: "swarm", domain: "home.example.org", parts: [] });
  adapter = createAdapter(config, { certResolver: "acme" }, await testParent()).constructor.name;
  await rec.settle();
  after_ = loaded();
});

describe("createAdapter", () => {
  it("makes the adapter of the stack's target", () => {
    assert.equal(adapter, "SwarmPlatform");
  });

  it("loads no adapter before it is asked for one", () => {
    assert.deepEqual(
      before_.filter((m) => /-platform\.ts$/.test(m) || m === "@pulumi/kubernetes"),
      [],
    );
  });

  it("loads the target's adapter only, and not the other orchestrators' SDKs", () => {
    assert.deepEqual(
      after_.filter((m) => /-platform\.ts$/.test(m)),
      ["swarm/swarm-platform.ts"],
    );
    assert.equal(after_.includes("@pulumi/kubernetes"), false);
  });
});
