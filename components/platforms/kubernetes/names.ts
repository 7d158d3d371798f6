import { ResolvedWorkload } from "../../model";

/** Names and labels of the Kubernetes objects a workload becomes. */

/** Names of the objects that carry a workload's secrets and files. */
export const secretName = (w: ResolvedWorkload) => `${w.name}-secrets`;
export const configMapName = (w: ResolvedWorkload) => `${w.name}-files`;
export const claimName = (w: ResolvedWorkload, volume: string) => `${w.name}-${volume}`;
export const sharedClaimName = (volume: string) => `shared-${volume}`;

/** Selector labels: stable for the workload's lifetime. */
export function selectorLabels(w: ResolvedWorkload): Record<string, string> {
  return { "app.kubernetes.io/name": w.name, "app.kubernetes.io/instance": w.name };
}

/** Recommended labels on every object. */
export function objectLabels(w: ResolvedWorkload): Record<string, string> {
  return {
    ...selectorLabels(w),
    "app.kubernetes.io/component": w.part,
    "app.kubernetes.io/part-of": "homeport",
    "app.kubernetes.io/managed-by": "pulumi",
  };
}

/** Service account of a workload that reads the API to discover others. */
export const serviceAccountName = (w: ResolvedWorkload) => `${w.name}-discovery`;
/** Secret of the certificate for a workload's routes to proxy-internal services. */
export const internalTlsSecretName = (w: ResolvedWorkload) => `${w.name}-internal-tls`;

/** Name of the LoadBalancer Service that publishes a workload's published ports. */
export const publicServiceName = (w: Pick<ResolvedWorkload, "name">) => `${w.name}-public`;

/**
 * The PriorityClass of a stack's high-priority workloads (per-node agents). Cluster-scoped, so
 * named after the namespace: stacks sharing a cluster never clash.
 */
export const agentPriorityClassName = (namespace: string) => `${namespace}-node-agents`;

/**
 * The namespace of a stack's per-node agents (exporters), which need host paths: it enforces
 * Pod Security "privileged" so that the stack's own namespace need not.
 */
export const agentNamespaceName = (namespace: string) => `${namespace}-node-agents`;
