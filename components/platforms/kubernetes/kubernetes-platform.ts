import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { StackConfig } from "../../config/schema";
import { resolveWorkload, WorkloadSpec } from "../../model";
import { dnsAddress, DeployOptions, PlatformAdapter, WorkloadDeployment } from "../platform";
import { claimShape, KubernetesWorkload } from "./kubernetes-workload";
import { sharedClaimName } from "./manifests";

export const KUBERNETES_PLATFORM_TYPE = "homeport:kubernetes:Platform";

/**
 * The Pod Security level the namespace enforces: the setting, else "baseline", or "privileged"
 * when monitoring runs node-exporter and cAdvisor, whose read-only host paths baseline forbids.
 */
export function podSecurityLevel(config: StackConfig): "privileged" | "baseline" | "restricted" {
  return (
    config.kubernetes.podSecurity ??
    (config.parts.includes("monitoring") ? "privileged" : "baseline")
  );
}

export interface KubernetesPlatformArgs {
  readonly config: StackConfig;
  /** Extra annotations for every Ingress, e.g. cert-manager's issuer. @default {} */
  readonly ingressAnnotations?: Record<string, string>;
  /**
   * Controller of the IngressClass to create under the stack's `ingressClass` name, e.g.
   * "traefik.io/ingress-controller". @default none: the cluster has that IngressClass already
   */
  readonly ingressClassController?: string;
}

/** Kubernetes: a provider for the configured context, the stack's namespace and the workloads in it. */
export class KubernetesPlatform extends pulumi.ComponentResource implements PlatformAdapter {
  public readonly target = "kubernetes" as const;
  public readonly provider: k8s.Provider;
  public readonly namespace: pulumi.Output<string>;
  private readonly args: KubernetesPlatformArgs;
  private readonly sharedClaims = new Map<string, k8s.core.v1.PersistentVolumeClaim>();

  constructor(
    name: string,
    args: KubernetesPlatformArgs,
    opts: pulumi.ComponentResourceOptions = {},
  ) {
    super(KUBERNETES_PLATFORM_TYPE, name, {}, opts);
    this.args = args;
    const settings = args.config.kubernetes;
    this.provider = new k8s.Provider(
      `${name}-k8s`,
      { context: settings.context, kubeconfig: settings.kubeconfig, namespace: settings.namespace },
      { parent: this },
    );
    if (settings.createNamespace) {
      const ns = new k8s.core.v1.Namespace(
        `${name}-namespace`,
        {
          metadata: {
            name: settings.namespace,
            labels: {
              "app.kubernetes.io/part-of": "homeport",
              "pod-security.kubernetes.io/enforce": podSecurityLevel(args.config),
              "pod-security.kubernetes.io/warn": "restricted",
            },
          },
        },
        { parent: this, provider: this.provider },
      );
      this.namespace = ns.metadata.name;
    } else {
      this.namespace = pulumi.output(settings.namespace);
    }
    if (args.ingressClassController) {
      new k8s.networking.v1.IngressClass(
        `${name}-ingress-class`,
        {
          metadata: {
            name: settings.ingressClass,
            labels: { "app.kubernetes.io/part-of": "homeport" },
          },
          spec: { controller: args.ingressClassController },
        },
        { parent: this, provider: this.provider },
      );
    }
    this.registerOutputs({ namespace: this.namespace });
  }

  deploy(name: string, part: string, spec: WorkloadSpec, opts: DeployOptions): WorkloadDeployment {
    const workload = resolveWorkload(name, part, spec);
    const shared = workload.volumes
      .filter((v) => v.class === "shared")
      .map((v) => this.sharedClaim(v.name, claimShape(v, this.args.config.kubernetes)));
    const component = new KubernetesWorkload(
      name,
      {
        workload,
        namespace: this.namespace,
        settings: this.args.config.kubernetes,
        ingressAnnotations: this.args.ingressAnnotations ?? {},
        provider: this.provider,
        dependsOn: pulumi.output(opts.dependsOn ?? []).apply((d) => [...d, ...shared]),
      },
      { parent: opts.parent },
    );
    return {
      serviceName: component.serviceName,
      address: (port) => dnsAddress(workload, port),
      resources: [component.controller],
      // The provider's await logic holds the Job until it has completed, or fails it.
      completed:
        workload.scheduling.mode === "job" ? pulumi.output([component.controller]) : undefined,
    };
  }

  /** A StatefulSet pod's own name under its headless Service (the cluster domain is cluster.local). */
  memberHost(workload: string, ordinal = 0): string {
    return `${workload}-${ordinal}.${workload}-headless.${this.args.config.kubernetes.namespace}.svc.cluster.local`;
  }

  private sharedClaim(
    volume: string,
    shape: ReturnType<typeof claimShape>,
  ): k8s.core.v1.PersistentVolumeClaim {
    let claim = this.sharedClaims.get(volume);
    if (!claim) {
      claim = new k8s.core.v1.PersistentVolumeClaim(
        `shared-${volume}`,
        {
          metadata: {
            name: sharedClaimName(volume),
            namespace: this.namespace,
            labels: { "app.kubernetes.io/part-of": "homeport" },
          },
          spec: shape,
        },
        { parent: this, provider: this.provider },
      );
      this.sharedClaims.set(volume, claim);
    }
    return claim;
  }
}
