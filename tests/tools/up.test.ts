import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, it } from "node:test";
import { basics, fakes } from "./fakes";

const root = path.resolve(__dirname, "../..");
const SCRIPT = path.join(root, "tools/up.sh");

/**
 * Fake pulumi and docker that log each call to $CALLS and answer as FAKE_* say: the engine's
 * swarm state (FAKE_SWARM, "down" for no engine) and whether the stack exists (FAKE_STACK).
 */
const FAKES = {
  pulumi: [
    'echo "pulumi $*" >> "$CALLS"',
    'if [ "$1 $2" = "stack select" ]; then [ "$FAKE_STACK" = exists ]; exit $?; fi',
    "exit 0",
  ].join("\n"),
  docker: [
    'echo "docker $*" >> "$CALLS"',
    'if [ "$1" = info ]; then [ "$FAKE_SWARM" = down ] && exit 1; echo "$FAKE_SWARM"; fi',
    "exit 0",
  ].join("\n"),
};
const BASICS = ["bash", "sh", "mkdir", "head", "base64", "awk", "dirname", "cat"];

interface Run {
  status: number | null;
  stderr: string;
  calls: string[];
  state: string;
}

function up(
  args: string[],
  opts: {
    swarm?: string;
    stack?: "exists" | "missing";
    withPulumi?: boolean;
    env?: NodeJS.ProcessEnv;
  } = {},
): Run {
  const fake = fakes(opts.withPulumi === false ? { docker: FAKES.docker } : FAKES);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "up-"));
  const calls = path.join(work, "calls");
  const state = path.join(work, "state");
  const r = spawnSync(path.join(basics(BASICS), "bash"), [SCRIPT, ...args], {
    encoding: "utf8",
    env: {
      PATH: [fake, basics(BASICS)].join(path.delimiter),
      HOME: work,
      HOMEPORT_TOOLCHAIN_DIR: path.join(work, "no-toolchain"),
      HOMEPORT_STATE_DIR: state,
      CALLS: calls,
      FAKE_SWARM: opts.swarm ?? "active",
      FAKE_STACK: opts.stack ?? "exists",
      ...opts.env,
    },
  });
  const logged = fs.existsSync(calls) ? fs.readFileSync(calls, "utf8").trim().split("\n") : [];
  return { status: r.status, stderr: r.stderr, calls: logged, state };
}

const UP =
  "pulumi up --stack dev --policy-pack policies --policy-pack-config policies/config/dev.json";

describe("npm run up / npm run down (tools/up.sh)", () => {
  it("without the Pulumi CLI says how to install it or build it offline, and does nothing", () => {
    const r = up(["up"], { withPulumi: false });
    assert.equal(r.status, 1);
    assert.equal(
      r.stderr,
      "npm run up: the Pulumi CLI is missing. Fix: install it with the official installer (curl -fsSL https://get.pulumi.com | sh), or build it offline with npm run toolchain.\n",
    );
    assert.deepEqual(r.calls, []);
  });

  it("finds the CLI that npm run toolchain built", () => {
    const toolchain = fs.mkdtempSync(path.join(os.tmpdir(), "toolchain-"));
    const bin = fakes({ pulumi: FAKES.pulumi });
    fs.writeFileSync(path.join(toolchain, "env.sh"), `export PATH="${bin}:$PATH"\n`);
    const r = up(["up"], { withPulumi: false, env: { HOMEPORT_TOOLCHAIN_DIR: toolchain } });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.calls.at(-1), UP);
  });

  it("refuses to go on when no Docker engine answers", () => {
    const r = up(["up"], { swarm: "down" });
    assert.equal(r.status, 1);
    assert.equal(
      r.stderr,
      "npm run up: no Docker engine answers at unix:///var/run/docker.sock. Fix: start it (systemctl start docker), or set DOCKER_HOST to the engine to deploy to.\n",
    );
  });

  it("makes the engine a swarm, creates the stack and its passphrase, and deploys with the dev pack config", () => {
    const r = up(["up"], { swarm: "inactive", stack: "missing" });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(r.calls, [
      "docker info --format {{.Swarm.LocalNodeState}}",
      "docker swarm init",
      "pulumi stack select dev --non-interactive",
      "pulumi stack init dev --secrets-provider passphrase --non-interactive",
      UP,
    ]);
    const passphrase = path.join(r.state, "dev.passphrase");
    assert.equal(fs.statSync(passphrase).mode & 0o777, 0o600);
    assert.match(fs.readFileSync(passphrase, "utf8"), /^[A-Za-z0-9+/]{32}\n$/);
    assert.equal(
      r.stderr,
      [
        "npm run up: the engine is in no swarm yet (state: inactive); running docker swarm init",
        `npm run up: generated the dev-only passphrase that encrypts the stack's secrets: ${passphrase} (keep it with the state)`,
        `npm run up: created the dev stack in file://${r.state}`,
        "",
      ].join("\n"),
    );
  });

  it("on a swarm with the stack already there only selects it and passes extra arguments to pulumi", () => {
    const r = up(["up", "--yes"], { env: { PULUMI_CONFIG_PASSPHRASE: "given" } });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(r.calls, [
      "docker info --format {{.Swarm.LocalNodeState}}",
      "pulumi stack select dev --non-interactive",
      `${UP} --yes`,
    ]);
    assert.equal(fs.existsSync(path.join(r.state, "dev.passphrase")), false);
    assert.equal(r.stderr, "");
  });

  it("down destroys the stack, and never makes a swarm", () => {
    const r = up(["down", "--yes"], { swarm: "inactive" });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(r.calls, [
      "docker info --format {{.Swarm.LocalNodeState}}",
      "pulumi stack select dev --non-interactive",
      "pulumi destroy --stack dev --yes",
    ]);
  });

  it("down without the stack has nothing to remove", () => {
    const r = up(["down"], { stack: "missing" });
    assert.equal(r.status, 0);
    assert.equal(r.calls.at(-1), "pulumi stack select dev --non-interactive");
    assert.equal(
      r.stderr,
      `npm run down: the dev stack does not exist in file://${r.state}: nothing to remove.\n`,
    );
  });

  it("refuses an unknown action", () => {
    const r = up(["sideways"]);
    assert.equal(r.status, 2);
    assert.equal(r.stderr, `usage: ${SCRIPT} up|down [pulumi arguments...]\n`);
  });
});
