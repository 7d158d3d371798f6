import * as k8s from "@pulumi/kubernetes";
import { metallbObjects } from "../../edge/metallb";
import * as pulumi from "@pulumi/pulumi";
import { StackConfig } from "../../config/schema";
import {
  DataRetention,
  dataResourceOptions,
  AddressPoolSpec,
  DeployOptions,
  resolveWorkload,
  withPublishing,
  RoutePublishing,
  StoragePlan,
  StorageProvisioning,
  WorkloadDeployment,
  WorkloadSpec,
} from "../../model";
import { dnsAddress } from "../dns-address";
import { PlatformComponent } from "../platform-component";
import { kubernetesProfile } from "./profile";
import { claimShape, KUBERNETES_CLAIMS } from "./claims";
import { provisionKubernetesStorage } from "./storage";
import { KubernetesWorkload } from "./kubernetes-workload";
import { agentNamespaceName, agentPriorityClassName, sharedClaimName } from "./names";
import { DEFAULT_DENY_SPEC } from "./network-policy";
import { issuerAnnotations, TRAEFIK_INGRESS_CONTROLLER } from "./routes";

export const KUBERNETES_PLATFORM_TYPE = "homeport:kubernetes:Platform";

/**
 * The Pod Security level the namespace enforces: the setting, else "baseline", or "privileged"
 * when the storage part runs the NFS server, whose DAC_READ_SEARCH baseline forbids. The node
 * agents (node-exporter, cAdvisor), whose read-only host paths baseline forbids, run in their own
 * namespace, which alone is "privileged".
 */
export function podSecurityLevel(config: StackConfig): "privileged" | "baseline" | "restricted" {
  return (
    config.kubernetes.podSecurity ??
    (config.storage.backend === "nfs" && config.storage.nfs?.serve ? "privileged" : "baseline")
  );
}

/** Priority of the per-node agents' PriorityClass: above every workload's default of 0. */
export const AGENT_PRIORITY = 1000000;

export interface KubernetesPlatformArgs {
  readonly config: StackConfig;
  /**
   * How routes are published: cert-manager's ClusterIssuer is named on every Ingress, and
   * `createRouteClass` creates the IngressClass of the stack's `ingressClass` name for Traefik.
   * @default {}: no issuer, the cluster has that IngressClass already
   */
  readonly routing?: RoutePublishing;
  /** What happens to claims that hold state on destroy. @default kept, not protected */
  readonly retention?: DataRetention;
}

/** Name of the namespace's default-deny NetworkPolicy. */
export const DEFAULT_DENY_NAME = "homeport-default-deny";

/** Kubernetes: a provider for the configured context, the stack's namespace and the workloads in it. */
export class KubernetesPlatform extends PlatformComponent {
  public readonly provider: k8s.Provider;
  public readonly namespace: pulumi.Output<string>;
  /** The namespace's default-deny NetworkPolicy for the model's pods. */
  public readonly defaultDeny: k8s.networking.v1.NetworkPolicy;
  private readonly namespaceResource?: k8s.core.v1.Namespace;
  private readonly args: KubernetesPlatformArgs;
  private readonly sharedClaims = new Map<string, k8s.core.v1.PersistentVolumeClaim>();
  private readonly retention: DataRetention;
  private agentPriority?: k8s.scheduling.v1.PriorityClass;
  private agentNamespace?: k8s.core.v1.Namespace;
  private readonly baseName: string;

