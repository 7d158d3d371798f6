import { createHash } from "node:crypto";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { StackConfig } from "../../config/schema";
import {
  DataRetention,
  dataResourceOptions,
  holdsState,
  exemptionKey,
  ingressRouteSpec,
  META,
  middlewareObjects,
  replicaCount,
  ResolvedVolume,
  ResolvedWorkload,
  usersSecretName,
  VolumeClass,
  VolumeProvisioning,
} from "../../model";
import {
  claimName,
  configMapName,
  internalTlsSecretName,
  objectLabels,
  publicServiceName,
  secretName,
  selectorLabels,
  serviceAccountName,
  agentPriorityClassName,
} from "./names";
import { controllerKind, deploymentStrategy, podSpec } from "./pod-spec";
import { DISCOVERY_RULES, ROUTE_SERVING_CLUSTER_RULES, ROUTE_SERVING_RULES, usesApi } from "./rbac";
import {
  hasIngressRoutes,
  ingressAnnotations,
  ingressSpec,
  internalCertificateSpec,
  publicService,
} from "./routes";
import { claimShape, ownsClaim } from "./claims";
import { flowLabels, networkPolicySpec } from "./network-policy";

export const KUBERNETES_WORKLOAD_TYPE = "homeport:kubernetes:Workload";

/** Failed attempts a Job makes before it counts as failed. */
export const JOB_BACKOFF_LIMIT = 4;

export interface KubernetesWorkloadArgs {
  readonly workload: ResolvedWorkload;
  readonly namespace: pulumi.Input<string>;
  readonly settings: StackConfig["kubernetes"];
  /** The stack's storage backend: where each volume class lives. */
  readonly storageBackend: StackConfig["storage"]["backend"];
  /** Extra Ingress annotations (e.g. cert-manager's issuer), decided by the reverse proxy. */
  readonly ingressAnnotations: Record<string, string>;
  /** cert-manager ClusterIssuer that certifies TLS routes. @default none */
  readonly clusterIssuer?: string;
  /** TLS ends upstream: routes on these entry points, plain HTTP. @default none */
  readonly upstreamEntryPoints?: readonly string[];
  readonly provider: k8s.Provider;
  readonly dependsOn?: pulumi.Input<pulumi.Input<pulumi.Resource>[]>;
  /** What happens to claims that hold state on destroy. @default kept, not protected */
  readonly retention?: DataRetention;
  /** What each volume class becomes here, for whether a volume holds state. */
  readonly volumes?: Readonly<Record<VolumeClass, VolumeProvisioning>>;
  /**
   * Other namespaces a discovery workload reads too (the node agents'): its role is bound there
   * as well. @default none
   */
  readonly discoveryNamespaces?: readonly pulumi.Input<string>[];
}

/** Pod-template annotation holding the checksum of the workload's files. */
export const FILES_CHECKSUM = "homeport.dev/files-checksum";

/** SHA-256 of a workload's file contents, in order. */
export const filesChecksum = (contents: string[]): string =>
  createHash("sha256").update(JSON.stringify(contents)).digest("hex");

/**
 * One workload on Kubernetes: Secret, ConfigMap, claims, its controller, Service, Ingress,
 * Traefik middlewares and a PodDisruptionBudget, all in the stack's namespace.
 */
export class KubernetesWorkload extends pulumi.ComponentResource {
  public readonly controller:
    k8s.apps.v1.Deployment | k8s.apps.v1.StatefulSet | k8s.apps.v1.DaemonSet | k8s.batch.v1.Job;
  public readonly service?: k8s.core.v1.Service;
  public readonly serviceName: pulumi.Output<string>;

