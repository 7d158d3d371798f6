import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { readStackFile, SECRET_MASK } from "../components/config/stack-file";

export { SECRET_MASK };
const PROJECT = "homeport";
const SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
const RESOURCE_SIG = "5cf8f73096256a8f31e491e813e4eb8e";
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** One resource the program would create. This shape is a stable interface: see README "render". */
export interface RenderedResource {
  /** Pulumi type token, e.g. "docker:index/service:Service". */
  readonly type: string;
  /** Logical name. */
  readonly name: string;
  readonly urn: string;
  /** URN of the parent component, or null at the top. */
  readonly parent: string | null;
  /** True for provider-managed (leaf) resources, false for components. */
  readonly custom: boolean;
  /** Inputs, with every secret replaced by "[secret]" (see RenderOptions.fakeSecrets for tests). */
  readonly inputs: Record<string, unknown>;
  /** URNs this resource explicitly depends on. */
  readonly dependsOn: string[];
  /** Output names Pulumi will store encrypted. */
  readonly additionalSecretOutputs: string[];
  /** `protect`: Pulumi refuses to delete it (destroy fails) until the option is removed. */
  readonly protect: boolean;
  /** `retainOnDelete`: deleting it (destroy, replacement) leaves the object on the target. */
  readonly retainOnDelete: boolean;
  /** `deleteBeforeReplace`: a replacement deletes the old object before it creates the new one. */
  readonly deleteBeforeReplace: boolean;
}

export interface RenderResult {
  readonly project: string;
  readonly stack: string;
  readonly resources: RenderedResource[];
  /** Stack outputs, secrets masked. */
  readonly outputs: Record<string, unknown>;
}

/**
 * Replaces secret, unknown and resource-reference markers of Pulumi's wire format.
 * @param fakeSecrets Test-only, see {@link RenderOptions.fakeSecrets}: keep the value inside a
 * secret instead of "[secret]". @default false
 */
export function maskWireValue(value: unknown, fakeSecrets = false): unknown {
  const mask = (v: unknown): unknown => maskWireValue(v, fakeSecrets);
  if (Array.isArray(value)) return value.map(mask);
  if (value === UNKNOWN) return "[unknown]";
  if (value !== null && typeof value === "object") {
    const obj = value as Record<string, unknown>;
    if (obj[SIG_KEY] === SECRET_SIG) return fakeSecrets ? mask(obj.value) : SECRET_MASK;
    if (obj[SIG_KEY] === RESOURCE_SIG) return { resource: obj.urn };
    return Object.fromEntries(
      Object.entries(obj).map(([k, v]) => [k, k === "__provider" ? "[dynamic provider]" : mask(v)]),
    );
  }
  return value;
}

/** Options of {@link installRecorder} and {@link renderStack}. */
export interface RenderOptions {
  /**
   * TEST-ONLY. Record the values inside secrets instead of "[secret]", so that objects whose
   * secret fields must have a shape (a Kubernetes Secret's `stringData` map, a Nomad variable's
   * items) can be sent to a real API server. The values are the mock's fakes, never real secrets:
   * generated passwords are "rendered-<name>" and encrypted stack settings stay "[secret]",
   * because a stack file's `secure:` values cannot be decrypted here. Never use it for output
   * that is shown or stored as a description of a real stack.
   * Also turned on by HOMEPORT_RENDER_FAKE_SECRETS=1 (for `npm run render` in a child process).
   * @default false
   */
  readonly fakeSecrets?: boolean;
}

const fakeSecretsFromEnv = (): boolean => process.env.HOMEPORT_RENDER_FAKE_SECRETS === "1";

/** Reads a stack file the way the Pulumi CLI hands config to a program (one parser, shared). */
export const stackFileConfig = readStackFile;

interface RegisterRequest {
  getType(): string;
  getName(): string;
  getParent(): string;
  getCustom(): boolean;
  getDependenciesList(): string[];
  getAdditionalsecretoutputsList(): string[];
  getProtect(): boolean | undefined;
  getRetainondelete(): boolean | undefined;
  getDeletebeforereplace(): boolean | undefined;
  getObject(): { toJavaScript(): Record<string, unknown> } | undefined;
}

/** Records every resource registered with Pulumi's mock monitor. */
export interface Recorder {
  readonly resources: RenderedResource[];
  /** Waits until every registration so far has completed. */
  settle(): Promise<void>;
}

/**
 * Installs Pulumi's mock monitor with `config` and starts recording. Call once per process,
 * before importing any module that creates resources: Pulumi's runtime state is global.
 */
