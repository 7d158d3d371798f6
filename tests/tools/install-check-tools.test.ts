import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, it } from "node:test";
import { basics, fakes } from "./fakes";

const root = path.resolve(__dirname, "../..");
const SCRIPT = path.join(root, "tools/install-check-tools.sh");
const HOW =
  "install Debian's prometheus and prometheus-alertmanager packages (apt-get install prometheus prometheus-alertmanager) or put promtool and amtool on PATH.";

const basicCommands = () =>
  basics(["sh", "mkdir", "mktemp", "chmod", "chown", "rm", "grep", "tail", "tr", "cut"]);

function install(pathDirs: string[], env: NodeJS.ProcessEnv = {}) {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), "check-tools-home-"));
  const r = spawnSync("/bin/bash", [SCRIPT], {
    encoding: "utf8",
    env: { HOME: home, PATH: pathDirs.join(path.delimiter), ...env },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, home };
}

describe("tools/install-check-tools.sh", () => {
  it("uses promtool and amtool already on PATH and downloads nothing", () => {
    const dir = fakes({ promtool: "exit 0", amtool: "exit 0", "apt-get": "exit 99" });
    const r = install([dir, basicCommands()]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, `${dir}/promtool\n${dir}/amtool\n`);
    assert.equal(fs.existsSync(path.join(r.home, ".cache/homeport/tools/bin")), false);
  });

  it("prefers the upstream promtool that tools/engines.sh built over the one on PATH", () => {
    const dir = fakes({ promtool: "exit 0", amtool: "exit 0", "apt-get": "exit 99" });
    const toolchain = fs.mkdtempSync(path.join(os.tmpdir(), "check-tools-toolchain-"));
    // The version directory engines.sh derives from toolchain/prometheus/go.mod (v0.3XX.Y).
    const mod = fs.readFileSync(path.join(root, "toolchain/prometheus/go.mod"), "utf8");
    const minor = /github\.com\/prometheus\/prometheus v0\.3(\d+)\.(\d+)/.exec(mod)!;
    const built = path.join(toolchain, `promtool-3.${Number(minor[1])}.${minor[2]}`, "promtool");
    fs.mkdirSync(path.dirname(built));
    fs.writeFileSync(built, "#!/bin/sh\n", { mode: 0o755 });
    const r = install([dir, basics(["awk", "dirname", "sh"])], {
      HOMEPORT_TOOLCHAIN_DIR: toolchain,
    });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, `${built}\n${dir}/amtool\n`);
  });

  it("says in one line why and how to get them when apt cannot download the packages", () => {
    const dir = fakes({
      "apt-get": 'echo "E: Unable to locate package prometheus" >&2; exit 100',
      "dpkg-deb": "exit 0",
    });
    const r = install([dir, basicCommands()]);
    assert.equal(r.status, 1);
    assert.equal(r.stdout, "");
    assert.equal(
      r.stderr,
      `promtool/amtool: they are missing and Debian's packages could not be downloaded (E: Unable to locate package prometheus); ${HOW}\n`,
    );
  });

  it("says in one line how to get them on a machine without apt-get", () => {
    const r = install([basicCommands()]);
    assert.equal(r.status, 1);
    assert.equal(
      r.stderr,
      `promtool/amtool: they are missing and this machine has no apt-get/dpkg-deb to fetch them; ${HOW}\n`,
    );
  });

  it("refuses an unknown option with its usage", () => {
    const r = spawnSync("/bin/bash", [SCRIPT, "--fast"], { encoding: "utf8" });
    assert.equal(r.status, 2);
    assert.equal(r.stderr, `usage: ${SCRIPT} [--full-promtool]\n`);
  });
});
