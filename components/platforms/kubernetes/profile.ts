import { StackConfig } from "../../config/schema";
import {
  ClusterLayout,
  PlatformCapabilities,
  PlatformProfile,
  RouteProvider,
  singleMember,
  VolumeClass,
  VolumeFacts,
  provisionVolumes,
  PROXY_WORKLOAD,
  StorageBackend,
} from "../../model";
import { kubernetesMetricsDiscovery } from "./metrics-discovery";
import { agentNamespaceName, publicServiceName } from "./names";

/** What Kubernetes offers the concerns. */
export const KUBERNETES_CAPABILITIES: PlatformCapabilities = {
  commandChecks: true,
  // A LoadBalancer Service publishes the ports without binding them on a node.
  publishedPortsBindNodes: false,
  dockerEngine: false,
  // cert-manager fills one TLS secret per Ingress: any number of proxies may serve them.
  acmeIssuer: "platform",
  stableMemberAddresses: true,
  memberNodePinning: false,
  // MetalLB announces the address for the proxy's LoadBalancer Service.
  floatingAddress: "load-balancer",
  // The kubelet sends the stop signal as the pod is marked terminating (no pre-stop hook is set).
  drainsBeforeStop: false,
  // The pod's fsGroup owns its volumes (pod-spec.ts volumeGroup).
  groupOwnsVolumes: true,
  storage: {
    cephCluster: "operator",
    blockDevices: true,
    cephCsi: true,
    cephVolumeSecrets: false,
    // nfs-subdir-external-provisioner makes each claim's directory.
    shareDirectories: "provisioned",
  },
  prose: {
    orchestrator: "Kubernetes",
    serviceDiscovery: "Kubernetes' cluster DNS",
    serviceCatalogue: "Kubernetes' probes",
  },
};

/** What each volume class becomes on Kubernetes (see `pod-spec.ts` and `claims.ts`). */
export const KUBERNETES_VOLUMES: Readonly<Record<VolumeClass, VolumeFacts>> = {
  ephemeral: { persistent: false, multiNode: false, pinsToNode: false },
  // A ReadWriteOnce claim of the `local` storage class: its volume stays on one node.
  local: { persistent: true, multiNode: false, pinsToNode: true },
  shared: { persistent: true, multiNode: true, pinsToNode: false },
  block: { persistent: true, multiNode: false, pinsToNode: false },
  "host-readonly": { persistent: true, multiNode: false, pinsToNode: false },
};

/**
 * Traefik's Kubernetes Ingress and CRD providers, watching the stack's namespace. Traefik copies
 * the address of its LoadBalancer Service into every Ingress' status (the `publishedService`
 * of github.com/traefik/traefik/v3 pkg/provider/kubernetes/ingress/kubernetes.go): without an
 * address an Ingress never counts as ready, and `pulumi up` waits for it until it times out.
 */
export const kubernetesRouteProvider = (
  settings: Pick<StackConfig["kubernetes"], "namespace" | "ingressClass">,
): RouteProvider => ({
  traefikArgs: [
    "--providers.kubernetesingress=true",
    `--providers.kubernetesingress.ingressClass=${settings.ingressClass}`,
    `--providers.kubernetesingress.namespaces=${settings.namespace}`,
    `--providers.kubernetesingress.ingressEndpoint.publishedService=${settings.namespace}/${publicServiceName({ name: PROXY_WORKLOAD })}`,
    "--providers.kubernetescrd=true",
    `--providers.kubernetescrd.namespaces=${settings.namespace}`,
  ],
  secrets: [],
});

/**
 * A cluster is one StatefulSet whose replicas are the members, each named by its pod's own name
 * under the headless Service (the cluster domain is cluster.local).
 */
export function kubernetesClusterLayout(
  namespace: string,
  base: string,
  size: number,
): ClusterLayout {
  if (size <= 1) return singleMember(base);
  return {
    workloads: [{ name: base, replicas: size, ordinal: 0 }],
    peers: Array.from(
      { length: size },
      (_, i) => `${base}-${i}.${base}-headless.${namespace}.svc.cluster.local`,
    ),
  };
}

/** Kubernetes as the concerns see it. */
export function kubernetesProfile(
  settings: Pick<StackConfig["kubernetes"], "namespace" | "ingressClass" | "createNamespace">,
  backend: StorageBackend,
): PlatformProfile {
  return {
    capabilities: KUBERNETES_CAPABILITIES,
    volumes: provisionVolumes(KUBERNETES_VOLUMES, backend),
    // Workloads that read the API get their own service account (see `rbac.ts`).
    apiAccess: { dockerSocket: false, constraints: [] },
    clusterLayout: (base, size) => kubernetesClusterLayout(settings.namespace, base, size),
    routeProvider: () => kubernetesRouteProvider(settings),
    // The node agents run in their own namespace where the stack creates its namespaces.
    metricsDiscovery: () =>
      kubernetesMetricsDiscovery([
        settings.namespace,
        ...(settings.createNamespace ? [agentNamespaceName(settings.namespace)] : []),
      ]),
  };
}
