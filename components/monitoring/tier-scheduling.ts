import { ConfigError } from "../config/load";
import { Tier } from "../config/schema";
import { SchedulingSpec } from "../model";

/** The monitoring tiers whose number of copies a stack may set. */
export type MonitoringTier = Extract<Tier, "prometheus" | "alertmanager" | "grafana">;

/** Why each monitoring tier runs as it does, and whether it may run several copies. */
export const MONITORING_TIERS: Record<
  MonitoringTier,
  { readonly reason: string; readonly scalable: boolean }
> = {
  prometheus: {
    reason:
      "one TSDB per replica: a second copy is a separate HA twin, set homeport:sizes.prometheus to run two",
    scalable: true,
  },
  alertmanager: {
    reason: "silences and the notification log live in one instance (no gossip cluster)",
    scalable: false,
  },
  grafana: {
    reason: "users, preferences and sessions live in one SQLite database",
    scalable: false,
  },
};

/** The problem with a monitoring tier's size, or undefined when it can run that many copies. */
export function tierSizeProblem(
  replicas: number | undefined,
  tier: MonitoringTier,
  reason: string = MONITORING_TIERS[tier].reason,
  scalable: boolean = MONITORING_TIERS[tier].scalable,
): string | undefined {
  if (replicas === undefined || replicas === 1 || scalable) return undefined;
  return `homeport:sizes.${tier} is ${replicas}: it runs exactly one copy (${reason}). Fix: remove it or set it to 1.`;
}

/**
 * How many copies of a monitoring tier run. Unset means one, recorded as a singleton with its
 * reason; tiers that cannot scale refuse any other count with a clear error.
 */
export function tierScheduling(
  replicas: number | undefined,
  tier: MonitoringTier,
  reason: string,
  scalable: boolean,
): SchedulingSpec {
  if (replicas === undefined || replicas === 1) return { mode: "singleton", reason };
  const problem = tierSizeProblem(replicas, tier, reason, scalable);
  if (problem) throw new ConfigError([problem]);
  return { mode: "replicated", replicas };
}
