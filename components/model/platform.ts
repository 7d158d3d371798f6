import * as pulumi from "@pulumi/pulumi";
import { MetricsDiscovery } from "./metrics-discovery";
import { ResolvedWorkload } from "./resolve";
import {
  StorageBackend,
  StoragePlan,
  StorageProvisioning,
  StoreSubstitutes,
  volumeStore,
  VolumeStore,
} from "./storage";
import { NodeConstraint, SecretSpec, VolumeClass, WorkloadSpec } from "./workload";

/**
 * The adapter contract: what a concern component (proxy, monitoring, apps, media, storage, edge…)
 * may know about the orchestrator it deploys on. A concern never asks which orchestrator it is;
 * it asks a capability or takes a strategy the adapter supplies. Only adapters import an
 * orchestrator's Pulumi package, and only `components/platforms/` holds adapters.
 */

/** What a deployed workload offers to the rest of the platform, the same on every orchestrator. */
export interface WorkloadDeployment {
  /** The workload's name on the platform network. */
  readonly serviceName: pulumi.Output<string>;
  /**
   * "host:port" of one of its ports, as other workloads reach it. Where the orchestrator resolves
   * addresses only when a task starts, this is a template expression that its adapter resolves
   * then; such values travel in `SecretSpec.prefix`/`suffix` or env, never inside a secret value.
   */
  address(port: string): pulumi.Output<string>;
  /** The leaf resources that run it, for `dependsOn`. */
  readonly resources: pulumi.Resource[];
  /**
   * For a run-to-completion job: its resources, resolved only once the job has succeeded (a
   * failed job fails the deployment). Pass it as `dependsOn` to start a workload after the job.
   */
  readonly completed?: pulumi.Output<pulumi.Resource[]>;
}

export interface DeployOptions {
  /** The concern component that asked for the workload; the workload's resources sit under it. */
  readonly parent: pulumi.Resource;
  /** Resources that must exist, and be ready, before this workload starts. */
  readonly dependsOn?: pulumi.Input<pulumi.Input<pulumi.Resource>[]>;
}

/** An image built on the target's engine from a Dockerfile (a stack that has no registry). */
export interface ImageBuildSpec {
  /** The reference the image is tagged with, which workloads then name. */
  readonly image: string;
  /** Directory holding the Dockerfile (the main build context). */
  readonly dockerfileDir: string;
  /** Named build contexts (`--build-context name=<path or git URL>`). @default {} */
  readonly contexts?: Readonly<Record<string, string>>;
  /** Build arguments (`--build-arg name=value`). @default {} */
  readonly args?: Readonly<Record<string, string>>;
  /** The network RUN steps have (`--network`). @default "default", the engine's own */
  readonly network?: "default" | "host" | "none";
}

/** A floating address for the orchestrator's load balancer to announce, from the listed nodes only. */
export interface AddressPoolSpec {
  /** IPv4 address, without a prefix length. */
  readonly ip: string;
  /** The interface it is announced on. */
  readonly interface: string;
  /** The nodes that may announce it, by name. */
  readonly nodes: readonly string[];
  /** Where the load balancer runs (MetalLB's namespace on Kubernetes). */
  readonly namespace: string;
}

/** One workload of a stateful cluster's layout. */
export interface ClusterWorkload {
  /** The workload to deploy. */
  readonly name: string;
  /** Its replicas: 1 where each member is its own workload, the cluster size for one set. */
  readonly replicas: number;
  /** The member's own stable host, where each member is its own workload. */
  readonly host?: string;
  /** The member's position (0 for a set of several), for its pinned node. */
  readonly ordinal: number;
}

/**
 * A service catalogue that cluster members register in and discover each other through (e.g.
 * RabbitMQ's Consul peer discovery), as a member's own process reaches it.
 */
export interface MemberCatalogue {
  readonly kind: "consul";
  /** Host of its HTTP API; may be an expression the adapter resolves in the member's env. */
  readonly host: string;
  readonly port: number;
  readonly scheme: string;
  /** ACL token, delivered as a secret. @default none */
  readonly token?: SecretSpec["value"];
}

/** How a stateful cluster of N members (RabbitMQ, MinIO…) is deployed on an orchestrator. */
export interface ClusterLayout {
  /** Workloads to deploy: one per member, or one set whose replicas are the members. */
  readonly workloads: ClusterWorkload[];
  /** The stable host of every member, by which peers name each other; [] for a single member. */
  readonly peers: string[];
  /**
   * The catalogue members discover each other through, instead of a fixed list of peers.
   * @default none: members find each other by `peers`
   */
  readonly catalogue?: MemberCatalogue;
}

