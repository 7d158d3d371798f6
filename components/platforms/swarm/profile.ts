import { StackConfig } from "../../config/schema";
import {
  CATALOGUE_REFRESH_SECONDS,
  ClusterLayout,
  DOCKER_SOCKET,
  PlatformCapabilities,
  PlatformProfile,
  RouteProvider,
  singleMember,
  VolumeClass,
  VolumeFacts,
  provisionVolumes,
} from "../../model";
import { SWARM_STORE_SUBSTITUTES } from "./service-spec";
import { swarmMetricsDiscovery } from "./metrics-discovery";

/** What Docker Swarm offers the concerns. */
export const swarmCapabilities = (settings: StackConfig["swarm"]): PlatformCapabilities => ({
  commandChecks: true,
  // The ingress routing mesh publishes a port on every node without binding it to a task.
  publishedPortsBindNodes: settings.publishMode === "host",
  dockerEngine: true,
  acmeIssuer: "proxy",
  stableMemberAddresses: true,
  memberNodePinning: true,
  floatingAddress: "vrrp",
  // Swarm sends the stop signal as it marks a task for shutdown: it has no pre-stop hook.
  drainsBeforeStop: false,
  // A fresh named volume takes the ownership of the image's directory, which is root's when the
  // image has no user.
  groupOwnsVolumes: false,
  storage: {
    cephCluster: "daemons",
    // A Swarm service can be neither privileged nor given a device (no such field in its spec).
    blockDevices: false,
    cephCsi: false,
    cephVolumeSecrets: false,
    // Docker's local driver mounts <path>/<volume>, which must be there.
    shareDirectories: "must-exist",
  },
  prose: {
    orchestrator: "Swarm",
    serviceDiscovery: "Swarm's service discovery",
    serviceCatalogue: "Swarm's health checks",
  },
});

/** What each volume class becomes on Swarm (see `service-spec.ts` for the mounts). */
export const SWARM_VOLUMES: Readonly<Record<VolumeClass, VolumeFacts>> = {
  ephemeral: { persistent: false, multiNode: false, pinsToNode: false },
  local: { persistent: true, multiNode: false, pinsToNode: true },
  // NFS or CephFS, mounted by the local driver on whichever node runs the task.
  shared: { persistent: true, multiNode: true, pinsToNode: false },
  // A Docker volume on the node: Swarm has no block storage that follows a task.
  block: { persistent: true, multiNode: false, pinsToNode: true },
  "host-readonly": { persistent: true, multiNode: false, pinsToNode: false },
};

/** Traefik's Swarm provider, reading services through the mounted Docker socket. */
export const swarmRouteProvider = (): RouteProvider => ({
  traefikArgs: [
    "--providers.swarm=true",
    `--providers.swarm.endpoint=unix://${DOCKER_SOCKET}`,
    "--providers.swarm.exposedByDefault=false",
    `--providers.swarm.refreshSeconds=${CATALOGUE_REFRESH_SECONDS}`,
  ],
  secrets: [],
});

/**
 * A cluster is one service per member, each with its own volume; a member is named by Swarm's DNS
 * name for its service's tasks (the task addresses, not the service's virtual IP).
 * @param prefix The stack's prefix of physical service names.
 */
export function swarmClusterLayout(prefix: string, base: string, size: number): ClusterLayout {
  if (size <= 1) return singleMember(base);
  const names = Array.from({ length: size }, (_, i) => `${base}-${i}`);
  const hosts = names.map((n) => `tasks.${prefix}${n}`);
  return {
    workloads: names.map((name, i) => ({ name, replicas: 1, host: hosts[i], ordinal: i })),
    peers: hosts,
  };
}

/**
 * Docker Swarm as the concerns see it.
 * @param prefix The stack's prefix of physical service names.
 * @param stack The Pulumi stack, the label of the stack's overlay network.
 */
export function swarmProfile(
  config: Pick<StackConfig, "swarm" | "monitoring" | "storage">,
  prefix: string,
  stack: string,
): PlatformProfile {
  return {
    capabilities: swarmCapabilities(config.swarm),
    volumes: provisionVolumes(SWARM_VOLUMES, config.storage.backend, SWARM_STORE_SUBSTITUTES),
    // The Docker API of a manager, through its socket; the docker group may read it.
    apiAccess: {
      dockerSocket: true,
      constraints: [{ attribute: "role", value: "manager" }],
      socketGroup: config.monitoring.dockerGroupId,
    },
    clusterLayout: (base, size) => swarmClusterLayout(prefix, base, size),
    routeProvider: swarmRouteProvider,
    metricsDiscovery: () => swarmMetricsDiscovery(stack),
  };
}
