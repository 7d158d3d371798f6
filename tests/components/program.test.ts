import assert from "node:assert/strict";
import * as path from "node:path";
import { before, describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { ConfigError } from "../../components/config/load";
import { startRecorder, Recorder } from "../helpers/harness";

/** No stack file of that name: secrets are then judged by Pulumi's top-level secret keys. */
const NO_STACK_FILE = path.join(__dirname, "no-such-dir", "Pulumi.test.yaml");
const base = { "homeport:target": "swarm", "homeport:domain": "home.example.org" };

describe("the program with a bad stack configuration", () => {
  let recorder: Recorder;
  let program: typeof import("../../components/program").program;
  before(async () => {
    recorder = await startRecorder();
    ({ program } = await import("../../components/program"));
  });

  // Each of these used to be found while the parts were built, after resources were registered.
  const cases: [string, Record<string, string>][] = [
    ["sizes.alertmanager: 2", { ...base, "homeport:sizes": '{"alertmanager":2}' }],
    ["Nomad without a monitoring address", { ...base, "homeport:target": "nomad" }],
    [
      "a certificate file that does not exist",
      { ...base, "homeport:proxy": '{"certificate":{"cert":"missing.pem","key":"[secret]"}}' },
    ],
    [
      "sizes.proxy: 3 with ACME on Swarm",
      {
        ...base,
        "homeport:sizes": '{"proxy":3}',
        "homeport:proxy": '{"acme":{"email":"a@example.org"}}',
      },
    ],
  ];
  for (const [what, config] of cases) {
    it(`registers no resource at all before refusing ${what}`, async () => {
      pulumi.runtime.setAllConfig(config, ["homeport:proxy"]);
      const before = recorder.resources.length;
      await assert.rejects(program({ stackFile: NO_STACK_FILE }), ConfigError);
      await recorder.settle();
      assert.equal(recorder.resources.length - before, 0);
      assert.equal(recorder.resources.length, 0);
    });
  }
});
