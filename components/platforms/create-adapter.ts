import * as pulumi from "@pulumi/pulumi";
import { ConfigError, StackCheck } from "../config/load";
import { NAMESPACE, StackConfig, TARGETS } from "../config/schema";
import { PlatformAdapter, PlatformCapabilities, RoutePublishing } from "../model";
import { KubernetesPlatform } from "./kubernetes/kubernetes-platform";
import { KUBERNETES_CAPABILITIES } from "./kubernetes/profile";
import { NomadPlatform } from "./nomad/nomad-platform";
import { nomadDiscoveryServer } from "./nomad/metrics-discovery";
import { NOMAD_CAPABILITIES } from "./nomad/profile";
import { swarmCapabilities } from "./swarm/profile";
import { SwarmPlatform } from "./swarm/swarm-platform";

/**
 * What the stack's orchestrator will offer, known before anything is deployed, so settings that
 * depend on it are checked before any resource exists.
 */
export function platformCapabilities(config: StackConfig): PlatformCapabilities {
  switch (config.target) {
    case "swarm":
      return swarmCapabilities(config.swarm);
    case "kubernetes":
      return KUBERNETES_CAPABILITIES;
    case "nomad":
      return NOMAD_CAPABILITIES;
  }
}

/** Settings that only one target reads, by the top-level or part block that holds them. */
const TARGET_ONLY_SETTINGS: ReadonlyArray<readonly [string, (typeof TARGETS)[number]]> = [
  ["swarm", "swarm"],
  ["kubernetes", "kubernetes"],
  ["nomad", "nomad"],
  ["proxy.nomadToken", "nomad"],
  ["monitoring.nomadAddress", "nomad"],
];

/** The problems a setting's value has on one target only, before anything is deployed. */
const TARGET_PROBLEMS: Record<(typeof TARGETS)[number], (config: StackConfig) => string[]> = {
  swarm: () => [],
  kubernetes: (config) => {
    const level = config.kubernetes.podSecurity;
    if (level === undefined || level === "privileged" || !config.parts.includes("monitoring")) {
      return [];
    }
    return [
      `${NAMESPACE}:kubernetes.podSecurity is "${level}": node-exporter and cAdvisor of the monitoring part run in the same namespace and read host paths, which the ${level} Pod Security level never admits. Fix: remove it (the namespace then enforces privileged with monitoring) or set it to privileged, or remove monitoring from ${NAMESPACE}:parts.`,
    ];
  },
  nomad: (config) => {
    if (!config.parts.includes("monitoring")) return [];
    try {
      nomadDiscoveryServer(config.nomad, config.monitoring.nomadAddress);
      return [];
    } catch (err) {
      if (err instanceof ConfigError) return [...err.problems];
      throw err;
    }
  },
};

/**
 * The checks of a stack's settings against its target, before any resource exists: values that
 * cannot work there (errors), and settings another target reads, which are ignored (warnings).
 */
export const platformChecks: StackCheck = (config, given) => ({
  problems: TARGET_PROBLEMS[config.target](config),
  warnings: TARGET_ONLY_SETTINGS.filter(
    ([path, target]) => target !== config.target && given(path.split(".")),
  ).map(
    ([path, target]) =>
      `${NAMESPACE}:${path} is set, but only a ${target} stack reads it and this stack's ${NAMESPACE}:target is ${config.target}: it is ignored. Fix: remove it, or set ${NAMESPACE}:target to ${target}.`,
  ),
});

/**
 * The adapter for the stack's target, parented to `parent`: the one place that picks an
 * orchestrator. Concerns receive it as a {@link PlatformAdapter} and never learn which it is.
 */
export function createAdapter(
  config: StackConfig,
  routing: RoutePublishing,
  parent: pulumi.Resource,
): PlatformAdapter & pulumi.ComponentResource {
  switch (config.target) {
    case "swarm":
      return new SwarmPlatform("swarm", { config, routing }, { parent });
    case "kubernetes":
      return new KubernetesPlatform("kubernetes", { config, routing }, { parent });
    case "nomad":
      return new NomadPlatform("nomad", { config, routing }, { parent });
  }
}
