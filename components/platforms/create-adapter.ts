import * as pulumi from "@pulumi/pulumi";
import { StackConfig } from "../config/schema";
import { PlatformAdapter, PlatformCapabilities, RoutePublishing } from "../model";
import { KubernetesPlatform } from "./kubernetes/kubernetes-platform";
import { KUBERNETES_CAPABILITIES } from "./kubernetes/profile";
import { NomadPlatform } from "./nomad/nomad-platform";
import { nomadCapabilities } from "./nomad/profile";
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
      return nomadCapabilities(config.nomad);
  }
}

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
