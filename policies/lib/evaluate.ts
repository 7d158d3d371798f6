import * as fs from "node:fs";
import * as path from "node:path";
import { EnforcementLevel, Severity } from "@pulumi/policy";
import { POLICIES } from "./catalogue";
import { HomeportPolicy } from "./rule";

/** A resource as the render tool records it: the shape `evaluatePolicies` reads. */
export interface EvaluatedResource {
  readonly type: string;
  readonly name: string;
  readonly urn: string;
  /** False for components: policies validate leaf resources only. @default true */
  readonly custom?: boolean;
  readonly inputs: Record<string, unknown>;
}

export interface Violation {
  readonly policy: string;
  readonly severity: Severity;
  readonly enforcementLevel: EnforcementLevel;
  readonly message: string;
  /** The resource it is about, when the rule names one. */
  readonly urn?: string;
}

export interface Evaluation {
  readonly violations: Violation[];
  readonly timing: {
    /** Leaf resources evaluated. */
    readonly resources: number;
    readonly totalMs: number;
    /** Resource rules' time per leaf resource. */
    readonly perResourceMs: number;
    /** Time spent in each rule. */
    readonly byPolicyMs: Record<string, number>;
  };
}

/** Pack config entry of one policy: a level, or a level with thresholds. */
type PackConfigEntry =
  EnforcementLevel | ({ enforcementLevel?: EnforcementLevel } & Record<string, unknown>);
export type PackConfig = Record<string, PackConfigEntry>;

/** The pack config file of an environment: policies/config/<environment>.json. */
export const packConfigFile = (environment: string): string =>
  path.join(__dirname, "..", "config", `${environment}.json`);

export function readPackConfig(file: string): PackConfig {
  return JSON.parse(fs.readFileSync(file, "utf8")) as PackConfig;
}

/** The enforcement level of a policy under a pack config ("all" applies to every policy). */
export function enforcementOf(policy: HomeportPolicy, config: PackConfig): EnforcementLevel {
  const level = (entry: PackConfigEntry | undefined) =>
    typeof entry === "string" ? entry : entry?.enforcementLevel;
  return level(config[policy.name]) ?? level(config.all) ?? policy.enforcementLevel ?? "advisory";
}

function thresholdsOf(policy: HomeportPolicy, config: PackConfig): Record<string, unknown> {
  const entry = config[policy.name];
  if (entry === undefined || typeof entry === "string") return {};
  return Object.fromEntries(Object.entries(entry).filter(([k]) => k !== "enforcementLevel"));
}

const noop = () => {
  throw new Error("not applicable");
};

/** What the engine hands a resource rule, built from a rendered resource (inputs as props). */
export function resourceArgs(r: EvaluatedResource, thresholds: Record<string, unknown>) {
  return {
    type: r.type,
    name: r.name,
    urn: r.urn,
    props: r.inputs,
    opts: {} as never,
    stackTags: new Map<string, string>(),
    isType: () => false,
    asType: () => undefined,
    getConfig: <T>() => thresholds as T,
    notApplicable: noop,
  };
}

/** What the engine hands a stack rule, built from rendered resources (inputs as props). */
export function stackArgs(
  resources: readonly EvaluatedResource[],
  thresholds: Record<string, unknown>,
) {
  return {
    resources: resources.map((r) => ({
      type: r.type,
      name: r.name,
      urn: r.urn,
      props: r.inputs,
      opts: {} as never,
      dependencies: [],
      propertyDependencies: {},
      isType: () => false,
      asType: () => undefined,
    })),
    stackTags: new Map<string, string>(),
    getConfig: <T>() => thresholds as T,
    notApplicable: noop,
  };
}

/**
 * Evaluates the pack on rendered resources by calling each policy's validation directly (no
 * policy server), the way the Pulumi engine would: resource rules on every leaf, stack rules on
 * all of them. Levels and thresholds come from the environment's pack config.
 */
export async function evaluatePolicies(
  resources: readonly EvaluatedResource[],
  environment: string,
  options: { readonly config?: PackConfig; readonly policies?: readonly HomeportPolicy[] } = {},
): Promise<Evaluation> {
  const config = options.config ?? readPackConfig(packConfigFile(environment));
  const policies = options.policies ?? POLICIES;
  const leaves = resources.filter(
    (r) => r.custom !== false && !r.type.startsWith("pulumi:providers:"),
  );
  const violations: Violation[] = [];
  const byPolicyMs: Record<string, number> = {};
  let resourceMs = 0;
  const started = performance.now();
  for (const policy of policies) {
    const enforcementLevel = enforcementOf(policy, config);
    if (enforcementLevel === "disabled") continue;
    const thresholds = thresholdsOf(policy, config);
    const record = (message: string, urn?: string) =>
      violations.push({
        policy: policy.name,
        severity: policy.severity,
        enforcementLevel,
        message,
        urn,
      });
    const t0 = performance.now();
    if (policy.kind === "resource") {
      const validations = [policy.validateResource ?? []].flat();
      for (const r of leaves)
        for (const validate of validations)
          await validate(resourceArgs(r, thresholds), (message, urn) =>
            record(message, urn ?? r.urn),
          );
      resourceMs += performance.now() - t0;
    } else {
      await policy.validateStack(stackArgs(leaves, thresholds), record);
    }
    byPolicyMs[policy.name] = performance.now() - t0;
  }
  const totalMs = performance.now() - started;
  return {
    violations,
    timing: {
      resources: leaves.length,
      totalMs,
      perResourceMs: leaves.length > 0 ? resourceMs / leaves.length : 0,
      byPolicyMs,
    },
  };
}
