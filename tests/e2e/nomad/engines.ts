/**
 * The real engines and checkers of the end-to-end suites (tools/engines.sh: Consul, etcd +
 * kube-apiserver, nomad-jobcheck) and the render of an example stack, both run in child
 * processes. Shared by tests/e2e/nomad, tests/e2e/consul and tests/e2e/kubernetes.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { RenderResult } from "../../../tools/render-lib";
import { ROOT } from "../lib/pulumi";
import { run, tail } from "../lib/shell";

const ENGINES = path.join(ROOT, "tools", "engines.sh");

/** Builds (or finds in the cache) the engines; returns why they cannot be had, or undefined. */
export async function ensureEngines(names: readonly string[]): Promise<string | undefined> {
  if (process.env.HOMEPORT_E2E_NO_BUILD === "1") {
    // CI builds the engines before the suite, within its time budget; what is missing now was
    // not built in time and is skipped rather than built here.
    for (const name of names) {
      const found = await run("bash", [ENGINES, "path", name]);
      if (found.status !== 0) {
        return `${name} is not built and HOMEPORT_E2E_NO_BUILD=1 forbids building it here (tools/engines.sh build ${name})`;
      }
    }
    return undefined;
  }
  const r = await run("bash", [ENGINES, "build", ...names], { timeoutMs: 60 * 60_000 });
  if (r.status === 0) return undefined;
  return `${names.join(", ")} cannot be built or found (tools/engines.sh build ${names.join(" ")}, exit ${r.status}): ${tail(r.stderr, 5)}`;
}

export interface Engine {
  readonly dir: string;
  /** The variables of <dir>/<kind>.env. */
  readonly env: Record<string, string>;
  readonly startMs: number;
  /** What engines.sh printed, with the measured times. */
  readonly report: string;
}

/** The path of a built engine or checker (tools/engines.sh path NAME). */
export async function enginePath(name: string): Promise<string> {
  const r = await run("bash", [ENGINES, "path", name]);
  if (r.status !== 0) throw new Error(`tools/engines.sh path ${name}: ${tail(r.stderr, 3)}`);
  return r.stdout.trim();
}

/**
 * Starts `consul agent -dev`, etcd + kube-apiserver, or a whole Kubernetes node (root) in a new
 * temporary directory.
 */
export async function startEngine(kind: "consul" | "kube" | "kube-node"): Promise<Engine> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `homeport-e2e-${kind}-`));
  const started = Date.now();
  const r = await run("bash", [ENGINES, `start-${kind}`, dir], { timeoutMs: 5 * 60_000 });
  const startMs = Date.now() - started;
  if (r.status !== 0) {
    await stopEngine(dir);
    throw new Error(`tools/engines.sh start-${kind} failed (exit ${r.status}):\n${tail(r.stderr)}`);
  }
  const env: Record<string, string> = {};
  const envFile = kind === "kube-node" ? "kube.env" : `${kind}.env`;
  for (const line of fs.readFileSync(path.join(dir, envFile), "utf8").split("\n")) {
    const m = /^export ([A-Z_]+)=(.*)$/.exec(line);
    if (m) env[m[1]] = m[2];
  }
  return { dir, env, startMs, report: r.stdout.trim() };
}

/** Stops what runs from `dir` and removes it (kept, with its logs, with HOMEPORT_E2E_KEEP_LOGS=1). */
export async function stopEngine(dir: string): Promise<void> {
  await run("bash", [ENGINES, "stop", dir], { timeoutMs: 120_000 });
  if (process.env.HOMEPORT_E2E_KEEP_LOGS !== "1") fs.rmSync(dir, { recursive: true, force: true });
}

/**
 * Renders a stack file with `npm run render` in a child process (Pulumi's runtime is global, one
 * program per process), with the mock's fake secret values in place of "[secret]" (test-only:
 * see RenderOptions.fakeSecrets in tools/render-lib.ts).
 */
export async function renderStackFile(stackFile: string): Promise<RenderResult> {
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "homeport-render-")), "render.json");
  try {
    const r = await run(
      process.execPath,
      [
        "--import",
        path.join(ROOT, "tools/loader.mjs"),
        path.join(ROOT, "tools", "render.ts"),
        "--config",
        stackFile,
        "--out",
        out,
      ],
      {
        cwd: ROOT,
        env: { ...process.env, HOMEPORT_RENDER_FAKE_SECRETS: "1" },
        timeoutMs: 5 * 60_000,
      },
    );
    if (r.status !== 0) {
      throw new Error(`rendering ${stackFile} failed (exit ${r.status}):\n${tail(r.stderr)}`);
    }
    return JSON.parse(fs.readFileSync(out, "utf8")) as RenderResult;
  } finally {
    fs.rmSync(path.dirname(out), { recursive: true, force: true });
  }
}

/** The stack files at the repository's root whose target is `target`. */
export function stackFilesFor(target: string): string[] {
  return fs
    .readdirSync(ROOT)
    .filter((f) => /^Pulumi\..+\.ya?ml$/.test(f))
    .filter((f) =>
      new RegExp(`^\\s*homeport:target:\\s*["']?${target}["']?\\s*$`, "m").test(
        fs.readFileSync(path.join(ROOT, f), "utf8"),
      ),
    )
    .sort()
    .map((f) => path.join(ROOT, f));
}

export const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
