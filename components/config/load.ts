import { z } from "zod";
import {
  ENVIRONMENTS,
  kubernetesSettings,
  NAMESPACE,
  nomadSettings,
  PARTS,
  SECRET_SETTINGS,
  StackConfig,
  stackSchema,
  TARGETS,
  TIERS,
} from "./schema";
import { appsFixes } from "./parts/apps";
import { mediaFixes } from "./parts/media";
import { edgeFixes } from "./parts/edge";
import { monitoringFixes } from "./parts/monitoring";
import { proxyFixes } from "./parts/proxy";
import { storageFixes } from "./parts/storage";

/**
 * Every problem found in a stack's configuration, one line each. Thrown before any resource is
 * created, so a bad stack file deploys nothing.
 */
export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(
      `The stack configuration has ${problems.length} problem${problems.length === 1 ? "" : "s"}; nothing was deployed:\n` +
        problems.map((p) => `  - ${p}`).join("\n"),
    );
    this.name = "ConfigError";
  }
}

/** How to fix a bad setting, by dotted path ("*" matches one path segment). */
const FIXES: ReadonlyArray<readonly [string, string]> = [
  ["target", `set it to one of ${TARGETS.join(", ")}`],
  ["environment", `set it to one of ${ENVIRONMENTS.join(", ")}`],
  ["domain", "set it to the DNS domain the platform is served under, e.g. home.example.org"],
  ["parts", `list each part to deploy at most once, among ${PARTS.join(", ")}`],
  ["parts.*", `name one of the parts ${PARTS.join(", ")}`],
  ["sizes", `give a replica count per tier, among ${TIERS.join(", ")}`],
  ["sizes.rabbitmq", "set 1 (a single broker) or 3 or more (a cluster with quorum queues)"],
  [
    "sizes.minio",
    "set 1 (a single server) or 4 or more (distributed); with homeport:apps.s3 remove it",
  ],
  ["sizes.*", "set a whole number of replicas, 0 or more, e.g. 2"],
  ...storageFixes.map(([path, fix]) => [`storage.${path}`, fix] as const),
  [
    "swarm.host",
    "give the engine's address with its scheme: unix:///var/run/docker.sock, ssh://user@manager-1, tcp://manager-1:2376 or npipe:////./pipe/docker_engine",
  ],
  ["swarm.endpointMode", "set it to vip (the default) or dnsrr"],
  [
    "swarm.publishMode",
    "set it to ingress (the default) or host; with endpointMode dnsrr it must be host",
  ],
  ["swarm.convergeTimeout", 'write a duration longer than 0, such as "5m" or "90s"'],
  ["kubernetes.namespace", "use a lowercase DNS label, e.g. homeport"],
  ["kubernetes.podSecurity", "set it to privileged, baseline or restricted"],
  [
    "nomad.address",
    "set it to the Nomad HTTP API address with its scheme, e.g. http://127.0.0.1:4646",
  ],
  ["nomad.namespace", "use letters, digits and dashes (at most 128), e.g. default"],
  ["nomad.region", "use letters, digits and dashes, e.g. global"],
  ["kubernetes.ingressClass", "use a lowercase DNS subdomain, e.g. traefik"],
  ["kubernetes.storageClasses.*", "use the StorageClass's name, e.g. local-path"],
  ["nomad.datacenters", "list at least one datacenter, e.g. [dc1]"],
  ["nomad.serviceProvider", "set it to nomad (the built-in catalogue) or consul"],
  [
    "nomad.consul.address",
    "set it to the Consul HTTP API address as tasks reach it, e.g. http://10.0.0.10:8500",
  ],
  [
    "nomad.consul.token",
    "set it with: pulumi config set --secret --path homeport:nomad.consul.token <token>",
  ],
  ["nomad.consul.dnsServers", "list the DNS servers that answer .consul, e.g. [172.17.0.1]"],
  ["nomad.cpuMhzPerCore", "set the MHz Nomad should reserve per requested core, e.g. 1000"],
  ...proxyFixes.map(([path, fix]) => [`proxy.${path}`, fix] as const),
  ...monitoringFixes.map(([path, fix]) => [`monitoring.${path}`, fix] as const),
  ...appsFixes.map(([path, fix]) => [`apps.${path}`, fix] as const),
  ...mediaFixes.map(([path, fix]) => [`media.${path}`, fix] as const),
  ...edgeFixes.map(([path, fix]) => [`edge.${path}`, fix] as const),
];

