import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { before, describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { ConfigError } from "../../components/config/load";
import { readStackFile } from "../../components/config/stack-file";
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

  it("reads which exact paths are encrypted from the stack's own file", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "homeport-stack-"));
    const file = path.join(dir, "Pulumi.test.yaml");
    fs.writeFileSync(
      file,
      [
        "config:",
        "  homeport:target: nomad",
        "  homeport:domain: home.example.org",
        "  homeport:parts: [proxy]",
        "  homeport:nomad: {address: http://10.0.0.1:4646}",
        "  homeport:proxy:",
        "    nomadToken: plain-token",
        "    certificate:",
        "      cert: cert.pem",
        "      key: {secure: AAABAKEYCIPHERTEXT}",
        "",
      ].join("\n"),
    );
    try {
      const { config, secretKeys } = readStackFile(file);
      // Pulumi marks the whole top-level key secret: only the file tells the two leaves apart.
      assert.deepEqual(secretKeys, ["homeport:proxy"]);
      pulumi.runtime.setAllConfig(config, secretKeys);
      await assert.rejects(program({ stackFile: file }), (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        assert.deepEqual(err.problems, [
          "homeport:proxy.nomadToken is stored in plain text. Fix: store it encrypted with: pulumi config set --secret --path homeport:proxy.nomadToken <value>.",
          `homeport:proxy.certificate.cert is "cert.pem": the file ${path.join(dir, "cert.pem")} does not exist. Fix: give PEM text or the path of an existing PEM file (a relative path is read from the stack file's directory, ${dir}).`,
        ]);
        return true;
      });
      assert.equal(recorder.resources.length, 0);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
