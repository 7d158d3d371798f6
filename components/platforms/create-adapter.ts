import * as pulumi from "@pulumi/pulumi";
import { StackConfig } from "../config/schema";
import { PlatformAdapter, RoutePublishing } from "../model";
import { KubernetesPlatform } from "./kubernetes/kubernetes-platform";
import { NomadPlatform } from "./nomad/nomad-platform";
import { SwarmPlatform } from "./swarm/swarm-platform";

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