function lookup(
  table: ReadonlyArray<readonly [string, string]>,
  path: readonly PropertyKey[],
): string | undefined {
  const segments = path.map(String);
  for (const [pattern, text] of table) {
    const parts = pattern.split(".");
    if (parts.length === segments.length && parts.every((p, i) => p === "*" || p === segments[i])) {
      return text;
    }
  }
  return undefined;
}

const fixFor = (path: readonly PropertyKey[]): string | undefined => lookup(FIXES, path);

const EXPECTED: Record<string, string> = {
  number: "a number",
  int: "a whole number",
  string: "a string",
  boolean: "true or false",
  array: "a list",
  object: "a map of settings",
  record: "a map of settings",
};

const describeExpected = (expected: string): string => EXPECTED[expected] ?? expected;

/** What a value of the wrong shape is not, by dotted path ("*" matches one segment). */
const FORMATS: ReadonlyArray<readonly [string, string]> = [
  ["domain", "is not a lowercase DNS name with at least two labels"],
  ["swarm.convergeTimeout", "is not a duration"],
  ["swarm.host", "is not a Docker engine address with its scheme"],
  ["nomad.namespace", "is not a Nomad namespace name"],
  ["nomad.region", "is not a Nomad region name"],
  ["kubernetes.ingressClass", "is not a Kubernetes object name (a lowercase DNS subdomain)"],
  ["kubernetes.storageClasses.*", "is not a Kubernetes object name (a lowercase DNS subdomain)"],
  ["kubernetes.namespace", "is not a lowercase DNS label"],
];

function typeOf(value: unknown): string {
  if (Array.isArray(value)) return "a list";
  if (value === null) return "null";
  if (typeof value === "object") return "a map";
  if (typeof value === "number" && !Number.isInteger(value)) return "a fraction";
  return `a ${typeof value}`;
}

function problemFor(issue: z.core.$ZodIssue, value: unknown): string {
  switch (issue.code) {
    case "invalid_type":
      return `must be ${describeExpected(issue.expected)}, not ${typeOf(value)}`;
    case "too_small":
      if (issue.origin === "array") return `must list at least ${issue.minimum} item(s)`;
      if (issue.origin === "string") return "must not be empty";
      return `must be at least ${issue.minimum}`;
    case "too_big":
      return `must be at most ${issue.maximum}`;
    case "invalid_value":
      return `must be one of ${issue.values.map(String).join(", ")}`;
    case "invalid_format":
      if (issue.format === "starts_with") {
        const prefix = (issue as { prefix?: string }).prefix ?? "";
        return prefix === "/" ? "is not an absolute path" : `does not start with "${prefix}"`;
      }
      if (issue.format === "url") return "is not an http:// or https:// URL with a host";
      if (issue.format === "email") return "is not an e-mail address";
      if (issue.format !== "regex") return `is not a valid ${issue.format}`;
      return lookup(FORMATS, issue.path) ?? "has the wrong format";
    case "not_multiple_of":
      return `must be a multiple of ${issue.divisor}`;
    case "custom":
      return CUSTOM_PROBLEMS[issue.message] ?? issue.message;
    default:
      return issue.message;
  }
}

const CUSTOM_PROBLEMS: Record<string, string> = {
  duplicate: "lists the same part twice",
  "dnsrr-ingress":
    "cannot publish through the ingress routing mesh when homeport:swarm.endpointMode is dnsrr",
};

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let current: unknown = root;
  for (const key of path) {
    if (current === null || typeof current !== "object") return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}

const settingName = (path: readonly PropertyKey[]): string =>
  `${NAMESPACE}:${path.map(String).join(".")}`;

