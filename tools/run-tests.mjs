// npm test: typecheck, lint and format check, then every unit test under tests/ with Node's
// test runner. Needs nothing but `npm ci`: promtool and amtool, which check the generated
// monitoring configuration, are fetched from Debian's packages into ~/.cache/homeport/tools
// when they are missing (tools/install-check-tools.sh; no root needed).
import { spawnSync } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { delimiter, dirname, join } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const bin = (name) => join(root, "node_modules", ".bin", name);

function run(label, cmd, args, env = process.env) {
  console.log(`\n== ${label}`);
  const result = spawnSync(cmd, args, { cwd: root, stdio: "inherit", env });
  if (result.status !== 0) {
    console.error(`${label} failed (exit ${result.status ?? result.signal}).`);
    process.exit(result.status ?? 1);
  }
}

function testFiles(dir) {
  return readdirSync(dir).flatMap((entry) => {
    const full = join(dir, entry);
    if (statSync(full).isDirectory()) return entry === "e2e" ? [] : testFiles(full);
    return entry.endsWith(".test.ts") ? [full] : [];
  });
}

/**
 * promtool and amtool for the monitoring checks: PATH for the tests, with the cache's directory
 * first when they were fetched. When they cannot be had, one line says why and how to get them,
 * and HOMEPORT_CHECK_TOOLS_MISSING carries that line to the tests, which skip with it.
 */
function checkToolsEnv() {
  console.log("\n== check tools (promtool, amtool)");
  const r = spawnSync("bash", [join(root, "tools", "install-check-tools.sh")], {
    cwd: root,
    encoding: "utf8",
  });
  if (r.status !== 0) {
    const line = (r.stderr || r.error?.message || "").trim().split("\n").pop();
    console.log(line);
    return { ...process.env, HOMEPORT_CHECK_TOOLS_MISSING: line };
  }
  const paths = r.stdout.trim().split("\n");
  if (r.stderr.trim()) console.log(r.stderr.trim());
  console.log(paths.join(", "));
  const dirs = [...new Set(paths.map((p) => dirname(p)))];
  return { ...process.env, PATH: [...dirs, process.env.PATH].join(delimiter) };
}

run("typecheck", bin("tsc"), ["--noEmit", "-p", "."]);
run("lint", bin("eslint"), ["--max-warnings=0", "."]);
run("format", bin("prettier"), ["--check", "."]);
const files = testFiles(join(root, "tests")).sort();
const testEnv = checkToolsEnv();
run(
  `unit tests (${files.length} files)`,
  process.execPath,
  ["--import", "tsx", "--test", "--test-concurrency=2", ...files],
  testEnv,
);
