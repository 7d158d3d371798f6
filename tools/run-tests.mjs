// npm test: typecheck, lint and format check, then every unit test under tests/ with Node's
// test runner. Offline; needs nothing but `npm ci`.
import { spawnSync } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const bin = (name) => join(root, "node_modules", ".bin", name);

function run(label, cmd, args) {
  console.log(`\n== ${label}`);
  const result = spawnSync(cmd, args, { cwd: root, stdio: "inherit" });
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

run("typecheck", bin("tsc"), ["--noEmit", "-p", "."]);
run("lint", bin("eslint"), ["--max-warnings=0", "."]);
run("format", bin("prettier"), ["--check", "."]);
const files = testFiles(join(root, "tests")).sort();
run(`unit tests (${files.length} files)`, process.execPath, [
  "--import",
  "tsx",
  "--test",
  "--test-concurrency=2",
  ...files,
]);
