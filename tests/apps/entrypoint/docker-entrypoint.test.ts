import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";

const ENTRYPOINT = join(__dirname, "../../../apps/entrypoint/docker-entrypoint.sh");

function run(env: Record<string, string>, argv: string[]) {
  const result = spawnSync("sh", [ENTRYPOINT, ...argv], {
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...env },
    encoding: "utf8",
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

const printEnv = [
  "sh",
  "-c",
  'printf "%s|%s|%s\\n" "$AWS_SECRET_ACCESS_KEY" "${AWS_SECRET_ACCESS_KEY_FILE:-}" "$S3_BUCKET_NAME"',
];

describe("app images' entrypoint", () => {
  it("loads each <VAR>_FILE into <VAR> and drops <VAR>_FILE before running the command", () => {
    const dir = mkdtempSync(join(tmpdir(), "homeport-entrypoint-"));
    writeFileSync(join(dir, "s3-secret-key"), "k3y with spaces");
    const result = run(
      { AWS_SECRET_ACCESS_KEY_FILE: join(dir, "s3-secret-key"), S3_BUCKET_NAME: "images" },
      printEnv,
    );
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stdout, "k3y with spaces||images\n");
  });

  it("keeps a variable that is already set", () => {
    const result = run(
      {
        AWS_SECRET_ACCESS_KEY: "direct",
        AWS_SECRET_ACCESS_KEY_FILE: "/nonexistent",
        S3_BUCKET_NAME: "b",
      },
      printEnv,
    );
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stdout, "direct||b\n");
  });

  it("refuses to start when a named secret file cannot be read", () => {
    const result = run({ CELERY_BROKER_URL_FILE: "/nonexistent/broker-url" }, ["true"]);
    assert.equal(result.status, 1);
    assert.equal(
      result.stderr,
      "docker-entrypoint: CELERY_BROKER_URL_FILE names /nonexistent/broker-url, which cannot be read\n",
    );
  });

  it("passes the command's exit status through", () => {
    assert.equal(run({}, ["sh", "-c", "exit 7"]).status, 7);
  });

  it("refuses a shutdown delay that is not a whole number of seconds, naming the setting", () => {
    const result = run({ SHUTDOWN_DELAY_SECONDS: "2s" }, ["true"]);
    assert.equal(result.status, 1);
    assert.equal(
      result.stderr,
      "docker-entrypoint: SHUTDOWN_DELAY_SECONDS is '2s'; set it to a whole number of seconds\n",
    );
  });

  it("with SHUTDOWN_DELAY_SECONDS, passes SIGTERM on to the command that many seconds later, and its status back", async () => {
    // The command says when it is up, and exits 3 on SIGTERM.
    const child = spawn(
      "sh",
      [ENTRYPOINT, "sh", "-c", 'trap "exit 3" TERM; echo up; while :; do sleep 0.05; done'],
      { env: { PATH: process.env.PATH ?? "/usr/bin:/bin", SHUTDOWN_DELAY_SECONDS: "1" } },
    );
    let stdout = "";
    await new Promise<void>((resolve) =>
      child.stdout.on("data", (d: Buffer) => {
        stdout += d.toString();
        if (stdout.includes("up")) resolve();
      }),
    );
    const sent = Date.now();
    child.kill("SIGTERM");
    const status = await new Promise<number | null>((resolve) => child.on("exit", resolve));
    assert.equal(status, 3);
    assert.ok(Date.now() - sent >= 1000, `the command stopped after ${Date.now() - sent} ms`);
  });
});