  constructor(
    name: string,
    args: KubernetesWorkloadArgs,
    opts: pulumi.ComponentResourceOptions = {},
  ) {
    super(KUBERNETES_WORKLOAD_TYPE, name, {}, opts);
    const w = args.workload;
    const childOpts: pulumi.CustomResourceOptions = { parent: this, provider: args.provider };
    const labels = objectLabels(w);
    const meta = (objectName: string, annotations?: Record<string, string>) => ({
      name: objectName,
      namespace: args.namespace,
      labels,
      annotations,
    });
    const prerequisites: pulumi.Resource[] = [];

    if (w.secrets.length > 0) {
      prerequisites.push(
        new k8s.core.v1.Secret(
          `${name}-secrets`,
          {
            metadata: meta(secretName(w)),
            type: "Opaque",
            stringData: Object.fromEntries(w.secrets.map((s) => [s.name, s.value])),
          },
          childOpts,
        ),
      );
    }
    if (w.files.length > 0) {
      prerequisites.push(
        new k8s.core.v1.ConfigMap(
          `${name}-files`,
          {
            metadata: meta(configMapName(w)),
            data: Object.fromEntries(w.files.map((f) => [f.name, f.content])),
          },
          childOpts,
        ),
      );
    }
    if (usesApi(w)) {
      const account = new k8s.core.v1.ServiceAccount(
        `${name}-discovery`,
        { metadata: meta(serviceAccountName(w)), automountServiceAccountToken: true },
        childOpts,
      );
      const rules = [
        ...(w.security.discovery ? DISCOVERY_RULES : []),
        ...(w.security.servesRoutes ? ROUTE_SERVING_RULES : []),
      ];
      // The role in each namespace the workload reads, bound to its one service account.
      const bindRole = (resourceName: string, namespace: pulumi.Input<string>) => {
        const metadata = { ...meta(serviceAccountName(w)), namespace };
        const role = new k8s.rbac.v1.Role(resourceName, { metadata, rules }, childOpts);
        const binding = new k8s.rbac.v1.RoleBinding(
          resourceName,
          {
            metadata,
            roleRef: {
              apiGroup: "rbac.authorization.k8s.io",
              kind: "Role",
              name: role.metadata.name,
            },
            subjects: [
              { kind: "ServiceAccount", name: account.metadata.name, namespace: args.namespace },
            ],
          },
          childOpts,
        );
        return [role, binding];
      };
      prerequisites.push(
        account,
        ...bindRole(`${name}-discovery`, args.namespace),
        ...(w.security.discovery ? (args.discoveryNamespaces ?? []) : []).flatMap((ns, i) =>
          bindRole(`${name}-discovery-${i + 1}`, ns),
        ),
      );
      if (w.security.servesRoutes) {
        // Cluster-scoped: named after the namespace too, so stacks sharing a cluster never clash.
        const clusterName = pulumi.interpolate`${args.namespace}-${serviceAccountName(w)}`;
        const clusterRole = new k8s.rbac.v1.ClusterRole(
          `${name}-cluster-read`,
          { metadata: { name: clusterName, labels }, rules: ROUTE_SERVING_CLUSTER_RULES },
          childOpts,
        );
        prerequisites.push(
          clusterRole,
          new k8s.rbac.v1.ClusterRoleBinding(
            `${name}-cluster-read`,
            {
              metadata: { name: clusterName, labels },
              roleRef: {
                apiGroup: "rbac.authorization.k8s.io",
                kind: "ClusterRole",
                name: clusterRole.metadata.name,
              },
              subjects: [
                { kind: "ServiceAccount", name: account.metadata.name, namespace: args.namespace },
              ],
            },
            childOpts,
          ),
        );
      }
    }
    const kind = controllerKind(w);
    const ownClaims = w.volumes.filter(ownsClaim);
    const retention = args.retention ?? { retain: true, protect: false };
    const keeps = (v: ResolvedVolume): boolean =>
      v.holdsState ?? (args.volumes ? holdsState(v, args.volumes) : true);
    if (kind !== "StatefulSet") {
      for (const v of ownClaims) {
        prerequisites.push(
          new k8s.core.v1.PersistentVolumeClaim(
            `${name}-${v.name}`,
            {
              metadata: meta(claimName(w, v.name)),
              spec: claimShape(v, args.settings, args.storageBackend),
            },
            { ...childOpts, ...dataResourceOptions(keeps(v), retention) },
          ),
        );
      }
    }

    // The pods' flows are allowed before they start: under the namespace's default deny, a job
    // that ran before its policy would find its peers unreachable.
    prerequisites.push(
      new k8s.networking.v1.NetworkPolicy(
        `${name}-network-policy`,
        { metadata: meta(w.name), spec: networkPolicySpec(w) },
        childOpts,
      ),
    );

    // Files are mounted with subPath, which a running pod never refreshes: a checksum of their
    // content in the pod template rolls the pods out when a file changes.
    const annotations =
      w.files.length > 0
        ? pulumi
            .all(w.files.map((f) => pulumi.output(f.content)))
            .apply((contents) => ({ ...w.metadata, [FILES_CHECKSUM]: filesChecksum(contents) }))
        : w.metadata;
    const template = {
      metadata: { labels: { ...labels, ...flowLabels(w) }, annotations },
      spec: podSpec(w, agentPriorityClassName(args.settings.namespace)),
    };
    const controllerOpts = {
      ...childOpts,
      dependsOn: pulumi.output(args.dependsOn ?? []).apply((d) => [...d, ...prerequisites]),
    };
    const selector = { matchLabels: selectorLabels(w) };
    const replicas = replicaCount(w);
    if (kind === "Job") {
      // Pulumi's Kubernetes provider waits for the Job to complete and fails the update when it
      // fails, so workloads that depend on it start after it has succeeded.
      this.controller = new k8s.batch.v1.Job(
        name,
        {
          metadata: meta(w.name, w.metadata),
          spec: { backoffLimit: JOB_BACKOFF_LIMIT, template },
        },
        controllerOpts,
      );
    } else if (kind === "DaemonSet") {
      this.controller = new k8s.apps.v1.DaemonSet(
        name,
        {
          metadata: meta(w.name, w.metadata),
          spec: {
            selector,
            template,
            updateStrategy: {
              type: "RollingUpdate",
              rollingUpdate: { maxUnavailable: w.update.parallelism },
            },
          },
        },
        controllerOpts,
      );
    } else if (kind === "StatefulSet") {
      this.controller = new k8s.apps.v1.StatefulSet(
        name,
        {
          metadata: meta(w.name, w.metadata),
          spec: {
            serviceName: `${w.name}-headless`,
            replicas,
            selector,
            template,
            podManagementPolicy: "Parallel",
            // One member at a time, the rolling update's default. `rollingUpdate.maxUnavailable`
            // is not set: it is behind the MaxUnavailableStatefulSet gate, off by default up to
            // 1.36 (k8s.io/kubernetes pkg/features/kube_features.go), and a server with the gate
            // off drops it, so every preview after `up` showed it as a change.
            updateStrategy: { type: "RollingUpdate" },
            volumeClaimTemplates: ownClaims.map((v) => ({
              metadata: { name: `vol-${v.name}`, labels },
              spec: claimShape(v, args.settings, args.storageBackend),
            })),
            // Claims made from the templates are not Pulumi resources: Kubernetes keeps them when
            // the set is deleted or scaled down unless told otherwise, and is told so only when
            // the stack lets destroy delete data.
            ...(ownClaims.length > 0
              ? {
                  persistentVolumeClaimRetentionPolicy: {
                    whenDeleted: retention.retain ? "Retain" : "Delete",
                    whenScaled: "Retain",
                  },
                }
              : {}),
          },
        },
        controllerOpts,
      );
    } else {
      this.controller = new k8s.apps.v1.Deployment(
        name,
        {
          metadata: meta(w.name, w.metadata),
          spec: {
            replicas,
            selector,
            template,
            strategy: deploymentStrategy(w),
            progressDeadlineSeconds: 600,
            revisionHistoryLimit: 5,
          },
        },
        controllerOpts,
      );
    }

    const servicePorts = w.ports.map((p) => ({
      name: p.name,
      port: p.port,
      targetPort: p.name,
      protocol: p.protocol.toUpperCase(),
    }));
    if (servicePorts.length > 0) {
      this.service = new k8s.core.v1.Service(
        `${name}-service`,
        {
          metadata: meta(w.name),
          spec: { type: "ClusterIP", selector: selectorLabels(w), ports: servicePorts },
        },
        childOpts,
      );
      const publicSpec = publicService(w);
      if (publicSpec) {
        // The part's annotation tells the policy pack whose LoadBalancer this is; the
        // workload's exemption of the exposure rule, with its reason, travels with it.
        const exposure = exemptionKey("service-no-external-exposure");
        new k8s.core.v1.Service(
          `${name}-public`,
          {
            metadata: meta(publicServiceName(w), {
              [META.part]: w.part,
              ...(w.metadata[exposure] ? { [exposure]: w.metadata[exposure] } : {}),
              ...publicSpec.annotations,
            }),
            spec: publicSpec.spec,
          },
          childOpts,
        );
      }
      if (kind === "StatefulSet") {
        new k8s.core.v1.Service(
          `${name}-headless`,
          {
            metadata: meta(`${w.name}-headless`),
            spec: {
              clusterIP: "None",
              publishNotReadyAddresses: true,
              selector: selectorLabels(w),
              ports: servicePorts,
            },
          },
          childOpts,
        );
      }
    }

    if (kind !== "DaemonSet" && kind !== "Job") {
      new k8s.policy.v1.PodDisruptionBudget(
        `${name}-pdb`,
        { metadata: meta(w.name, w.metadata), spec: { maxUnavailable: 1, selector } },
        childOpts,
      );
    }

    if (w.routes.length > 0) {
      const middlewares = middlewareObjects(w).map((mw) => {
        const deps: pulumi.Resource[] = [];
        if (mw.secret !== undefined) {
          deps.push(
            new k8s.core.v1.Secret(
              `${name}-${mw.name}-users`,
              {
                metadata: meta(usersSecretName(mw.name)),
                type: "Opaque",
                stringData: { users: pulumi.secret(mw.secret) },
              },
              childOpts,
            ),
          );
        }
        return new k8s.apiextensions.CustomResource(
          `${name}-${mw.name}`,
          {
            apiVersion: "traefik.io/v1alpha1",
            kind: "Middleware",
            metadata: meta(mw.name),
            spec: mw.spec,
          },
          { ...childOpts, dependsOn: deps },
        );
      });
      const namespace = pulumi.output(args.namespace);
      if (hasIngressRoutes(w)) {
        new k8s.networking.v1.Ingress(
          `${name}-ingress`,
          {
            metadata: {
              name: w.name,
              namespace: args.namespace,
              labels,
              annotations: namespace.apply((ns) =>
                ingressAnnotations(w, ns, args.ingressAnnotations, args.upstreamEntryPoints),
              ),
            },
            spec: ingressSpec(w, args.settings.ingressClass, args.upstreamEntryPoints),
          },
          { ...childOpts, dependsOn: middlewares },
        );
      }
      const issuer = args.clusterIssuer;
      const certificate = issuer ? internalCertificateSpec(w, issuer) : undefined;
      if (certificate) {
        new k8s.apiextensions.CustomResource(
          `${name}-internal-certificate`,
          {
            apiVersion: "cert-manager.io/v1",
            kind: "Certificate",
            metadata: meta(internalTlsSecretName(w)),
            spec: certificate,
          },
          childOpts,
        );
      }
      const ingressRoute = ingressRouteSpec(
        w,
        certificate ? internalTlsSecretName(w) : undefined,
        args.upstreamEntryPoints,
      );
      if (ingressRoute) {
        new k8s.apiextensions.CustomResource(
          `${name}-ingressroute`,
          {
            apiVersion: "traefik.io/v1alpha1",
            kind: "IngressRoute",
            metadata: meta(w.name),
            spec: ingressRoute,
          },
          { ...childOpts, dependsOn: middlewares },
        );
      }
    }

    this.serviceName = pulumi.output(w.name);
    this.registerOutputs({ serviceName: this.serviceName });
  }
}