/**
 * How a workload that reads the orchestrator's API (the proxy's route discovery, Prometheus'
 * service discovery) gets that access, beyond `SecuritySpec.discovery` / `servesRoutes`.
 */
export interface ApiAccess {
  /** Mount the container engine's socket read-only: the API is the engine's. */
  readonly dockerSocket: boolean;
  /** Where such a workload must run to reach the API (e.g. managers only). */
  readonly constraints: NodeConstraint[];
  /**
   * Group owning the socket, so a workload can read it without running as root.
   * @default none: no socket, or the socket's group is not known
   */
  readonly socketGroup?: number;
}

/** How the reverse proxy (Traefik) learns the routes the adapter publishes. */
export interface RouteProvider {
  /** Traefik static-configuration arguments that enable this orchestrator's provider. */
  readonly traefikArgs: string[];
  /** Secrets the provider reads (e.g. an ACL token), delivered to the proxy. @default [] */
  readonly secrets: SecretSpec[];
}

/**
 * How routes are published, decided once per stack from the reverse proxy's settings. Each
 * adapter uses what its orchestrator offers and ignores the rest.
 */
export interface RoutePublishing {
  /**
   * Traefik certificate resolver that TLS routes name, where the proxy itself holds the ACME
   * account. @default none: certificates come from elsewhere
   */
  readonly certResolver?: string;
  /**
   * ACME issuer of the platform (cert-manager's ClusterIssuer) that certifies TLS routes, where the
   * platform issues certificates. @default none
   */
  readonly clusterIssuer?: string;
  /**
   * Create the class of routes the proxy serves (an IngressClass), where the orchestrator has one.
   * @default false
   */
  readonly createRouteClass?: boolean;
  /**
   * TLS ends at an upstream proxy (`homeport:proxy.behindProxy`): every route is served in plain
   * HTTP on these entry points, with no TLS and no resolver. @default none: routes use web/websecure
   */
  readonly upstreamEntryPoints?: readonly string[];
}

/**
 * How a volume class becomes storage on an orchestrator under the stack's storage backend: where
 * it lives ({@link BACKEND_STORES}) and the facts a concern may need. Each adapter gives one per
 * {@link VolumeClass}.
 */
export interface VolumeProvisioning extends VolumeFacts {
  /** Where the data lives, decided by the storage backend. */
  readonly store: VolumeStore;
}

/** What an orchestrator makes of a volume class, before the backend decides its store. */
export interface VolumeFacts {
  /** Data outlives the task (and the workload's replacement). */
  readonly persistent: boolean;
  /** Several nodes may mount it at once. */
  readonly multiNode: boolean;
  /** A workload using it is pinned to the node that holds the data. */
  readonly pinsToNode: boolean;
}

/**
 * What happens to volumes that hold state when Pulumi deletes them (`pulumi destroy`, or a
 * replacement), decided once per stack (`homeport:storage.deleteDataOnDestroy`, the environment).
 */
export interface DataRetention {
  /** Leave them on the target when Pulumi deletes them (`retainOnDelete`). */
  readonly retain: boolean;
  /** Refuse to delete them at all until the option is removed (`protect`). */
  readonly protect: boolean;
}

/** The resource options an adapter gives the resources of a volume, by whether it holds state. */
export function dataResourceOptions(
  holdsState: boolean,
  retention: DataRetention,
): { retainOnDelete?: boolean; protect?: boolean } {
  if (!holdsState) return {};
  return {
    ...(retention.retain ? { retainOnDelete: true } : {}),
    ...(retention.protect ? { protect: true } : {}),
  };
}

/** Whether a volume holds state: its own say, else whether its class is persistent there. */
export const holdsState = (
  volume: { readonly holdsState?: boolean; readonly class: VolumeClass },
  volumes: Readonly<Record<VolumeClass, VolumeProvisioning>>,
): boolean =>
  volume.holdsState ?? (volume.class !== "host-readonly" && volumes[volume.class].persistent);

