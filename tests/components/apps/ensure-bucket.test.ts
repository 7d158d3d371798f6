import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { ENSURE_BUCKET_SCRIPT } from "../../../components/apps/ensure-bucket";

/**
 * Runs the bucket job's script with Python against a stand-in `image_api.storage` whose bucket
 * fails `failures` times before S3 "answers"; sleeping is skipped so retries are instant.
 */
function runScript(opts: { exists: boolean; failures: number }) {
  const dir = mkdtempSync(join(tmpdir(), "homeport-bucket-"));
  mkdirSync(join(dir, "image_api"));
  writeFileSync(join(dir, "image_api", "__init__.py"), "");
  writeFileSync(
    join(dir, "image_api", "storage.py"),
    [
      "import os",
      "calls = {'load': 0}",
      "class Bucket:",
      "    name = 'images'",
      "    @property",
      "    def creation_date(self):",
      "        calls['load'] += 1",
      `        if calls['load'] <= ${opts.failures}:`,
      "            raise ConnectionError('S3 is not answering yet')",
      `        return ${opts.exists ? "'2026-01-01'" : "None"}`,
      "    def create(self):",
      "        print('created', flush=True)",
      "bucket = Bucket()",
    ].join("\n"),
  );
  const result = spawnSync(
    "python3",
    [
      "-c",
      `import time\ntime.sleep = lambda s: None\nexec(${JSON.stringify(ENSURE_BUCKET_SCRIPT)})`,
    ],
    {
      cwd: dir,
      encoding: "utf8",
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", PYTHONPATH: dir },
    },
  );
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe("the bucket job's script", () => {
  it("creates a missing bucket once and exits 0", () => {
    const r = runScript({ exists: false, failures: 0 });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, "created\nbucket ready: images\n");
  });

  it("leaves an existing bucket alone", () => {
    const r = runScript({ exists: true, failures: 0 });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, "bucket ready: images\n");
  });

  it("waits for S3 to answer", () => {
    const r = runScript({ exists: false, failures: 2 });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(
      r.stdout,
      "waiting for S3: S3 is not answering yet\nwaiting for S3: S3 is not answering yet\ncreated\nbucket ready: images\n",
    );
  });

  it("fails after 60 attempts, so the deployment stops", () => {
    const r = runScript({ exists: false, failures: 1000 });
    assert.equal(r.status, 1);
    assert.equal(r.stdout.split("\n").filter((l) => l.startsWith("waiting for S3")).length, 60);
  });
});
