import { spawn, spawnSync } from "node:child_process";

export interface RunResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunOptions {
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly input?: string;
  /** Milliseconds before the command is killed. @default 10 minutes */
  readonly timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 10 * 60_000;

/** Runs a command to completion, blocking. For short commands (docker inspect, curl). */
export function runSync(cmd: string, args: readonly string[], opts: RunOptions = {}): RunResult {
  const r = spawnSync(cmd, args, {
    cwd: opts.cwd,
    env: opts.env ?? process.env,
    input: opts.input,
    encoding: "utf8",
    maxBuffer: 256 * 1024 * 1024,
    timeout: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS,
  });
  return { status: r.status, stdout: r.stdout ?? "", stderr: r.stderr ?? r.error?.message ?? "" };
}

/** Runs a command without blocking the event loop, so request loops can run beside it. */
export function run(
  cmd: string,
  args: readonly string[],
  opts: RunOptions = {},
): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGTERM"), opts.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    child.on("error", (e) => {
      clearTimeout(timer);
      resolve({ status: null, stdout, stderr: stderr + e.message });
    });
    child.on("close", (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
    // A child that exits before reading its input closes the pipe: that is its answer, not a
    // crash of the suite (EPIPE).
    child.stdin.on("error", () => {});
    child.stdin.end(opts.input ?? "");
  });
}

/** The command's stdout; throws with its output when it fails. */
export function must(r: RunResult, what: string): string {
  if (r.status !== 0) {
    throw new Error(`${what} failed (exit ${r.status}):\n${tail(r.stdout)}\n${tail(r.stderr)}`);
  }
  return r.stdout;
}

/**
 * Why a command failed, for a skip or an error message: the end of its stderr, else of its
 * stdout, else its exit status. Never empty.
 */
export function failure(r: RunResult, lines = 10): string {
  const text = tail(r.stderr, lines).trim() || tail(r.stdout, lines).trim();
  return (
    text ||
    `it exited with status ${r.status ?? "null (killed or not started)"} and printed nothing`
  );
}

/** The last lines of a long output, for error messages. */
export function tail(text: string, lines = 40): string {
  return text.trimEnd().split("\n").slice(-lines).join("\n");
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Polls `check` until it returns a value other than undefined, or throws after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  check: () => T | undefined | Promise<T | undefined>,
  timeoutMs: number,
  intervalMs = 1000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000}s: ${what}`);
    await sleep(intervalMs);
  }
}