/** Yes/no questions a concern may ask the orchestrator. */
export interface PlatformCapabilities {
  /** Health checks of kind "command" run here; where they do not, `HealthCheckSpec.port` is checked. */
  readonly commandChecks: boolean;
  /**
   * Every node binds published ports itself: two publishers cannot share a node, and a rollout
   * cannot start a new one beside the old one. False behind a routing mesh or a load balancer.
   */
  readonly publishedPortsBindNodes: boolean;
  /** Containers run on the Docker engine, so node agents (cAdvisor) read it directly. */
  readonly dockerEngine: boolean;
  /**
   * Who obtains ACME certificates: "proxy" (Traefik's own resolver, one instance holding the
   * account) or "platform" (cert-manager, so several proxy instances may run).
   */
  readonly acmeIssuer: "proxy" | "platform";
  /**
   * Cluster members get stable addresses of their own (peers can name each other). Where they do
   * not, a cluster runs as one member.
   */
  readonly stableMemberAddresses: boolean;
  /**
   * A member's persistent volume is on one node, so members are pinned to named nodes
   * (`homeport:apps.nodes`); false where each member's claim follows it.
   */
  readonly memberNodePinning: boolean;
  /** What the storage part can do here. */
  readonly storage: {
    /**
     * How homeport runs a Ceph cluster here (`storage.ceph.cluster: create`): "operator", the
     * adapter's `provisionStorage` hands it to an operator (Rook); "daemons", the storage part
     * deploys each monitor, manager, OSD and MDS as a workload pinned to its node, then a job
     * that makes the pools and the CephFS; "none", it cannot.
     */
    readonly cephCluster: "operator" | "daemons" | "none";
    /**
     * A workload may run privileged with a node's block device (an OSD on a whole disk); where
     * it cannot, OSDs keep bluestore in a file on a node-local volume.
     */
    readonly blockDevices: boolean;
    /**
     * Volumes on an existing Ceph cluster go through ceph-csi, which needs the user's key and the
     * cluster's fsid; elsewhere nodes mount CephFS with a secret file of their own.
     */
    readonly cephCsi: boolean;
    /**
     * Every volume on Ceph is registered with the user's key and the cluster's fsid (Nomad's CSI
     * volumes), whether or not homeport deploys the provisioner.
     */
    readonly cephVolumeSecrets: boolean;
    /**
     * Who makes each shared volume's directory on an NFS share: "provisioned", a provisioner or
     * CSI controller as the volume is created; "must-exist", nobody, so the NFS server that
     * homeport runs makes one per shared volume name before it serves.
     */
    readonly shareDirectories: "provisioned" | "must-exist";
  };
  /**
   * How a floating address (`homeport:edge.floatingIp`) is held in front of the proxy: "vrrp",
   * keepalived on the listed nodes with the proxy's ports published on them; "load-balancer", the
   * orchestrator's load balancer announces it for the proxy's published ports
   * ({@link PlatformAdapter.deployAddressPool}).
   */
  readonly floatingAddress: "vrrp" | "load-balancer";
  /**
   * The orchestrator keeps a routed workload's replica serving for a drain after it is told to
   * stop, until the proxy has dropped it (e.g. a pre-stop hook). Where it does not, an app that
   * can drain itself is told to.
   */
  readonly drainsBeforeStop: boolean;
  /**
   * A workload's volumes are made writable by its group (Kubernetes' fsGroup), so a non-root
   * process can write a fresh volume. Where not, a fresh volume is root's.
   */
  readonly groupOwnsVolumes: boolean;
  /**
   * How messages name this orchestrator and its service catalogue, for prose only (warnings,
   * exemption reasons): never compared.
   */
  readonly prose: {
    /** e.g. "Nomad". */
    readonly orchestrator: string;
    /** Its service discovery, e.g. "Nomad's built-in service discovery". */
    readonly serviceDiscovery: string;
    /** Its service catalogue's checks, e.g. "Nomad's built-in service catalogue". */
    readonly serviceCatalogue: string;
  };
}

/**
 * One orchestrator. Concern components describe workloads in the neutral model and hand them to
 * {@link deploy}; what they need to know of the orchestrator is a capability or a strategy here.
 */
