import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

/**
 * Why the checking tools cannot be had on this machine, as the test run found it
 * (tools/run-tests.mjs sets HOMEPORT_CHECK_TOOLS_MISSING to its one-line reason), or false: pass
 * it as a describe's `skip` option, so those checks are skipped with that reason, not failed.
 */
export const checkToolsMissing: string | false = process.env.HOMEPORT_CHECK_TOOLS_MISSING
  ? `promtool/amtool cannot be had here: ${process.env.HOMEPORT_CHECK_TOOLS_MISSING}`
  : false;

/**
 * Finds a checking tool (promtool, amtool) on PATH, or in $PROMTOOL / $AMTOOL. A missing tool
 * fails the test with the way to install it: these checks are never skipped silently.
 */
export function requireTool(name: "promtool" | "amtool"): string {
  const override = process.env[name.toUpperCase()];
  if (override) return override;
  for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
    const candidate = path.join(dir, name);
    if (dir && fs.existsSync(candidate)) return candidate;
  }
  throw new Error(
    `${name} is not on PATH, so the generated monitoring configuration cannot be checked. ` +
      `Install it with tools/install-check-tools.sh (Debian packages prometheus and prometheus-alertmanager).`,
  );
}

export interface ToolResult {
  readonly status: number | null;
  readonly output: string;
}

export function runTool(tool: string, args: string[], cwd: string): ToolResult {
  const result = spawnSync(tool, args, { cwd, encoding: "utf8" });
  return { status: result.status, output: `${result.stdout ?? ""}${result.stderr ?? ""}` };
}

/** A fresh directory holding `files` (relative path -> text), removed by the caller. */
export function writeTree(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "homeport-monitoring-"));
  for (const [relative, text] of Object.entries(files)) {
    const file = path.join(dir, relative);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, text);
  }
  return dir;
}

/**
 * Whether this promtool knows a service discovery mechanism. Debian's build leaves out
 * Kubernetes and Nomad discovery (their client libraries are not packaged), and then rejects
 * `kubernetes_sd_configs` / `nomad_sd_configs` as unknown fields.
 */
export function promtoolSupports(promtool: string, sd: string, body: string): boolean {
  const dir = writeTree({
    "probe.yml": `scrape_configs:\n  - job_name: probe\n    ${sd}:\n      - ${body}\n`,
  });
  try {
    const result = runTool(promtool, ["check", "config", "probe.yml"], dir);
    if (result.status === 0) return true;
    if (result.output.includes(`field ${sd} not found`)) return false;
    throw new Error(`promtool failed on its discovery probe:\n${result.output}`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