/**
 * True when a value at `path` is or may hold a credential: a credential setting, anything below
 * one, or a map that contains one (a Slack URL given as the whole `alerting.slack` block, a key
 * pasted at `proxy.certificate`).
 */
export function holdsCredential(path: readonly PropertyKey[]): boolean {
  const dotted = path.map(String).join(".");
  return SECRET_SETTINGS.some(
    (secret) =>
      dotted === "" ||
      secret === dotted ||
      dotted.startsWith(`${secret}.`) ||
      secret.startsWith(`${dotted}.`),
  );
}

function show(path: readonly PropertyKey[], value: unknown): string {
  return holdsCredential(path) ? "[secret]" : JSON.stringify(value);
}

function formatIssue(issue: z.core.$ZodIssue, input: Record<string, unknown>): string[] {
  if (issue.code === "unrecognized_keys") {
    const known = knownKeys(issue.path);
    return issue.keys.map((key) => {
      const name = settingName([...issue.path, key]);
      // `pulumi config set homeport:sizes.proxy 3` without --path stores a flat key of that name.
      if (issue.path.length === 0 && key.includes(".") && known.includes(key.split(".")[0])) {
        return `${name} is a flat key (set without --path), not ${key.split(".").slice(1).join(".")} inside ${NAMESPACE}:${key.split(".")[0]}. Fix: pulumi config rm ${name} and set it again with --path: pulumi config set --path ${name} <value>.`;
      }
      return `${name} is not a known setting. Fix: remove it or use one of ${known.join(", ")}.`;
    });
  }
  const value =
    valueAt(input, issue.path) ??
    (issue.code === "custom"
      ? (issue.params as { value?: unknown } | undefined)?.value
      : undefined);
  // A check that spans settings may name its own fix: the setting's usual fix may not apply.
  const ownFix =
    issue.code === "custom" ? (issue.params as { fix?: string } | undefined)?.fix : undefined;
  const fix = ownFix ?? fixFor(issue.path);
  const fixText = fix ? ` Fix: ${fix}.` : "";
  if (value === undefined && issue.code !== "custom") {
    return [`${settingName(issue.path)} is not set.${fixText}`];
  }
  // A check that spans settings may find one unset that the others need.
  if (issue.code === "custom" && (issue.params as { unset?: boolean } | undefined)?.unset) {
    return [`${settingName(issue.path)} is not set, but ${issue.message}.${fixText}`];
  }
  if (issue.code === "custom" && issue.message === "missing-backend") {
    const backend = String(issue.path[issue.path.length - 1]);
    return [
      `${settingName(issue.path)} is not set, but homeport:storage.backend is "${backend}".${fixText}`,
    ];
  }
  return [
    `${settingName(issue.path)} is ${show(issue.path, value)}: ${problemFor(issue, value)}.${fixText}`,
  ];
}

/** Keys accepted at a path of the schema, for "unknown setting" messages. */
function knownKeys(path: readonly PropertyKey[]): string[] {
  let schema: z.ZodType = stackSchema;
  for (const key of path) {
    const inner = unwrap(schema);
    if (inner instanceof z.ZodObject) schema = inner.shape[key as string];
    else return [];
  }
  const inner = unwrap(schema);
  if (inner instanceof z.ZodObject) return Object.keys(inner.shape);
  if (inner instanceof z.ZodRecord && inner.keyType instanceof z.ZodEnum)
    return inner.keyType.options.map(String);
  return [];
}

function unwrap(schema: z.ZodType): z.ZodType {
  let current: z.ZodType = schema;
  for (;;) {
    if (current instanceof z.ZodDefault || current instanceof z.ZodOptional) {
      current = current.unwrap() as z.ZodType;
    } else if (current instanceof z.ZodPipe) {
      current = current.in as z.ZodType;
    } else {
      return current;
    }
  }
}

/**
 * Turns the raw values Pulumi hands the program (every `homeport:*` key as a string, maps and
 * lists as JSON) into plain values.
 */
