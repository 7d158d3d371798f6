import * as fs from "node:fs";
import * as path from "node:path";
import * as yaml from "js-yaml";
import * as pulumi from "@pulumi/pulumi";

/** Placeholder for every secret value in rendered output. */
export const SECRET_MASK = "[secret]";
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

/**
 * Reads a stack file the way the Pulumi CLI hands config to a program: keys fully qualified,
 * maps and lists as JSON text. Encrypted (`secure:`) values cannot be read without the stack's
 * key, so they become "[secret]" and their keys are marked secret.
 */
export function stackFileConfig(file: string): {
  config: Record<string, string>;
  secretKeys: string[];
} {
  const doc = (yaml.load(fs.readFileSync(file, "utf8")) ?? {}) as {
    config?: Record<string, unknown>;
  };
  const config: Record<string, string> = {};
  const secretKeys: string[] = [];
  for (const [rawKey, value] of Object.entries(doc.config ?? {})) {
    const key = rawKey.includes(":") ? rawKey : `${PROJECT}:${rawKey}`;
    let secret = false;
    const unwrap = (v: unknown): unknown => {
      if (Array.isArray(v)) return v.map(unwrap);
      if (v !== null && typeof v === "object") {
        const obj = v as Record<string, unknown>;
        if (Object.keys(obj).length === 1 && typeof obj.secure === "string") {
          secret = true;
          return SECRET_MASK;
        }
        return Object.fromEntries(Object.entries(obj).map(([k, inner]) => [k, unwrap(inner)]));
      }
      return v;
    };
    const plain = unwrap(value);
    config[key] =
      plain !== null && typeof plain === "object" ? JSON.stringify(plain) : String(plain);
    if (secret) secretKeys.push(key);
  }
  return { config, secretKeys };
}

interface RegisterRequest {
  getType(): string;
  getName(): string;
  getParent(): string;
  getCustom(): boolean;
  getDependenciesList(): string[];
  getAdditionalsecretoutputsList(): string[];
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
    });
    return original(req, cb);
  };
  return {
    resources,
    settle: () => (pulumi.runtime as unknown as { waitForRPCs(): Promise<void> }).waitForRPCs(),
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
  const exported = await program();
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
  if (!fs.existsSync(file)) {
    console.error(
      `Stack file ${file} does not exist. Fix: name an existing stack (Pulumi.<stack>.yaml) or pass --config FILE.`,
    );
    return 2;
  }
  return file;
}
