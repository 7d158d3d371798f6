/**
 * tools/lib/go-cache.sh, the build cache of toolchain.sh, engines.sh and build-traefik.sh, driven
 * from bash with a build function that writes a shell script instead of running `go build`.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, beforeEach, describe, it } from "node:test";

const HELPER = path.resolve(__dirname, "../../../tools/lib/go-cache.sh");

let dir: string;
let root: string;
let wrapper: string;

/** Runs `script` in bash with the helper sourced; the fake builder counts its runs in builds.log. */
function sh(script: string, env: Record<string, string> = {}) {
  const prelude = `
    set -euo pipefail
    GO_CACHE_LOG=test
    . "${HELPER}"
    fake_build() { echo built >> "${dir}/builds.log"; [ "\${FAIL:-0}" = 0 ] || return 1; printf '#!/bin/sh\\necho %s\\n' "$2" > "$1"; }
  `;
  const r = spawnSync("bash", ["-c", prelude + script], {
    encoding: "utf8",
    env: { ...process.env, HOMEPORT_TOOLCHAIN_DIR: root, GO: "/bin/true", ...env },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
const builds = () =>
  fs.existsSync(path.join(dir, "builds.log"))
    ? fs.readFileSync(path.join(dir, "builds.log"), "utf8").split("\n").filter(Boolean).length
    : 0;
const ensure = (env: Record<string, string> = {}) =>
  sh(`go_cache_ensure tool 1.2.3 "${wrapper}" fake_build hello`, env);

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "homeport-go-cache-"));
  root = path.join(dir, "cache");
  wrapper = path.join(dir, "wrapper");
  fs.mkdirSync(wrapper);
  fs.writeFileSync(path.join(wrapper, "go.mod"), "module x\n\nrequire example.com/tool v1.2.3\n");
  fs.writeFileSync(path.join(wrapper, "main.go"), "package main\n");
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe("go-cache.sh", () => {
  it("builds a missing binary into <root>/<name>-<version>/<name> with .stamp and BUILDINFO", () => {
    const r = ensure();
    assert.equal(r.status, 0, r.stderr);
    const bin = path.join(root, "tool-1.2.3", "tool");
    assert.equal(r.stdout, `${bin}\n`);
    assert.equal(spawnSync(bin, { encoding: "utf8" }).stdout, "hello\n");
    assert.equal(fs.statSync(bin).mode & 0o777, 0o755);
    const stamp = sh(`go_cache_stamp "${wrapper}"`).stdout.trim();
    assert.match(stamp, /^[0-9a-f]{16}$/);
    assert.equal(fs.readFileSync(path.join(root, "tool-1.2.3", ".stamp"), "utf8"), `${stamp}\n`);
    const info = fs.readFileSync(path.join(root, "tool-1.2.3", "BUILDINFO"), "utf8");
    assert.match(
      info,
      /^name=tool\nversion=1\.2\.3\ngo=.*\nstamp=[0-9a-f]{16}\nbuilt=\S+Z\nseconds=\d+\n$/,
    );
    // Nothing but the binary, its stamp and BUILDINFO: the temporary file was renamed.
    assert.deepEqual(fs.readdirSync(path.join(root, "tool-1.2.3")).sort(), [
      ".stamp",
      "BUILDINFO",
      "tool",
    ]);
    assert.equal(builds(), 1);
  });

  it("finds it the second time without building", () => {
    assert.equal(ensure().status, 0);
    const r = ensure();
    assert.equal(r.status, 0);
    assert.match(r.stderr, /^test: found tool 1\.2\.3: /m);
    assert.equal(builds(), 1);
  });

  it("rebuilds when the wrapper module changes, keeping the version directory", () => {
    assert.equal(ensure().status, 0);
    fs.appendFileSync(path.join(wrapper, "main.go"), "// changed\n");
    assert.equal(ensure().status, 0);
    assert.equal(builds(), 2);
  });

  it("adopts a binary built without a stamp instead of rebuilding it", () => {
    fs.mkdirSync(path.join(root, "tool-1.2.3"), { recursive: true });
    fs.writeFileSync(path.join(root, "tool-1.2.3", "tool"), "#!/bin/sh\n", { mode: 0o755 });
    const r = ensure();
    assert.equal(r.status, 0);
    assert.match(r.stderr, /^test: adopted tool 1\.2\.3 built without a stamp: /m);
    assert.equal(builds(), 0);
    assert.ok(fs.existsSync(path.join(root, "tool-1.2.3", ".stamp")));
  });

  it("with HOMEPORT_E2E_NO_BUILD=1 a missing binary is an error, not a build", () => {
    const r = ensure({ HOMEPORT_E2E_NO_BUILD: "1" });
    assert.equal(r.status, 1);
    assert.match(
      r.stderr,
      /test: tool 1\.2\.3 is not built \(.*tool-1\.2\.3\/tool\) and HOMEPORT_E2E_NO_BUILD=1 forbids building it here/,
    );
    assert.equal(builds(), 0);
  });

  it("a failed build leaves neither a binary nor a temporary file", () => {
    const r = ensure({ FAIL: "1" });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /test: building tool 1\.2\.3 failed/);
    assert.deepEqual(fs.readdirSync(path.join(root, "tool-1.2.3")), []);
  });

  it("reads a required version from either go.mod form, without the leading v", () => {
    fs.writeFileSync(
      path.join(wrapper, "go.mod"),
      "module x\n\nrequire example.com/a v0.0.0-20261016150620-df630b26e78a\n\nrequire (\n\texample.com/b v1.14.11 // indirect\n)\n",
    );
    const mod = path.join(wrapper, "go.mod");
    assert.equal(
      sh(`go_cache_modver "${mod}" example.com/a`).stdout,
      "0.0.0-20261016150620-df630b26e78a\n",
    );
    assert.equal(sh(`go_cache_modver "${mod}" example.com/b`).stdout, "1.14.11\n");
    assert.equal(sh(`go_cache_modver "${mod}" example.com/c`).stdout, "");
  });
});