function decode(
  raw: Record<string, string>,
  problems: string[],
  warnings: string[],
): Record<string, unknown> {
  const decoded: Record<string, unknown> = {};
  for (const [fullKey, text] of Object.entries(raw)) {
    const namespace = fullKey.includes(":") ? fullKey.slice(0, fullKey.indexOf(":")) : "";
    if (namespace !== NAMESPACE && editDistance(namespace.toLowerCase(), NAMESPACE) <= 2) {
      warnings.push(
        `${fullKey} is in the config namespace "${namespace}", which no part reads: it is ignored. Fix: rename it to ${NAMESPACE}:${fullKey.slice(namespace.length + 1)} if it is meant for homeport.`,
      );
    }
    if (!fullKey.startsWith(`${NAMESPACE}:`)) continue;
    const key = fullKey.slice(NAMESPACE.length + 1);
    if (/^\s*[[{]/.test(text)) {
      try {
        decoded[key] = JSON.parse(text);
      } catch {
        problems.push(
          `${fullKey} is not valid YAML/JSON. Fix: check its indentation and brackets.`,
        );
      }
    } else {
      decoded[key] = text;
    }
  }
  return decoded;
}

/** Levenshtein distance, for config namespaces that look like a typo of ours. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(
        previous[j] + 1,
        current[j - 1] + 1,
        previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    previous = current;
  }
  return previous[b.length];
}

/**
 * Credentials stored in plain text. `secretKeys` holds the encrypted paths, fully qualified:
 * exact leaf paths read from the stack file ("homeport:proxy.certificate.key"), or top-level keys
 * where only those are known; a credential is encrypted when its path or a map above it is.
 */
function secretProblems(input: Record<string, unknown>, secretKeys: ReadonlySet<string>): string[] {
  return SECRET_SETTINGS.flatMap((path) => {
    const segments = path.split(".");
    if (valueAt(input, segments) === undefined) return [];
    const encrypted = segments.some((_, i) =>
      secretKeys.has(`${NAMESPACE}:${segments.slice(0, i + 1).join(".")}`),
    );
    if (encrypted) return [];
    return [
      `${NAMESPACE}:${path} is stored in plain text. Fix: store it encrypted with: pulumi config set --secret --path ${NAMESPACE}:${path} <value>.`,
    ];
  });
}

/**
 * Validates a stack's raw config (the `PULUMI_CONFIG` map) and applies every default.
 * @throws ConfigError listing every problem, each naming the setting, the bad value and the fix.
 */
/**
 * One problem with a setting that the schema cannot see alone (it needs what the orchestrator
 * offers), phrased like the schema's own: the setting, its value, the problem and the fix.
 */
/** A setting that other settings need but that is not set, phrased like {@link settingProblem}. */
export function unsetSettingProblem(
  path: readonly (string | number)[],
  why: string,
  ownFix?: string,
): string {
  const fix = ownFix ?? fixFor(path);
  return `${settingName(path)} is not set, but ${why}.${fix ? ` Fix: ${fix}.` : ""}`;
}

export function settingProblem(
  path: readonly (string | number)[],
  value: unknown,
  problem: string,
  /** The fix, when the setting's usual one does not apply. @default the setting's usual fix */
  ownFix?: string,
): string {
  const fix = ownFix ?? fixFor(path);
  return `${settingName(path)} is ${show(path, value)}: ${problem}.${fix ? ` Fix: ${fix}.` : ""}`;
}

/**
 * A check of the whole, parsed stack that the schema cannot make alone (it needs the
 * orchestrator's capabilities, files on disk, the environment). It returns its problems and
 * warnings, phrased like the schema's, and may return the config with values it resolved (a PEM
 * file's text in place of its path).
 */
export type StackCheck = (
  config: StackConfig,
  /** Whether the stack itself sets the setting at `path` (not only its default). */
  given: (path: readonly string[]) => boolean,
) => {
  readonly problems?: readonly string[];
  readonly warnings?: readonly string[];
  readonly config?: StackConfig;
};

/** A validated stack: its config with every default applied, and what the user should hear. */
export interface ValidatedStack {
  readonly config: StackConfig;
  /** Settings that are ignored or look mistaken; the program logs them before any resource. */
  readonly warnings: readonly string[];
}

const withDefaults = (parsed: z.output<typeof stackSchema>): StackConfig => ({
  ...parsed,
  kubernetes: parsed.kubernetes ?? kubernetesSettings.parse({}),
  nomad: parsed.nomad ?? nomadSettings.parse({}),
});

/** `input` without the value at `path` (so its default applies), for a best-effort parse. */
function without(input: unknown, path: readonly PropertyKey[]): unknown {
  if (path.length === 0 || input === null || typeof input !== "object") return input;
  const [head, ...rest] = path;
  const copy = (
    Array.isArray(input) ? [...(input as unknown[])] : { ...(input as object) }
  ) as Record<PropertyKey, unknown>;
  if (rest.length === 0) delete copy[head];
  else copy[head] = without(copy[head], rest);
  return copy;
}

/**
 * The stack as it would be with every bad setting removed (its default in its place), so that the
 * checks of the whole stack still run when some settings are wrong: every problem comes in one
 * report. Undefined when required settings are missing.
 */
function bestEffort(input: Record<string, unknown>): StackConfig | undefined {
  let current: unknown = input;
  for (let attempt = 0; attempt < 4; attempt++) {
    const result = stackSchema.safeParse(current);
    if (result.success) return withDefaults(result.data);
    for (const issue of result.error.issues) {
      current =
        issue.code === "unrecognized_keys"
          ? issue.keys.reduce((acc, key) => without(acc, [...issue.path, key]), current)
          : without(current, issue.path);
    }
  }
  return undefined;
}

/** The setting a problem line names first ("homeport:sizes.proxy"). */
const settingOf = (problem: string): string => problem.split(" ")[0];

/**
 * Validates a stack's raw config (the `PULUMI_CONFIG` map), applies every default and runs
 * `checks` on the result: every problem, of the schema and of the checks, in one report.
 * @throws ConfigError listing every problem, each naming the setting, the bad value and the fix.
 */
export function validateStackConfig(
  raw: Record<string, string>,
  secretKeys: ReadonlySet<string> = new Set(),
  checks: readonly StackCheck[] = [],
): ValidatedStack {
  const problems: string[] = [];
  const warnings: string[] = [];
  const input = decode(raw, problems, warnings);
  if (Object.keys(raw).every((key) => !key.startsWith(`${NAMESPACE}:`))) {
    throw new ConfigError([
      `The stack has no ${NAMESPACE}:* setting. Fix: put the settings under the stack file's top-level "config:" key, e.g. config: {${NAMESPACE}:target: swarm, ${NAMESPACE}:domain: home.example.org}.`,
    ]);
  }
  const result = stackSchema.safeParse(input);
  if (!result.success) {
    problems.push(...result.error.issues.flatMap((issue) => formatIssue(issue, input)));
  }
  problems.push(...secretProblems(input, secretKeys));
  let config = result.success ? withDefaults(result.data) : bestEffort(input);
  if (config) {
    const reported = new Set(problems.map(settingOf));
    for (const check of checks) {
      const outcome = check(config, (path) => valueAt(input, path) !== undefined);
      // A check's problem about a setting the schema already refused (or that names it) would
      // describe the stack without that setting: the schema's line is the one to fix.
      problems.push(
        ...(outcome.problems ?? []).filter(
          (p) => !reported.has(settingOf(p)) && ![...reported].some((s) => p.includes(`${s} `)),
        ),
      );
      warnings.push(...(outcome.warnings ?? []));
      config = outcome.config ?? config;
    }
  }
  if (problems.length > 0 || !result.success || !config) throw new ConfigError(problems);
  return { config, warnings };
}

/**
 * Validates a stack's raw config and applies every default, without the checks of the whole stack.
 * @throws ConfigError listing every problem.
 */
export function parseStackConfig(
  raw: Record<string, string>,
  secretKeys: ReadonlySet<string> = new Set(),
): StackConfig {
  return validateStackConfig(raw, secretKeys).config;
}
