import * as pulumi from "@pulumi/pulumi";
import { ConfigError, StackCheck } from "../config/load";
import { NAMESPACE, StackConfig, TARGETS } from "../config/schema";
import { DataRetention, PlatformAdapter, PlatformCapabilities, RoutePublishing } from "../model";
import { KUBERNETES_CAPABILITIES } from "./kubernetes/profile";
import { nomadCapabilities } from "./nomad/profile";
import { nomadDiscoveryServer } from "./nomad/metrics-discovery";
import { swarmCapabilities } from "./swarm/profile";

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
      return nomadCapabilities(config.nomad);
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

/** A stack that asks for images built on a target whose engine the program cannot reach. */
const noImageBuild = (config: StackConfig, orchestrator: string): string[] =>
  config.apps.build && config.parts.includes("apps")
    ? [
        `${NAMESPACE}:apps.build is set, but on ${orchestrator} the program cannot build images on the nodes' engines. Fix: remove it, build and push the images to a registry (docs/apps.md "Building the images"), and name them in ${NAMESPACE}:apps.images.`,
      ]
    : [];

/** The problems a setting's value has on one target only, before anything is deployed. */
const TARGET_PROBLEMS: Record<(typeof TARGETS)[number], (config: StackConfig) => string[]> = {
  swarm: () => [],
  kubernetes: (config) => {
    const level = config.kubernetes.podSecurity;
    if (level === undefined || level === "privileged" || !config.parts.includes("monitoring")) {
      return noImageBuild(config, "Kubernetes");
    }
    return [
      ...noImageBuild(config, "Kubernetes"),
      `${NAMESPACE}:kubernetes.podSecurity is "${level}": node-exporter and cAdvisor of the monitoring part run in the same namespace and read host paths, which the ${level} Pod Security level never admits. Fix: remove it (the namespace then enforces privileged with monitoring) or set it to privileged, or remove monitoring from ${NAMESPACE}:parts.`,
    ];
  },
  nomad: (config) => {
    const problems = noImageBuild(config, "Nomad");
    if (!config.parts.includes("monitoring")) return problems;
    try {
      nomadDiscoveryServer(config.nomad, config.monitoring.nomadAddress);
      return problems;
    } catch (err) {
      if (err instanceof ConfigError) return [...problems, ...err.problems];
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

type Adapter = PlatformAdapter & pulumi.ComponentResource;
type AdapterArgs = { config: StackConfig; routing: RoutePublishing; retention: DataRetention };

/**
 * How each target's adapter is made. Each loads its module when it is called, so that a stack
 * loads its own orchestrator's adapter and SDK only: the others' modules cost CPU on every run
 * (the Kubernetes SDK alone about 60 ms) and nothing else needs them.
 */
/* eslint-disable @typescript-eslint/no-require-imports */
const ADAPTERS: Record<
  (typeof TARGETS)[number],
  (args: AdapterArgs, parent: pulumi.Resource) => Adapter
> = {
  swarm: (args, parent) => {
    const { SwarmPlatform } =
      require("./swarm/swarm-platform") as typeof import("./swarm/swarm-platform");
    return new SwarmPlatform("swarm", args, { parent });
  },
  kubernetes: (args, parent) => {
    const { KubernetesPlatform } =
      require("./kubernetes/kubernetes-platform") as typeof import("./kubernetes/kubernetes-platform");
    return new KubernetesPlatform("kubernetes", args, { parent });
  },
  // Nomad's volumes are node host volumes, which Pulumi neither creates nor deletes.
  nomad: ({ config, routing }, parent) => {
    const { NomadPlatform } =
      require("./nomad/nomad-platform") as typeof import("./nomad/nomad-platform");
    return new NomadPlatform("nomad", { config, routing }, { parent });
  },
};
/* eslint-enable @typescript-eslint/no-require-imports */

/**
 * The adapter for the stack's target, parented to `parent`: the one place that picks an
 * orchestrator. Concerns receive it as a {@link PlatformAdapter} and never learn which it is.
 */
export function createAdapter(
  config: StackConfig,
  routing: RoutePublishing,
  parent: pulumi.Resource,
  /** What happens to volumes that hold state on destroy. @default kept, not protected */
  retention: DataRetention = { retain: true, protect: false },
): Adapter {
  return ADAPTERS[config.target]({ config, routing, retention }, parent);
}