export async function installRecorder(
  stack: string,
  config: Record<string, string> = {},
  secretKeys: string[] = [],
  options: RenderOptions = {},
): Promise<Recorder> {
  const fakeSecrets = options.fakeSecrets ?? fakeSecretsFromEnv();
  pulumi.runtime.setAllConfig(config, secretKeys);
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        const state: Record<string, unknown> = { ...args.inputs };
        if (args.type.startsWith("random:index/random")) state.result = `rendered-${args.name}`;
        // RandomUuid gives a UUID, which its users may check (a Ceph fsid): one from the name.
        if (args.type === "random:index/randomUuid:RandomUuid") {
          const h = createHash("sha256").update(args.name).digest("hex");
          state.result = `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
        }
        // RandomBytes outputs hex and base64 rather than result: fakes of the right shape.
        if (args.type === "random:index/randomBytes:RandomBytes") {
          const bytes = Buffer.alloc(Number(args.inputs.length ?? 16), args.name);
          Object.assign(state, { hex: bytes.toString("hex"), base64: bytes.toString("base64") });
        }
        if (state.name === undefined && args.type.startsWith("docker:")) state.name = args.name;
        return { id: `${args.name}-id`, state };
      },
      call: (args) => args.inputs,
    },
    PROJECT,
    stack,
    false,
  );
  const monitor = pulumi.runtime.getMonitor() as unknown as {
    registerResource(req: RegisterRequest, cb: unknown): void;
    newUrn(parent: string, type: string, name: string): string;
  };
  const resources: RenderedResource[] = [];
  const original = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req: RegisterRequest, cb: unknown) => {
    resources.push({
      type: req.getType(),
      name: req.getName(),
      urn: monitor.newUrn(req.getParent(), req.getType(), req.getName()),
      parent: req.getParent() || null,
      custom: req.getCustom(),
      inputs: maskWireValue(req.getObject()?.toJavaScript() ?? {}, fakeSecrets) as Record<
        string,
        unknown
      >,
      dependsOn: req.getDependenciesList(),
      additionalSecretOutputs: req.getAdditionalsecretoutputsList(),
      protect: req.getProtect() ?? false,
      retainOnDelete: req.getRetainondelete() ?? false,
      deleteBeforeReplace: req.getDeletebeforereplace() ?? false,
    });
    return original(req, cb);
  };
  // Pulumi's runtime takes a stack trace for every RPC it starts (runtime/debuggable.js,
  // debuggablePromise), to print only if the promise leaks, and one for every resource
  // (resource.js, sourcePosition), which the mock monitor drops: with the source maps that tsx
  // turns on, each trace mapped every frame (a quarter to nearly half of a render's CPU time);
  // unmapped, taking them was still a fifth of a render and half of the bare program's. Until
  // the program has settled, errors carry their message and no frames (HOMEPORT_DEBUG=1 keeps
  // both the frames and their mapping).
  const sourceMaps = process.sourceMapsEnabled;
  const traceLimit = Error.stackTraceLimit;
  if (process.env.HOMEPORT_DEBUG !== "1") {
    process.setSourceMapsEnabled(false);
    Error.stackTraceLimit = 0;
  }
  return {
    resources,
    settle: async () => {
      await (pulumi.runtime as unknown as { waitForRPCs(): Promise<void> }).waitForRPCs();
      process.setSourceMapsEnabled(sourceMaps);
      Error.stackTraceLimit = traceLimit;
    },
  };
}

/**
 * Runs the program for a stack file under Pulumi's mock monitor and records every resource.
 * Call once per process.
 * @throws the program's own error (a ConfigError for a bad stack file).
 */
export async function renderStack(
  stackFile: string,
  stack = stackNameOf(stackFile),
  options: RenderOptions = {},
): Promise<RenderResult> {
  const { config, secretKeys } = stackFileConfig(stackFile);
  const recorder = await installRecorder(stack, config, secretKeys, options);
  const { program } = await import("../components/program");
  const exported = await program({ stackFile });
  const outputs = await resolveOutputs(exported);
  await recorder.settle();
  return {
    project: PROJECT,
    stack,
    resources: recorder.resources,
    outputs: outputs as Record<string, unknown>,
  };
}

async function resolveOutputs(value: unknown): Promise<unknown> {
  if (pulumi.Output.isInstance(value)) {
    const out = value as pulumi.Output<unknown>;
    const [plain, secret] = await Promise.all([
      new Promise<unknown>((resolve) => out.apply(resolve)),
      (out as unknown as { isSecret: Promise<boolean> }).isSecret,
    ]);
    return secret ? SECRET_MASK : resolveOutputs(plain);
  }
  if (Array.isArray(value)) return Promise.all(value.map(resolveOutputs));
  if (value !== null && typeof value === "object") {
    const entries = await Promise.all(
      Object.entries(value).map(async ([k, v]) => [k, await resolveOutputs(v)] as const),
    );
    return Object.fromEntries(entries);
  }
  return value;
}

export function stackNameOf(file: string): string {
  const match = /^Pulumi\.(.+)\.ya?ml$/.exec(path.basename(file));
  return match ? match[1] : "render";
}

/** The command-line options every stack tool takes (node:util parseArgs). */
export const STACK_OPTIONS = {
  stack: { type: "string" },
  config: { type: "string" },
  out: { type: "string" },
  help: { type: "boolean" },
} as const;

/**
 * The stack file that `--stack NAME` (Pulumi.NAME.yaml at the project root) or `--config FILE`
 * names. On a missing argument or file it prints the problem and returns the exit code (2).
 */
export function stackFileFromArgs(
  values: { stack?: string; config?: string },
  usage: string,
): string | number {
  const root = path.resolve(__dirname, "..");
  const file = values.config
    ? path.resolve(values.config)
    : values.stack
      ? path.join(root, `Pulumi.${values.stack}.yaml`)
      : undefined;
  if (!file) {
    console.error(usage);
    return 2;
  }
  if (!fs.existsSync(file) || !fs.statSync(file).isFile()) {
    console.error(
      `Stack file ${file} ${fs.existsSync(file) ? "is not a file" : "does not exist"}. Fix: name an existing stack (Pulumi.<stack>.yaml) or pass --config FILE.`,
    );
    return 2;
  }
  return file;
}

/** A path as the user typed it: relative to the working directory when it is inside it. */
function shown(file: string): string {
  const rel = path.relative(process.cwd(), file);
  return rel && !rel.startsWith("..") && !path.isAbsolute(rel) ? rel : file;
}

/** How to fix the YAML errors people make in stack files, by js-yaml's reason. */
const YAML_FIXES: Record<string, string> = {
  "bad indentation of a mapping entry":
    "indent each setting with spaces, as deep as the settings beside it",
  "tab characters must not be used in indentation": "indent with spaces, not tabs",
  "duplicated mapping key": "keep one of the two entries with that key",
};

/** What a file system error code means for an input file. */
const FILE_PROBLEMS: Record<string, string> = {
  ENOENT: "does not exist",
  EACCES: "cannot be read (permission denied)",
  EISDIR: "is a directory, not a file",
  ENOTDIR: "is not under a directory",
};

/** An error of Node's parseArgs: its code and the option or argument it names. */
const ARG_PROBLEMS: Record<string, (what: string) => string> = {
  ERR_PARSE_ARGS_UNKNOWN_OPTION: (what) => `unknown option ${what}`,
  ERR_PARSE_ARGS_INVALID_OPTION_VALUE: (what) => `option ${what} needs a value`,
  ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL: (what) => `unexpected argument ${what}`,
};

/**
 * The one line (or, for a ConfigError, the report) a command-line tool prints for an error, and
 * its exit code: 2 for a bad command line, 1 for a bad input file. Never a stack trace.
 */
export function cliError(
  err: unknown,
  command: string,
  usage: string,
): { text: string; code: number } {
  const e = err as {
    name?: string;
    code?: string;
    path?: string;
    message?: string;
    reason?: string;
    mark?: { line: number; column: number; name?: string | null; buffer?: string };
  };
  if (e?.name === "ConfigError" && e.message) return { text: e.message, code: 1 };
  if (e?.code && ARG_PROBLEMS[e.code]) {
    const what = /'([^' ]+)/.exec(e.message ?? "")?.[1] ?? "";
    return { text: `${command}: ${ARG_PROBLEMS[e.code](what)}. ${usage}`, code: 2 };
  }
  if (e?.name === "YAMLException" && e.mark) {
    const where = `${shown(e.mark.name ?? "stack file")}:${e.mark.line + 1}:${e.mark.column + 1}`;
    const reason = e.reason ?? "invalid YAML";
    let fix = YAML_FIXES[reason] ?? "correct the YAML syntax at that place";
    if (reason === "duplicated mapping key" && e.mark.buffer !== undefined) {
      const key = /^\s*(.+?)\s*:(\s|$)/.exec(e.mark.buffer.split("\n")[e.mark.line] ?? "")?.[1];
      if (key) fix = `keep one of the two "${key}" entries`;
    }
    return { text: `${where}: not valid YAML: ${reason}. Fix: ${fix}.`, code: 1 };
  }
  if (e?.code && e.path && FILE_PROBLEMS[e.code]) {
    return {
      text: `${shown(e.path)} ${FILE_PROBLEMS[e.code]}. Fix: name a readable file (relative paths are read from ${process.cwd()}).`,
      code: 1,
    };
  }
  const first = String(e?.message ?? err).split("\n")[0];
  return {
    text: `${command} failed: ${first} (an unexpected error; HOMEPORT_DEBUG=1 prints its stack trace)`,
    code: 1,
  };
}

/**
 * Runs a command-line tool's main function: its exit code once stdout is flushed (on a pipe,
 * stdout is written asynchronously, and a large output would otherwise be cut short), or the
 * error's one line on stderr.
 */
export function runCli(command: string, usage: string, main: () => Promise<number>): void {
  const exit = (code: number) => process.stdout.write("", () => process.exit(code));
  main().then(exit, (err: unknown) => {
    const { text, code } = cliError(err, command, usage);
    console.error(text);
    if (process.env.HOMEPORT_DEBUG === "1") console.error((err as Error)?.stack ?? String(err));
    exit(code);
  });
}
