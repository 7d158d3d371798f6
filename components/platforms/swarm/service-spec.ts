import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { nfsServerHost } from "../../config/parts/storage";
import { StackConfig } from "../../config/schema";
import {
  DEFAULT_RESTART,
  DOCKER_SOCKET,
  exemptionKey,
  META,
  NodeConstraint,
  replicaCount,
  ResolvedVolume,
  ResolvedWorkload,
  RoutePublishing,
  traefikLabels,
  userString,
  VolumeClass,
  VolumeStore,
  volumeStore,
  StoreSubstitutes,
} from "../../model";
import { goDuration, nanoCpus } from "./units";

/** What a Swarm service spec needs beyond the workload itself. */
export interface SwarmServiceContext {
  /** Physical name of the service; also its DNS name. */
  readonly serviceName: string;
  /** The overlay networks it joins (see `flow-networks.ts`); the alias only on its own. */
  readonly networks: pulumi.Input<
    pulumi.Input<{ readonly id: pulumi.Input<string>; readonly aliases?: string[] }>[]
  >;
  /** Its own group's network, where the proxy reaches it: Traefik's `traefik.swarm.network`. */
  readonly networkName: pulumi.Input<string>;
  readonly settings: StackConfig["swarm"];
  readonly routing: RoutePublishing;
  /** Swarm secret IDs and names, by model secret name. */
  readonly secrets: Record<
    string,
    { readonly id: pulumi.Input<string>; readonly name: pulumi.Input<string> }
  >;
  /** Swarm config IDs and names, by model file name. */
  readonly configs: Record<
    string,
    { readonly id: pulumi.Input<string>; readonly name: pulumi.Input<string> }
  >;
  /** Docker volume names, by model volume name. */
  readonly volumeNames: Record<string, pulumi.Input<string>>;
  /** Driver options of each persistent volume, so nodes that lack it create it identically. */
  readonly volumeDrivers: Record<string, SwarmVolumeDriver | undefined>;
}

export interface SwarmVolumeDriver {
  readonly driver: string;
  readonly options: Record<string, string>;
  /** Labels of the Docker volume. @default none */
  readonly labels?: Record<string, string>;
}

/** Swarm's placement constraint syntax for a neutral node constraint. */
export function swarmConstraint(c: NodeConstraint & { operator: "==" | "!=" }): string {
  switch (c.attribute) {
    case "role":
      return `node.role${c.operator}${c.value}`;
    case "hostname":
      return `node.hostname${c.operator}${c.value}`;
    case "label":
      return `node.labels.${c.key}${c.operator}${c.value}`;
  }
}

/**
 * How each volume class is stored on Swarm: scratch in memory, a read-only bind of a host path, a
 * Docker volume of the workload's own on its node, or one Docker volume per name for the stack.
 */
export type SwarmVolumeKind = "tmpfs" | "bind" | "volume" | "shared-volume";

export const SWARM_VOLUME_KINDS: Readonly<Record<VolumeClass, SwarmVolumeKind>> = {
  ephemeral: "tmpfs",
  "host-readonly": "bind",
  local: "volume",
  block: "volume",
  shared: "shared-volume",
};

type StorageSettings = StackConfig["storage"];

/**
 * The Docker volume driver of each store; undefined: a plain volume on the node's own disk. NFS
 * and CephFS are mounted by the local driver on whichever node runs the task, a directory per
 * volume name. Docker's local driver cannot map an RBD image (that needs a volume plugin), so
 * on Swarm the `block` class stays on the node's disk under every backend.
 */
/** Docker's local driver cannot map an RBD image: block volumes stay on the node's disk. */
export const SWARM_STORE_SUBSTITUTES: StoreSubstitutes = { rbd: "node" };

export const SWARM_STORE_DRIVERS: Record<
  VolumeStore,
  (storage: StorageSettings, volume: string) => SwarmVolumeDriver | undefined
> = {
  memory: () => undefined,
  host: () => undefined,
  node: () => undefined,
  rbd: () => undefined, // never reached: see SWARM_STORE_SUBSTITUTES
  nfs: (storage, volume) =>
    storage.nfs && {
      driver: "local",
      options: {
        type: "nfs",
        o: `addr=${nfsServerHost(storage.nfs)},${storage.nfs.options}`,
        device: `:${storage.nfs.path.replace(/\/$/, "")}/${volume}`,
      },
    },
  // Docker's local driver mounts with mount(2) itself (moby volume/local/local_unix.go), and the
  // kernel's CephFS client reads no files: `secretfile=` is the mount.ceph helper's, so a key
  // would have to sit in the volume's options, which Docker keeps in plain text on every node.
  // Each node mounts the CephFS directory `path` once instead (its fstab, with the secret file),
  // and a shared volume binds its own directory there.
  cephfs: (storage, volume) =>
    storage.ceph && {
      driver: "local",
      options: {
        type: "none",
        o: "bind",
        device: `${storage.ceph.mountPoint.replace(/\/$/, "")}/${volume}`,
      },
      labels: { [META.store]: "cephfs" },
    },
};

