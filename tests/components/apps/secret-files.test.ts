import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { secretFilePrelude, withSecretFiles } from "../../../components/apps/secret-files";

/** Runs a command line the way a container would, with only `env` in its environment. */
function run(argv: string[], env: Record<string, string>) {
  const result = spawnSync(argv[0], argv.slice(1), {
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...env },
    encoding: "utf8",
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe("secret files prelude", () => {
  it("reads each *_FILE into its variable and drops the *_FILE variable", () => {
    const dir = mkdtempSync(join(tmpdir(), "homeport-secrets-"));
    writeFileSync(join(dir, "broker-url"), "amqp://homeport:p4ss@rabbitmq:5672//");
    const argv = withSecretFiles(
      [{ env: "CELERY_BROKER_URL" }, { env: "AWS_SECRET_ACCESS_KEY" }],
      ["sh", "-c", 'echo "url=$CELERY_BROKER_URL file=${CELERY_BROKER_URL_FILE:-unset}"'],
    );
    const result = run(argv, { CELERY_BROKER_URL_FILE: join(dir, "broker-url") });
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stdout, "url=amqp://homeport:p4ss@rabbitmq:5672// file=unset\n");
  });

  it("leaves variables set directly (Kubernetes, Nomad) untouched", () => {
    const argv = withSecretFiles(
      [{ env: "AWS_ACCESS_KEY_ID" }],
      ["sh", "-c", 'echo "key=$AWS_ACCESS_KEY_ID"'],
    );
    assert.equal(run(argv, { AWS_ACCESS_KEY_ID: "direct" }).stdout, "key=direct\n");
  });

  it("fails when a named secret file is missing, instead of starting without it", () => {
    const argv = withSecretFiles([{ env: "TOKEN" }], ["true"]);
    const result = run(argv, { TOKEN_FILE: "/nonexistent/token" });
    assert.equal(result.status, 1);
    assert.match(result.stderr, /cannot read \/nonexistent\/token/);
  });

  it("runs extra lines, then executes the program with its arguments", () => {
    const argv = withSecretFiles([], ["echo", "a b", "c"], ["export GREETING=hi"]);
    assert.deepEqual(argv.slice(0, 2), ["sh", "-c"]);
    assert.equal(argv[2], 'export GREETING=hi\nexec "$@"');
    assert.equal(run(argv, {}).stdout, "a b c\n");
  });

  it("uses a custom file variable and rejects names that are not variables", () => {
    assert.equal(
      secretFilePrelude([{ env: "PASS", fileEnv: "PASS_PATH" }]),
      'if [ -n "${PASS_PATH:-}" ]; then PASS="$(cat "$PASS_PATH")" || { echo "cannot read $PASS_PATH" >&2; exit 1; }; export PASS; unset PASS_PATH; fi',
    );
    assert.throws(
      () => secretFilePrelude([{ env: "BAD;rm" }]),
      /"BAD;rm" \/ "BAD;rm_FILE" are not valid variable names/,
    );
  });
});
