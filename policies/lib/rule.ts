import {
  ReportViolation,
  ResourceValidationPolicy,
  Severity,
  StackValidationPolicy,
} from "@pulumi/policy";
import { PolicyConfigJSONSchema } from "@pulumi/policy/schema";
import { LeafResource, Workload, workloadOf, WORKLOAD_TYPES } from "./leaves";
import { UNKNOWN } from "./values";

/** What a rule means on each orchestrator, for the docs table and the metadata test. */
export interface RuleDocs {
  /** Entries of the merged rule catalogue it implements, e.g. ["R1"]. */
  readonly catalogue: readonly string[];
  readonly swarm: string;
  readonly kubernetes: string;
  readonly nomad: string;
}

interface RuleMetadata {
  readonly name: string;
  /** One line. */
  readonly description: string;
  readonly severity: Severity;
  readonly docs: RuleDocs;
  /** Thresholds, as JSON schema properties with their defaults. @default none */
  readonly config?: Record<string, PolicyConfigJSONSchema & { default: unknown }>;
}

export type HomeportResourcePolicy = ResourceValidationPolicy & RuleMetadata & { kind: "resource" };
export type HomeportStackPolicy = StackValidationPolicy & RuleMetadata & { kind: "stack" };
export type HomeportPolicy = HomeportResourcePolicy | HomeportStackPolicy;

/** A rule's thresholds: the schema defaults, overridden by the pack config. */
export function configOf<C>(meta: RuleMetadata, supplied: Record<string, unknown>): C {
  const defaults = Object.fromEntries(
    Object.entries(meta.config ?? {}).map(([k, schema]) => [k, schema.default]),
  );
  return { ...defaults, ...supplied } as C;
}

const schemaOf = (meta: RuleMetadata) =>
  meta.config ? { configSchema: { properties: { ...meta.config } } } : {};

export interface WorkloadCheck<C> {
  readonly workload: Workload;
  readonly config: C;
  /** The reason of this rule's exemption on the workload, if it has one. */
  readonly exemption: string | undefined;
  report(message: string): void;
}

export interface LeafCheck<C> {
  readonly resource: LeafResource;
  readonly config: C;
  report(message: string): void;
}

export interface WorkloadRuleDefinition<C> extends RuleMetadata {
  /** Checks one workload leaf (Swarm service, Kubernetes controller, Nomad job). */
  check(ctx: WorkloadCheck<C>): void;
  /**
   * Exempt workloads are skipped unless this is set: then the check runs and reads `exemption`
   * (an exemption that allows a mount never allows a writable one).
   */
  readonly checksExempt?: boolean;
  /** Availability rules skip one-shot jobs, which are meant to exit. @default false */
  readonly longRunningOnly?: boolean;
  /** Other leaf types this rule checks (Kubernetes Service, Ingress…), with their check. */
  readonly leaves?: { readonly types: readonly string[]; check(ctx: LeafCheck<C>): void };
}

/**
 * A resource rule over the workload leaves of all three targets. Workloads not known yet
 * (preview) are skipped; exempt ones too unless the rule asks to see them.
 */
export function workloadRule<C = Record<string, never>>(
  def: WorkloadRuleDefinition<C>,
): HomeportResourcePolicy {
  const { check, checksExempt, leaves, longRunningOnly, ...meta } = def;
  return {
    ...meta,
    ...schemaOf(meta),
    kind: "resource",
    validateResource: (args, reportViolation: ReportViolation) => {
      const resource: LeafResource = {
        type: args.type,
        name: args.name,
        urn: args.urn,
        props: args.props,
      };
      const config = configOf<C>(meta, args.getConfig<Record<string, unknown>>());
      const report = (message: string) => reportViolation(message);
      if (WORKLOAD_TYPES.includes(args.type)) {
        const workload = workloadOf(resource);
        if (workload === undefined || workload === UNKNOWN) return;
        if (longRunningOnly && workload.runsToCompletion) return;
        const exemption = workload.exemption(meta.name);
        if (exemption !== undefined && !checksExempt) return;
        check({ workload, config, exemption, report });
      } else if (leaves?.types.includes(args.type)) {
        leaves.check({ resource, config, report });
      }
    },
  };
}

export interface StackCheck<C> {
  readonly resources: readonly LeafResource[];
  readonly config: C;
  report(message: string, urn?: string): void;
}

export interface StackRuleDefinition<C> extends RuleMetadata {
  check(ctx: StackCheck<C>): void;
}

/** A stack rule: sees every resource at once (budgets that select workloads, tiers, quorums). */
export function stackRule<C = Record<string, never>>(
  def: StackRuleDefinition<C>,
): HomeportStackPolicy {
  const { check, ...meta } = def;
  return {
    ...meta,
    ...schemaOf(meta),
    kind: "stack",
    validateStack: (args, reportViolation: ReportViolation) => {
      const resources = args.resources.map((r) => ({
        type: r.type,
        name: r.name,
        urn: r.urn,
        props: r.props,
      }));
      const config = configOf<C>(meta, args.getConfig<Record<string, unknown>>());
      check({ resources, config, report: (message, urn) => reportViolation(message, urn) });
    },
  };
}