/** The Docker volume driver for a volume, in the store the stack's backend gives its class. */
export function swarmVolumeDriver(
  volume: ResolvedVolume,
  storage: StorageSettings,
): SwarmVolumeDriver | undefined {
  const store = volumeStore(storage.backend, volume.class, SWARM_STORE_SUBSTITUTES);
  return SWARM_STORE_DRIVERS[store](storage, volume.name);
}

const MOUNTS: Record<
  SwarmVolumeKind,
  (
    w: ResolvedWorkload,
    v: ResolvedVolume,
    ctx: SwarmServiceContext,
  ) => docker.types.input.ServiceTaskSpecContainerSpecMount
> = {
  tmpfs: (_w, v) => ({
    type: "tmpfs",
    target: v.mountPath,
    tmpfsOptions: { sizeBytes: v.size.bytes },
  }),
  bind: (_w, v) => ({ type: "bind", source: v.hostPath, target: v.mountPath, readOnly: true }),
  volume: (w, v, ctx) => volumeMount(w, v, ctx),
  "shared-volume": (w, v, ctx) => volumeMount(w, v, ctx),
};

function volumeMount(
  w: ResolvedWorkload,
  v: ResolvedVolume,
  ctx: SwarmServiceContext,
): docker.types.input.ServiceTaskSpecContainerSpecMount {
  const driver = ctx.volumeDrivers[v.name];
  return {
    type: "volume",
    source: ctx.volumeNames[v.name],
    target: v.mountPath,
    readOnly: v.readOnly,
    volumeOptions: driver
      ? { driverName: driver.driver, driverOptions: driver.options }
      : { labels: [{ label: META.workload, value: w.name }] },
  };
}

const mountFor = (w: ResolvedWorkload, v: ResolvedVolume, ctx: SwarmServiceContext) =>
  MOUNTS[SWARM_VOLUME_KINDS[v.class]](w, v, ctx);

const toLabelList = (labels: Record<string, pulumi.Input<string>>) =>
  Object.entries(labels)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([label, value]) => ({ label, value }));

/**
 * Why a cluster member runs without a container health check on Swarm: Swarm puts a task in its
 * DNS (`tasks.<service>`) only once the task is running, and a task with a health check runs only
 * once it is healthy, but members look each other up by name while they start (RabbitMQ's peer
 * list, MinIO's server URLs), before any of them can be healthy. Kubernetes publishes not-ready
 * members of a StatefulSet for the same reason.
 */
export const MEMBER_HEALTH_EXEMPTION =
  "a cluster member must be in Swarm's DNS while it starts, and Swarm adds a task with a health check only once it is healthy";

