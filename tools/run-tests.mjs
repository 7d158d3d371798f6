// npm test: typecheck, lint and format check, beside every unit test under tests/ with Node's
// test runner, all at once (each check is one process on one core; together they fill the
// machine). Needs nothing but `npm ci`: promtool and amtool, which check the generated
// monitoring configuration, are fetched from Debian's packages into ~/.cache/homeport/tools
// when they are missing (tools/install-check-tools.sh; no root needed).
import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { homedir } from "node:os";
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
 * that calls it names. The policy test files that start the runtime only through the rule
 * fixtures, which render once a process, share another (tests/helpers/policy-fixtures-process.ts).
 */
const STARTS_RUNTIME = /\b(startRecorder|renderStack|installRecorder|setMocks)\(|pulumi\.runtime\./;
const RUNS_PROGRAMS = /child_process|e2e\/lib\/shell/;
const POLICY_FIXTURES = join(root, "tests", "policies", "fixtures.ts");
/** @returns "shared", "policy fixtures" or "own": the process a test file runs in. */
function processOf(file) {
  const source = readFileSync(file, "utf8");
  const helpers = [...source.matchAll(/from "(\.\.?\/[^"]+)"/g)]
    .map((m) => join(dirname(file), `${m[1]}.ts`))
    .filter((f) => f.startsWith(join(root, "tests")) && existsSync(f))
    .map((f) => ({
      file: f,
      shared: f.startsWith(join(root, "tests", "helpers")),
      source: readFileSync(f, "utf8"),
    }));
  if (STARTS_RUNTIME.test(source) || RUNS_PROGRAMS.test(source)) return "own";
  if (helpers.some((h) => RUNS_PROGRAMS.test(h.source))) return "own";
  const starters = helpers.filter((h) => !h.shared && STARTS_RUNTIME.test(h.source));
  if (starters.length === 0) return "shared";
  return starters.every((h) => h.file === POLICY_FIXTURES) ? "policy fixtures" : "own";
}

/**
 * Where the typecheck and the format check keep what they learnt between runs, outside the
 * repository, one directory per checkout: tsc's build information and prettier's cache (by
 * content, with prettier's version and options) check again every file that changed or whose
 * imports did. ESLint's cache is not used: it knows a file by its own content only, and the
 * Pulumi rules read the types of other files.
 */
const cacheDir = join(
  process.env.XDG_CACHE_HOME || join(homedir(), ".cache"),
  "homeport",
  "checks",
  createHash("sha1").update(root).digest("hex").slice(0, 12),
);
const checks = [
  check("typecheck", bin("tsc"), [
    "--noEmit",
    "-p",
    ".",
    "--incremental",
    "--tsBuildInfoFile",
    join(cacheDir, "tsc.tsbuildinfo"),
  ]),
  check("lint", bin("eslint"), ["--max-warnings=0", "."]),
  check("format", bin("prettier"), [
    "--check",
    ".",
    "--cache",
    "--cache-strategy",
    "content",
    "--cache-location",
    join(cacheDir, "prettier"),
  ]),
];
const files = testFiles(join(root, "tests")).sort();
const processes = new Map(files.map((f) => [f, processOf(f)]));
const shared = files.filter((f) => processes.get(f) === "shared");
const policyFixtures = files.filter((f) => processes.get(f) === "policy fixtures");
// The files that run other programs take longest (tests/tools renders every stack in a child
// process): they start first, so that no long file is left running alone at the end.
const runsPrograms = (f) => RUNS_PROGRAMS.test(readFileSync(f, "utf8"));
const own = files
  .filter((f) => processes.get(f) === "own")
  .sort((a, b) => Number(runsPrograms(b)) - Number(runsPrograms(a)));
const testEnv = checkToolsEnv();
console.log(
  `\n== unit tests (${files.length} files: ${own.length} in a process each, ${shared.length} in one, ${policyFixtures.length} in another)`,
);
const tests = new Promise((resolve) => {
  const child = spawn(
    process.execPath,
    [
      "--import",
      join(root, "tools", "loader.mjs"),
      "--test",
      "--test-concurrency=3",
      // The shared processes first, so that the other files run beside them.
      ...(shared.length > 0 ? [join(root, "tests", "helpers", "shared-process.ts")] : []),
      ...(policyFixtures.length > 0
        ? [join(root, "tests", "helpers", "policy-fixtures-process.ts")]
        : []),
      ...own,
    ],
    {
      cwd: root,
      stdio: "inherit",
      env: {
        ...testEnv,
        HOMEPORT_SHARED_TEST_FILES: shared.join("\n"),
        HOMEPORT_POLICY_FIXTURE_TEST_FILES: policyFixtures.join("\n"),
      },
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
