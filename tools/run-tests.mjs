// npm test: typecheck, lint and format check, beside every unit test under tests/ with Node's
// test runner, all at once (each check is one process on one core; together they fill the
// machine). Needs nothing but `npm ci`: promtool and amtool, which check the generated
// monitoring configuration, are fetched from Debian's packages into ~/.cache/homeport/tools
// when they are missing (tools/install-check-tools.sh; no root needed).
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { delimiter, dirname, join } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const bin = (name) => join(root, "node_modules", ".bin", name);

/** Runs a check with its output held back, and prints it at once when the check ends. */
function check(label, cmd, args) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (output += d));
    child.on("close", (code, signal) => {
      console.log(`\n== ${label}${output.trim() ? `\n${output.trim()}` : ""}`);
      if (code !== 0) console.error(`${label} failed (exit ${code ?? signal}).`);
      resolve(code === 0);
    });
  });
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

/**
 * Test files that start Pulumi's runtime (the mock monitor, whose state is global to a process)
 * or run other programs (they wait, and the other core works meanwhile) get a process each; the
 * others share one (tests/helpers/shared-process.ts), one suite each. A test file is read with
 * the helpers beside it that it imports; tests/helpers/ only defines the recorder, which a file
 * that calls it names.
 */
const STARTS_RUNTIME = /\b(startRecorder|renderStack|installRecorder|setMocks)\(|pulumi\.runtime\./;
const RUNS_PROGRAMS = /child_process|e2e\/lib\/shell/;
function needsOwnProcess(file) {
  const source = readFileSync(file, "utf8");
  const helpers = [...source.matchAll(/from "(\.\.?\/[^"]+)"/g)]
    .map((m) => join(dirname(file), `${m[1]}.ts`))
    .filter((f) => f.startsWith(join(root, "tests")) && existsSync(f))
    .map((f) => ({
      shared: f.startsWith(join(root, "tests", "helpers")),
      source: readFileSync(f, "utf8"),
    }));
  return (
    STARTS_RUNTIME.test(source) ||
    RUNS_PROGRAMS.test(source) ||
    helpers.some(
      (h) => RUNS_PROGRAMS.test(h.source) || (!h.shared && STARTS_RUNTIME.test(h.source)),
    )
  );
}

const checks = [
  check("typecheck", bin("tsc"), ["--noEmit", "-p", "."]),
  check("lint", bin("eslint"), ["--max-warnings=0", "."]),
  check("format", bin("prettier"), ["--check", "."]),
];
const files = testFiles(join(root, "tests")).sort();
const shared = files.filter((f) => !needsOwnProcess(f));
const own = files.filter((f) => !shared.includes(f));
const testEnv = checkToolsEnv();
console.log(
  `\n== unit tests (${files.length} files: ${own.length} in a process each, ${shared.length} in one)`,
);
const tests = new Promise((resolve) => {
  const child = spawn(
    process.execPath,
    [
      "--import",
      join(root, "tools", "loader.mjs"),
      "--test",
      "--test-concurrency=2",
      // The shared process first, so that the other files run beside it.
      ...(shared.length > 0 ? [join(root, "tests", "helpers", "shared-process.ts")] : []),
      ...own,
    ],
    {
      cwd: root,
      stdio: "inherit",
      env: { ...testEnv, HOMEPORT_SHARED_TEST_FILES: shared.join("\n") },
    },
  );
  child.on("close", (code) => resolve(code === 0));
});
const ok = await Promise.all([...checks, tests]);
if (!ok.every(Boolean)) {
  console.error(
    `\nnpm test failed: ${["typecheck", "lint", "format", "unit tests"].filter((_, i) => !ok[i]).join(", ")}.`,
  );
  process.exit(1);
}