/** Builds the `docker.Service` arguments for a resolved workload. Pure: creates no resource. */
export function swarmServiceArgs(
  w: ResolvedWorkload,
  ctx: SwarmServiceContext,
): docker.ServiceArgs {
  const env: Record<string, pulumi.Input<string>> = { ...w.env };
  for (const s of w.secrets) {
    if (s.fileEnv) env[s.fileEnv] = s.path;
  }
  const mounts = w.volumes.map((v) => mountFor(w, v, ctx));
  if (w.security.dockerSocket) {
    mounts.push({
      type: "bind",
      source: DOCKER_SOCKET,
      target: DOCKER_SOCKET,
      readOnly: true,
    });
  }
  const replicas = replicaCount(w);
  const published = w.ports.filter((p) => p.publish);
  const placementConstraints = w.placement.constraints.map(swarmConstraint);
  // A cluster member: no health check (see MEMBER_HEALTH_EXEMPTION), and its own host name in
  // the container's /etc/hosts, so it resolves its own name before Swarm's DNS has it.
  // Swarm replaces a task whose one check fails, so that check is the local liveness check; a
  // readiness check that goes through another workload has no place here.
  const health = w.memberHost ? undefined : w.liveness;
  const failureAction = w.update.autoRollback ? "rollback" : "pause";

  return {
    name: ctx.serviceName,
    labels: toLabelList({
      ...w.metadata,
      // Service discovery keeps the task's address on this group's network (metrics-discovery.ts).
      [META.flowGroup]: w.flowGroup,
      ...(w.memberHost && w.health
        ? { [exemptionKey("workload-require-health-check")]: MEMBER_HEALTH_EXEMPTION }
        : {}),
      ...traefikLabels(w, {
        certResolver: ctx.routing.certResolver,
        upstreamEntryPoints: ctx.routing.upstreamEntryPoints,
        providerKeys: { "traefik.swarm.network": ctx.networkName },
      }),
    }),
    mode: replicas === undefined ? { global: true } : { replicated: { replicas } },
    taskSpec: {
      containerSpec: {
        image: w.image,
        hostname: w.memberHost,
        commands: w.command,
        args: w.args,
        env,
        user: w.security.user && userString(w.security.user),
        readOnly: w.security.readOnlyRootFilesystem,
        capDrops: w.security.dropAllCapabilities ? ["ALL"] : undefined,
        capAdds: w.security.capAdd.length > 0 ? w.security.capAdd : undefined,
        stopGracePeriod: goDuration(w.stopGracePeriod),
        healthcheck: health
          ? {
              tests: health.inContainerCommand,
              interval: goDuration(health.interval),
              timeout: goDuration(health.timeout),
              retries: health.retries,
              startPeriod: goDuration(health.startPeriod),
            }
          : undefined,
        secrets: w.secrets.map((s) => ({
          secretId: ctx.secrets[s.name].id,
          secretName: ctx.secrets[s.name].name,
          fileName: s.path,
          fileMode: 0o400,
          fileUid: w.security.user && String(w.security.user.uid),
          fileGid: w.security.user?.gid === undefined ? undefined : String(w.security.user.gid),
        })),
        configs: w.files.map((f) => ({
          configId: ctx.configs[f.name].id,
          configName: ctx.configs[f.name].name,
          fileName: f.path,
          fileMode: f.mode,
        })),
        mounts,
      },
      resources: {
        reservation: {
          nanoCpus: nanoCpus(w.resources.requests.cpu),
          memoryBytes: w.resources.requests.memory.bytes,
        },
        limits: {
          nanoCpus: w.resources.limits.cpu ? nanoCpus(w.resources.limits.cpu) : undefined,
          memoryBytes: w.resources.limits.memory?.bytes,
        },
      },
      restartPolicy: {
        condition: "any",
        delay: goDuration(DEFAULT_RESTART.delay),
        maxAttempts: DEFAULT_RESTART.maxAttempts,
        window: goDuration(DEFAULT_RESTART.window),
      },
      placement: {
        constraints: placementConstraints.length > 0 ? placementConstraints : undefined,
        maxReplicas: w.placement.maxPerNode,
        // Swarm spreads over the values of a node label; nodes without the label count as one
        // group, so on unlabelled nodes this falls back to Swarm's own spreading by node.
        prefs:
          w.placement.spread && replicas !== undefined
            ? ["spread=node.labels.homeport.zone"]
            : undefined,
      },
      networksAdvanceds: w.security.hostNetwork ? [{ name: "host" }] : ctx.networks,
    },
    endpointSpec: {
      mode: ctx.settings.endpointMode,
      ports:
        published.length > 0
          ? published.map((p) => ({
              name: p.name,
              protocol: p.protocol,
              targetPort: p.port,
              publishedPort: p.publish?.hostPort,
              // The node holding a floating address answers on it itself: the mesh would hand
              // the request to any node's proxy, which is not the one keepalived checks.
              publishMode: w.floatingAddress ? "host" : ctx.settings.publishMode,
            }))
          : undefined,
    },
    updateConfig: {
      parallelism: w.update.parallelism,
      delay: goDuration(w.update.delay),
      monitor: goDuration(w.update.monitor),
      failureAction,
      maxFailureRatio: "0",
      order: w.update.order,
    },
    rollbackConfig: {
      parallelism: w.update.parallelism,
      delay: "0s",
      monitor: goDuration(w.update.monitor),
      failureAction: "pause",
      maxFailureRatio: "0",
      order: w.update.order,
    },
    // The provider can only wait for replicated services to converge; it rejects the wait on a
    // global service.
    convergeConfig:
      replicas === undefined ? undefined : { delay: "5s", timeout: ctx.settings.convergeTimeout },
  };
}
