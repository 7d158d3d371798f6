import { StackConfig } from "../../config/schema";
import {
  CATALOGUE_REFRESH_SECONDS,
  PlatformCapabilities,
  PlatformProfile,
  RouteProvider,
  SecretSpec,
  singleMember,
  VolumeClass,
  VolumeFacts,
  provisionVolumes,
} from "../../model";
import { consulClusterLayout, consulMetricsDiscovery, consulRouteProvider } from "./consul";
import { nomadDiscoveryServer, nomadMetricsDiscovery } from "./metrics-discovery";

/** What Nomad, with its built-in service catalogue, offers the concerns. */
export const NOMAD_CAPABILITIES: PlatformCapabilities = {
  // The built-in catalogue runs http and tcp checks only; script checks need Consul.
  commandChecks: false,
  // Published ports are reserved ports of each allocation's node.
  publishedPortsBindNodes: true,
  dockerEngine: true,
  acmeIssuer: "proxy",
  // The built-in service discovery has no DNS: cluster peers cannot name each other.
  stableMemberAddresses: false,
  memberNodePinning: true,
  floatingAddress: "vrrp",
  // No shutdown_delay is set on the groups: the stop signal comes as the services deregister.
  drainsBeforeStop: false,
  // Host volumes and CSI volumes are root's; the docker driver has no fsGroup.
  groupOwnsVolumes: false,
  storage: {
    cephCluster: "none",
    blockDevices: true,
    cephCsi: true,
    cephVolumeSecrets: true,
    // The CSI controller makes each volume's directory (CreateVolume).
    shareDirectories: "provisioned",
  },
  prose: {
    orchestrator: "Nomad",
    serviceDiscovery: "Nomad's built-in service discovery",
    serviceCatalogue: "Nomad's built-in service catalogue",
  },
};

/** What Nomad offers the concerns when its services live in Consul. */
export const NOMAD_CONSUL_CAPABILITIES: PlatformCapabilities = {
  ...NOMAD_CAPABILITIES,
  // Consul runs script checks: Nomad executes the command in the task and reports the result.
  commandChecks: true,
  // Every registered service answers as <service>.service.consul on Consul's DNS.
  stableMemberAddresses: true,
  prose: {
    orchestrator: "Nomad",
    serviceDiscovery: "Consul's service discovery",
    serviceCatalogue: "Consul's checks",
  },
};

/** What Nomad offers, by the catalogue its services are registered in. */
export const nomadCapabilities = (
  settings: Pick<StackConfig["nomad"], "serviceProvider">,
): PlatformCapabilities =>
  settings.serviceProvider === "consul" ? NOMAD_CONSUL_CAPABILITIES : NOMAD_CAPABILITIES;

/** What each volume class becomes on Nomad (see `jobspec.ts`). */
export const NOMAD_VOLUMES: Readonly<Record<VolumeClass, VolumeFacts>> = {
  ephemeral: { persistent: false, multiNode: false, pinsToNode: false },
  // A host volume of the node, named after the workload and the volume.
  local: { persistent: true, multiNode: false, pinsToNode: true },
  // A CSI volume of the NFS or CephFS plugin, multi-node multi-writer.
  shared: { persistent: true, multiNode: true, pinsToNode: false },
  // A host volume, or a single-node CSI volume of the RBD plugin with the ceph backend.
  block: { persistent: true, multiNode: false, pinsToNode: true },
  "host-readonly": { persistent: true, multiNode: false, pinsToNode: false },
};

/** True when a URL names the machine itself, which inside a bridge-mode task is the task. */
export const isLoopbackUrl = (url: string): boolean =>
  /^[a-z]+:\/\/(localhost|127\.\d+\.\d+\.\d+|\[::1\])(:\d+)?(\/|$)/i.test(url);

/**
 * Nomad address as seen from inside the proxy's container: the configured one, unless it points at
 * the loopback interface; then the node's agent, interpolated by Nomad when the task starts.
 */
export function nomadEndpoint(address: string | undefined): string {
  if (address && !isLoopbackUrl(address)) return address;
  return "http://${attr.unique.network.ip-address}:4646";
}

/** Traefik's Nomad provider, reading the stack's namespace of the built-in catalogue. */
export function nomadRouteProvider(
  settings: Pick<StackConfig["nomad"], "address" | "namespace" | "region">,
  token: SecretSpec["value"] | undefined,
): RouteProvider {
  return {
    traefikArgs: [
      "--providers.nomad=true",
      "--providers.nomad.exposedByDefault=false",
      `--providers.nomad.namespaces=${settings.namespace}`,
      `--providers.nomad.endpoint.address=${nomadEndpoint(settings.address)}`,
      `--providers.nomad.endpoint.region=${settings.region}`,
      `--providers.nomad.refreshInterval=${CATALOGUE_REFRESH_SECONDS}s`,
    ],
    // Traefik's Nomad provider reads NOMAD_TOKEN when no token is configured.
    secrets: token !== undefined ? [{ name: "nomad-token", value: token, env: "NOMAD_TOKEN" }] : [],
  };
}

/** Nomad, with its built-in service catalogue or with Consul, as the concerns see it. */
export function nomadProfile(
  config: Pick<StackConfig, "nomad" | "proxy" | "monitoring" | "storage">,
): PlatformProfile {
  const settings = config.nomad;
  // Tasks reach Nomad's and Consul's HTTP APIs over the network: nothing to mount.
  const apiAccess = { dockerSocket: false, constraints: [] };
  if (settings.serviceProvider === "consul") {
    const consul = settings.consul;
    return {
      capabilities: NOMAD_CONSUL_CAPABILITIES,
      volumes: provisionVolumes(NOMAD_VOLUMES, config.storage.backend),
      apiAccess,
      clusterLayout: (base, size) => consulClusterLayout(consul, base, size),
      routeProvider: () => consulRouteProvider(consul),
      metricsDiscovery: () => consulMetricsDiscovery(consul),
    };
  }
  return {
    capabilities: NOMAD_CAPABILITIES,
    volumes: provisionVolumes(NOMAD_VOLUMES, config.storage.backend),
    apiAccess,
    // Without DNS for cluster peers, a cluster runs as one member.
    clusterLayout: (base) => singleMember(base),
    routeProvider: () => nomadRouteProvider(settings, config.proxy.nomadToken),
    metricsDiscovery: () =>
      nomadMetricsDiscovery(
        settings,
        nomadDiscoveryServer(settings, config.monitoring.nomadAddress),
      ),
  };
}