  constructor(
    name: string,
    args: KubernetesPlatformArgs,
    opts: pulumi.ComponentResourceOptions = {},
  ) {
    super(
      KUBERNETES_PLATFORM_TYPE,
      name,
      kubernetesProfile(args.config.kubernetes, args.config.storage.backend),
      opts,
    );
    this.args = args;
    this.baseName = name;
    this.retention = args.retention ?? { retain: true, protect: false };
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
        // Kept as the data is: deleting a namespace deletes the claims in it, and with them the
        // volumes of a class whose reclaim policy is Delete.
        { parent: this, provider: this.provider, ...dataResourceOptions(true, this.retention) },
      );
      this.namespace = ns.metadata.name;
      this.namespaceResource = ns;
    } else {
      this.namespace = pulumi.output(settings.namespace);
    }
    // Default deny for the model's pods: each workload's own policy allows its declared flows.
    this.defaultDeny = new k8s.networking.v1.NetworkPolicy(
      `${name}-default-deny`,
      {
        metadata: {
          name: DEFAULT_DENY_NAME,
          namespace: this.namespace,
          labels: { "app.kubernetes.io/part-of": "homeport" },
        },
        spec: DEFAULT_DENY_SPEC,
      },
      { parent: this, provider: this.provider },
    );
    if (args.routing?.createRouteClass) {
      new k8s.networking.v1.IngressClass(
        `${name}-ingress-class`,
        {
          metadata: {
            name: settings.ingressClass,
            labels: { "app.kubernetes.io/part-of": "homeport" },
          },
          spec: { controller: TRAEFIK_INGRESS_CONTROLLER },
        },
        { parent: this, provider: this.provider },
      );
    }
    this.registerOutputs({ namespace: this.namespace });
  }

  provisionStorage(plan: StoragePlan, opts: DeployOptions): StorageProvisioning {
    return {
      resources: provisionKubernetesStorage(plan, this.args.config.kubernetes.namespace, {
        parent: opts.parent,
        provider: this.provider,
        // Objects in the stack's namespace wait for it, and for what the storage part runs first
        // (the NFS server).
        dependsOn: pulumi
          .output(opts.dependsOn ?? [])
          .apply((d) => [...(this.namespaceResource ? [this.namespaceResource] : []), ...d]),
      }),
    };
  }

  deploy(name: string, part: string, spec: WorkloadSpec, opts: DeployOptions): WorkloadDeployment {
    const workload = resolveWorkload(name, part, withPublishing(spec, this.args.routing));
    const issuer = this.args.routing?.clusterIssuer;
    const shared = workload.volumes
      .filter((v) => KUBERNETES_CLAIMS[v.class]?.owner === "stack")
      .map((v) =>
        this.sharedClaim(
          v.name,
          claimShape(v, this.args.config.kubernetes, this.args.config.storage.backend),
        ),
      );
    const priority = workload.priority === "high" ? [this.agentPriorityClass()] : [];
    // Per-node agents in their own namespace, where the stack creates its namespaces.
    const ownNamespaces = this.args.config.kubernetes.createNamespace;
    const agents =
      workload.scheduling.mode === "per-node" && ownNamespaces
        ? this.agentNamespaceResource()
        : undefined;
    const readsAgents =
      workload.security.discovery && ownNamespaces ? this.agentNamespaceResource() : undefined;
    const component = new KubernetesWorkload(
      name,
      {
        workload,
        namespace: agents ? agents.metadata.name : this.namespace,
        discoveryNamespaces: readsAgents ? [readsAgents.metadata.name] : [],
        settings: this.args.config.kubernetes,
        storageBackend: this.args.config.storage.backend,
        ingressAnnotations: issuerAnnotations(issuer),
        clusterIssuer: issuer,
        upstreamEntryPoints: this.args.routing?.upstreamEntryPoints,
        provider: this.provider,
        dependsOn: pulumi
          .output(opts.dependsOn ?? [])
          .apply((d) => [...d, ...shared, ...priority, ...(agents ? [agents] : [])]),
        retention: this.retention,
        volumes: this.volumes,
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

  /**
   * The floating address as MetalLB's IPAddressPool and L2Advertisement, in MetalLB's namespace
   * (components/edge/metallb.ts): MetalLB must already run there; its CRDs define the kinds.
   */
  deployAddressPool(name: string, pool: AddressPoolSpec, opts: DeployOptions): pulumi.Resource[] {
    const { pool: ipPool, advertisement } = metallbObjects({
      floatingIp: {
        address: { ip: pool.ip },
        interface: pool.interface,
        nodes: pool.nodes.map((n) => ({ name: n })),
      },
      name,
      namespace: pool.namespace,
      labels: { "app.kubernetes.io/part-of": "homeport" },
    });
    const child = { parent: opts.parent, provider: this.provider, dependsOn: opts.dependsOn };
    const created = new k8s.apiextensions.CustomResource(`${name}-pool`, ipPool, child);
    return [
      created,
      new k8s.apiextensions.CustomResource(`${name}-l2`, advertisement, {
        ...child,
        dependsOn: [created],
      }),
    ];
  }

  /**
   * The PriorityClass of high-priority workloads, made with the first: the scheduler places a
   * node agent on a node full by requests by preempting a lower-priority pod. Its value stays below
   * the system classes (2000000000 and up) that the cluster's own components use.
   */
  private agentPriorityClass(): k8s.scheduling.v1.PriorityClass {
    this.agentPriority ??= new k8s.scheduling.v1.PriorityClass(
      `${this.baseName}-agent-priority`,
      {
        metadata: {
          name: agentPriorityClassName(this.args.config.kubernetes.namespace),
          labels: { "app.kubernetes.io/part-of": "homeport" },
        },
        value: AGENT_PRIORITY,
        preemptionPolicy: "PreemptLowerPriority",
        globalDefault: false,
        description:
          "Per-node agents (exporters): scheduled on every node, before other workloads.",
      },
      { parent: this, provider: this.provider },
    );
    return this.agentPriority;
  }

  /**
   * The node agents' namespace, made with the first agent (or the first workload that reads
   * them): "privileged", because the agents mount host paths read-only; nothing else runs there.
   */
  private agentNamespaceResource(): k8s.core.v1.Namespace {
    this.agentNamespace ??= new k8s.core.v1.Namespace(
      `${this.baseName}-agent-namespace`,
      {
        metadata: {
          name: agentNamespaceName(this.args.config.kubernetes.namespace),
          labels: {
            "app.kubernetes.io/part-of": "homeport",
            "pod-security.kubernetes.io/enforce": "privileged",
            "pod-security.kubernetes.io/warn": "baseline",
          },
        },
      },
      { parent: this, provider: this.provider },
    );
    return this.agentNamespace;
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
        // A shared claim holds the data of every workload that mounts it.
        { parent: this, provider: this.provider, ...dataResourceOptions(true, this.retention) },
      );
      this.sharedClaims.set(volume, claim);
    }
    return claim;
  }
}