export interface PlatformAdapter {
  /** Deploys one workload, declared by `part` (proxy, monitoring, apps…). */
  deploy(name: string, part: string, spec: WorkloadSpec, opts: DeployOptions): WorkloadDeployment;
  /**
   * Builds an image on the target's engine; workloads that name it depend on the returned
   * resource. Absent where the target cannot build (the stack checks refuse such a stack).
   */
  buildImage?(name: string, spec: ImageBuildSpec, opts: DeployOptions): pulumi.Resource;
  /**
   * Where `capabilities.floatingAddress` is "load-balancer": the objects that let the load
   * balancer hand `pool.ip` to a workload's published ports ({@link WorkloadSpec.floatingAddress}).
   * @default absent where the address is held by VRRP
   */
  deployAddressPool?(name: string, pool: AddressPoolSpec, opts: DeployOptions): pulumi.Resource[];
  /**
   * Deploys what the storage backend needs here (provisioners, CSI plugins, a Ceph cluster),
   * declared by the storage part, before any workload that has volumes.
   */
  provisionStorage(plan: StoragePlan, opts: DeployOptions): StorageProvisioning;
  /**
   * Called once, after the last part has deployed its workloads: what needs every workload (on
   * Swarm, the networks the scraper and the proxy join) resolves then.
   * @default nothing waits for it
   */
  complete?(): void;
  readonly capabilities: PlatformCapabilities;
  /** Per volume class, what the orchestrator makes of it. */
  readonly volumes: Readonly<Record<VolumeClass, VolumeProvisioning>>;
  /**
   * How a stateful cluster of `size` members is laid out, named after `base`. A single member
   * where `size` is 1 or members get no stable addresses.
   */
  clusterLayout(base: string, size: number): ClusterLayout;
  /** How workloads that read the orchestrator's API reach it. */
  readonly apiAccess: ApiAccess;
  /** Which Traefik provider serves routes here. */
  routeProvider(): RouteProvider;
  /**
   * How Prometheus discovers workloads here.
   * @throws ConfigError when a setting it needs is missing.
   */
  metricsDiscovery(): MetricsDiscovery;
}

/**
 * Everything an adapter tells the concerns, without deploying anything: each adapter builds it
 * from its settings alone, so it can be known before any resource exists.
 */
export type PlatformProfile = Omit<PlatformAdapter, "deploy" | "provisionStorage" | "complete">;

/** Why routes carry no TLS of their own where it ends upstream: the exemption's reason. */
export const UPSTREAM_TLS_REASON =
  "TLS ends at the upstream proxy (homeport:proxy.behindProxy): routes are plain HTTP on its entry points";

/**
 * The workload as the adapter publishes it: where TLS ends upstream, a routed workload carries the
 * visible exemption from `route-require-tls` with its reason.
 */
export function withPublishing(
  spec: WorkloadSpec,
  routing: RoutePublishing | undefined,
): WorkloadSpec {
  if (!routing?.upstreamEntryPoints || (spec.routes ?? []).length === 0) return spec;
  return {
    ...spec,
    exemptions: [
      ...(spec.exemptions ?? []),
      { rule: "route-require-tls", reason: UPSTREAM_TLS_REASON },
    ],
  };
}

/**
 * The profile's volumes: an adapter's facts per class, each class in the store the backend gives
 * it, or the one the orchestrator serves instead (`substitutes`). A multi-node class kept on the
 * node's disk (`shared` with the `local` backend) is no longer
 * multi-node: it pins its workloads to the node that holds it.
 */
export function provisionVolumes(
  facts: Readonly<Record<VolumeClass, VolumeFacts>>,
  backend: StorageBackend,
  substitutes: StoreSubstitutes = {},
): Record<VolumeClass, VolumeProvisioning> {
  const entry = (cls: VolumeClass): VolumeProvisioning => {
    const store = volumeStore(backend, cls, substitutes);
    const onNode = store === "node" && facts[cls].multiNode;
    return { ...facts[cls], ...(onNode ? { multiNode: false, pinsToNode: true } : {}), store };
  };
  return {
    ephemeral: entry("ephemeral"),
    local: entry("local"),
    shared: entry("shared"),
    block: entry("block"),
    "host-readonly": entry("host-readonly"),
  };
}

/** A single member: the layout of a cluster of one, or where members get no stable addresses. */
export const singleMember = (base: string): ClusterLayout => ({
  workloads: [{ name: base, replicas: 1, ordinal: 0 }],
  peers: [],
});

/** The number of a workload's named port; throws naming the workload and the port otherwise. */
export function portOf(workload: ResolvedWorkload, port: string): number {
  const found = workload.ports.find((candidate) => candidate.name === port);
  if (!found) throw new Error(`Workload "${workload.name}" has no port named "${port}".`);
  return found.port;
}
