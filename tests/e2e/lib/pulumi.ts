import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { TestContext } from "node:test";
import * as yaml from "js-yaml";
import { must, run, RunResult, runSync } from "./shell";

export const ROOT = path.resolve(__dirname, "../../..");

/**
 * What the program needs at run time; everything else in the repository stays out. The program
 * is copied, so every step of a run deploys the same code even while the tree changes.
 */
const PROGRAM_ENTRIES = ["index.ts", "components", "apps", "package.json", "tsconfig.json"];

/** The toolchain's env file: PATH with the Pulumi CLI, PULUMI_HOME with the local plugins. */
export function toolchainEnvFile(): string {
  const cache =
    process.env.HOMEPORT_TOOLCHAIN_DIR ??
    path.join(
      process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), ".cache"),
      "homeport/toolchain",
    );
  return path.join(cache, "env.sh");
}

/** The variables the toolchain's env file exports, read by sourcing it in bash. */
export function toolchainEnv(): NodeJS.ProcessEnv | string {
  const file = toolchainEnvFile();
  if (!fs.existsSync(file))
    return `the Pulumi toolchain is not built (${file} is missing; run npm run toolchain)`;
  const r = runSync("bash", ["-c", `set -a; . "$1" >/dev/null; env -0`, "bash", file]);
  if (r.status !== 0) return `sourcing ${file} failed: ${r.stderr.trim()}`;
  const env: NodeJS.ProcessEnv = {};
  for (const entry of r.stdout.split("\0")) {
    const i = entry.indexOf("=");
    if (i > 0) env[entry.slice(0, i)] = entry.slice(i + 1);
  }
  return env;
}

/**
 * A Pulumi project of one plain JavaScript file, made at `dir`, that runs with the repository's
 * node_modules.
 */
export function jsProject(dir: string, name: string, program: string): void {
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, "Pulumi.yaml"), `name: ${name}\nruntime: nodejs\n`);
  fs.writeFileSync(
    path.join(dir, "package.json"),
    JSON.stringify({ name, version: "0.1.0", main: "index.js" }),
  );
  fs.writeFileSync(path.join(dir, "index.js"), program);
  fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(dir, "node_modules"));
}

/**
 * A Pulumi workspace in a temporary directory: a copy of the project's program and stack file,
 * a local file backend and a passphrase secrets provider. The repository's own files are never
 * written.
 */
export class Workspace {
  readonly dir: string;
  readonly projectDir: string;
  readonly env: NodeJS.ProcessEnv;
  readonly log: string[] = [];

  /**
   * @param entries further files or directories of the repository to copy, e.g. tools/up.sh and
   * policies for `npm run up`. @default none
   */
  constructor(
    readonly stack: string,
    stackFile: string,
    baseEnv: NodeJS.ProcessEnv,
    entries: readonly string[] = [],
  ) {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), "homeport-e2e-"));
    this.projectDir = path.join(this.dir, "project");
    const backend = path.join(this.dir, "state");
    fs.mkdirSync(this.projectDir);
    fs.mkdirSync(backend);
    for (const entry of [...PROGRAM_ENTRIES, ...entries]) {
      fs.cpSync(path.join(ROOT, entry), path.join(this.projectDir, entry), { recursive: true });
    }
    fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(this.projectDir, "node_modules"));
    fs.copyFileSync(path.join(ROOT, "Pulumi.yaml"), path.join(this.projectDir, "Pulumi.yaml"));
    fs.copyFileSync(stackFile, path.join(this.projectDir, `Pulumi.${stack}.yaml`));
    this.env = {
      ...baseEnv,
      PULUMI_BACKEND_URL: `file://${backend}`,
      PULUMI_CONFIG_PASSPHRASE: "homeport-e2e",
      PULUMI_SKIP_UPDATE_CHECK: "true",
      PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
      PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK: "true",
      // The suite checks behaviour, not types: `npm test` typechecks the program.
      PULUMI_NODEJS_TRANSPILE_ONLY: "true",
    };
  }

  /** The workspace's copy of the stack file; the repository's own file is never written. */
  get stackFile(): string {
    return path.join(this.projectDir, `Pulumi.${this.stack}.yaml`);
  }

  /** The stack's settings (the `config:` map of its file), as written. */
  config(): Record<string, unknown> {
    const doc = yaml.load(fs.readFileSync(this.stackFile, "utf8")) as {
      config?: Record<string, unknown>;
    } | null;
    return doc?.config ?? {};
  }

  /** Changes settings of the workspace's stack file before a run (e.g. this machine's values). */
  setConfig(changes: Record<string, unknown>): void {
    const config = { ...this.config(), ...changes };
    fs.writeFileSync(this.stackFile, yaml.dump({ config }, { lineWidth: -1 }));
  }

  /** Runs `pulumi <args>` on the stack, asynchronously; the output is kept for the report. */
  async pulumi(args: readonly string[], timeoutMs = 20 * 60_000): Promise<RunResult> {
    const full = [...args, "--stack", this.stack, "--non-interactive"];
    const started = Date.now();
    const r = await run("pulumi", full, { cwd: this.projectDir, env: this.env, timeoutMs });
    this.log.push(
      `$ pulumi ${full.join(" ")}  (exit ${r.status}, ${((Date.now() - started) / 1000).toFixed(1)}s)\n${r.stdout}\n${r.stderr}`,
    );
    return r;
  }

  pulumiSync(args: readonly string[]): string {
    const full = [...args, "--stack", this.stack, "--non-interactive"];
    return must(
      runSync("pulumi", full, { cwd: this.projectDir, env: this.env, timeoutMs: 120_000 }),
      `pulumi ${args.join(" ")}`,
    );
  }

  /** The stack's outputs, secrets shown. */
  outputs(): Record<string, unknown> {
    return JSON.parse(this.pulumiSync(["stack", "output", "--json", "--show-secrets"])) as Record<
      string,
      unknown
    >;
  }

  /** The checkpoint with secrets decrypted: every resource's inputs and outputs. */
  exportState(): {
    deployment: { resources?: { type: string; inputs?: Record<string, unknown> }[] };
  } {
    return JSON.parse(this.pulumiSync(["stack", "export", "--show-secrets"])) as ReturnType<
      Workspace["exportState"]
    >;
  }

  /** Writes everything pulumi printed to a file and returns its path. */
  saveLog(file: string): string {
    fs.writeFileSync(file, this.log.join("\n\n"));
    return file;
  }
}

/** What an e2e file's checks share about its deployment. */
export interface DeploymentState {
  /** Why the deployment checks cannot run here; never empty when set. */
  blocked?: string;
  ws?: Workspace;
  deployed?: boolean;
}

/** Marks the deployment checks as unable to run, with a reason that is never empty. */
export function block(state: DeploymentState, reason: string): void {
  state.blocked = reason.trim() || "a precondition failed without a message";
}

/**
 * The workspace of the deployment to check, or undefined after skipping the test with the
 * reason: the precondition that failed, or the step that did not deploy (`deployStep`).
 */
export function deployedWorkspace(
  t: TestContext,
  state: DeploymentState,
  deployStep: string,
): Workspace | undefined {
  if (state.blocked) {
    t.skip(state.blocked);
    return undefined;
  }
  if (!state.deployed || !state.ws) {
    t.skip(`the stack was not deployed (see the failing ${deployStep} check)`);
    return undefined;
  }
  return state.ws;
}
