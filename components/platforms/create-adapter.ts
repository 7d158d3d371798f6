import * as pulumi from "@pulumi/pulumi";
import { StackConfig } from "../config/schema";
import { KubernetesPlatform } from "./kubernetes/kubernetes-platform";
import { NomadPlatform } from "./nomad/nomad-platform";
import { PlatformAdapter } from "./platform";
import { RoutingOptions } from "./routing";
import { SwarmPlatform } from "./swarm/swarm-platform";

export interface AdapterOptions {
  readonly routing: RoutingOptions;
  /** Extra annotations for every Kubernetes Ingress. @default {} */
  readonly ingressAnnotations?: Record<string, string>;
  /**
   * Kubernetes: the controller of the IngressClass the platform creates under the stack's
   * `ingressClass` name. @default none: the IngressClass exists already
   */
  readonly ingressClassController?: string;
}

/** The adapter for the stack's target, parented to `parent`. */
export function createAdapter(
  config: StackConfig,
  options: AdapterOptions,
  parent: pulumi.Resource,
): PlatformAdapter & pulumi.ComponentResource {
  switch (config.target) {
    case "swarm":
      return new SwarmPlatform("swarm", { config, routing: options.routing }, { parent });
    case "kubernetes":
      return new KubernetesPlatform(
        "kubernetes",
        {
          config,
          ingressAnnotations: options.ingressAnnotations,
          ingressClassController: options.ingressClassController,
        },
        { parent },
      );
    case "nomad":
      return new NomadPlatform("nomad", { config, routing: options.routing }, { parent });
  }
}
