import { ConfigError } from "../config/load";
import { Tier } from "../config/schema";
import { SchedulingSpec } from "../model";

/** The monitoring tiers whose number of copies a stack may set. */
export type MonitoringTier = Extract<Tier, "prometheus" | "alertmanager" | "grafana">;

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
  if (!scalable) {
    throw new ConfigError([
      `homeport:sizes.${tier} is ${replicas}: it runs exactly one copy (${reason}). Fix: remove it or set it to 1.`,
    ]);
  }
  return { mode: "replicated", replicas };
}
