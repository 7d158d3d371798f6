import { StackConfig } from "../../config/schema";
import {
  DEFAULT_RESTART,
  exemptionKey,
  META,
  NodeConstraint,
  replicaCount,
  ResolvedHealthCheck,
  ResolvedVolume,
  ResolvedWorkload,
  seconds,
  userString,
  VolumeStore,
  volumeStore,
  wholeMebibytes,
} from "../../model";
import { nomadMetaKey } from "./meta-key";
import { nanoseconds } from "./units";

/**
 * Nomad's JSON job format (the API's `Job` object, field names as Nomad spells them). Only the
 * fields we set are typed; Nomad fills in the rest.
 */
export type NomadJobspec = Record<string, unknown> & { ID: string; Name: string; Type: string };

/** Delimiters that never occur in configuration files, so Nomad copies them verbatim. */
export const LITERAL_DELIMITERS = {
  LeftDelim: "[[homeport-literal[[",
  RightDelim: "]]homeport-literal]]",
} as const;

/** Path of a workload's secrets in Nomad Variables; tasks of the job may read it by default. */
export const variablePath = (jobId: string): string => `nomad/jobs/${jobId}`;

/** Key of a secret among the job's variable items (template field names cannot hold dashes). */
export const variableItemKey = (secret: string): string => secret.replace(/-/g, "_");

/** Service name Nomad registers for a workload's port: the workload name for the first port. */
export const nomadServiceName = (w: ResolvedWorkload, port: string): string =>
  w.ports[0]?.name === port ? w.name : `${w.name}-${port}`;

/**
 * Template expression that resolves a service's address at task start: the first registered
 * instance (a connection string needs one address, not every instance run together).
 */
export const nomadServiceAddress = (service: string): string =>
  `{{ with nomadService "${service}" }}{{ with index . 0 }}{{ .Address }}:{{ .Port }}{{ end }}{{ end }}`;

function nomadConstraint(c: NodeConstraint & { operator: "==" | "!=" }) {
  const operand = c.operator === "==" ? "=" : "!=";
  switch (c.attribute) {
    case "hostname":
      return { LTarget: "${attr.unique.hostname}", RTarget: c.value, Operand: operand };
    case "label":
      return { LTarget: `\${meta.${c.key}}`, RTarget: c.value, Operand: operand };
    case "role":
      // Swarm's manager/worker role has no Nomad counterpart: it is not translated.
      return undefined;
  }
}

/**
 * Tags of the service registered for the metrics port. Prometheus' Nomad discovery sees tags but
 * not meta, so the keys Prometheus relabels on are repeated here, as `key=value`.
 */
export function metricsTags(w: ResolvedWorkload): string[] {
  if (!w.metrics) return [];
  return [META.workload, META.part, META.metricsPath].map(
    (key) => `${nomadMetaKey(key)}=${w.metadata[key]}`,
  );
}

const meta = (w: ResolvedWorkload): Record<string, string> =>
  Object.fromEntries(Object.entries(w.metadata).map(([k, v]) => [nomadMetaKey(k), v]));

function templateOwner(w: ResolvedWorkload): { Uid?: number; Gid?: number } {
  const user = w.security.user;
  if (!user) return {};
  return { Uid: user.uid, ...(user.gid !== undefined ? { Gid: user.gid } : {}) };
}

/** Where a volume goes in the jobspec: a docker mount, a docker volume string, or a group volume. */
interface NomadVolumePlacement {
  readonly mount?: Record<string, unknown>;
  readonly dockerVolume?: string;
  readonly volume?: Record<string, unknown>;
}

/**
 * The id of a volume's storage on Nomad (its host volume, or its CSI volume): one per name for
 * the stack's `shared` volumes, one per workload and name otherwise.
 */
export const nomadVolumeSource = (w: ResolvedWorkload, v: ResolvedVolume): string =>
  v.class === "shared" ? v.name : `${w.name}-${v.name}`;

/** A CSI volume of the stack's NFS or Ceph plugin, with the access mode of its store. */
const csiVolume = (
  w: ResolvedWorkload,
  v: ResolvedVolume,
  accessMode: "multi-node-multi-writer" | "single-node-writer",
): NomadVolumePlacement => ({
  volume: {
    Name: v.name,
    Type: "csi",
    Source: nomadVolumeSource(w, v),
    ReadOnly: v.readOnly,
    AccessMode: accessMode,
    AttachmentMode: "file-system",
    // A single-node volume per replica: `<source>[0]`, `<source>[1]`… (api/tasks.go PerAlloc).
    ...(accessMode === "single-node-writer" && (replicaCount(w) ?? 1) > 1
      ? { PerAlloc: true }
      : {}),
  },
});

/**
 * Each store on Nomad: tmpfs, a read-only bind, a host volume of the node, or a CSI volume of the
 * storage part's plugin (NFS and CephFS many writers, RBD one node).
 */
const NOMAD_STORE_MOUNTS: Record<
  VolumeStore,
  (w: ResolvedWorkload, v: ResolvedVolume) => NomadVolumePlacement
> = {
  memory: (_w, v) => ({
    mount: {
      type: "tmpfs",
      target: v.mountPath,
      readonly: false,
      tmpfs_options: { size: v.size.bytes },
    },
  }),
  host: (_w, v) => ({ dockerVolume: `${v.hostPath}:${v.mountPath}:ro` }),
  node: (w, v) => ({
    volume: { Name: v.name, Type: "host", Source: nomadVolumeSource(w, v), ReadOnly: v.readOnly },
  }),
  nfs: (w, v) => csiVolume(w, v, "multi-node-multi-writer"),
  cephfs: (w, v) => csiVolume(w, v, "multi-node-multi-writer"),
  rbd: (w, v) => csiVolume(w, v, "single-node-writer"),
};

export interface NomadJobContext {
  readonly jobId: string;
  readonly settings: StackConfig["nomad"];
  /** The stack's storage backend: where each volume class lives. */
  readonly storageBackend: StackConfig["storage"]["backend"];
  /** Plain (non-secret) values of env and files; secrets never reach the jobspec. */
  readonly env: Record<string, string>;
  readonly files: Record<string, string>;
  /** Resolved Traefik tags of the workload's routes (see {@link traefikLabels}). */
  readonly tags: Record<string, string>;
  /**
   * Resolved plain text around secrets, by secret name (see `SecretSpec.prefix`): it is written
   * into the template around the variable's item, so addresses in it resolve at task start.
   * @default none
   */
  readonly secretAffixes?: Record<string, { readonly prefix: string; readonly suffix: string }>;
}

/** A secret's template text: its variable item, inside its plain prefix and suffix if any. */
function secretTemplate(ctx: NomadJobContext, secret: string, json: boolean): string {
  const item = `.${variableItemKey(secret)}`;
  const affix = ctx.secretAffixes?.[secret];
  if (!affix || (affix.prefix === "" && affix.suffix === ""))
    return json ? `{{ ${item} | toJSON }}` : `{{ ${item} }}`;
  return `${affix.prefix}{{ ${item} }}${affix.suffix}`;
}

/**
 * Job priority per model priority: Nomad's default is 50, its range 1 to 100 (nomad/api jobs.go
 * Job.Priority; structs.JobDefaultPriority).
 */
export const NOMAD_PRIORITY: Record<ResolvedWorkload["priority"], number> = {
  normal: 50,
  high: 90,
};

function checkFor(
  w: ResolvedWorkload,
  provider: "nomad" | "consul",
  h: ResolvedHealthCheck | undefined = w.health,
  name = `${w.name}-health`,
) {
  if (!h) return undefined;
  const timing = {
    Interval: nanoseconds(h.interval),
    Timeout: nanoseconds(h.timeout),
    // Consul's DNS hides an instance whose checks are critical, which they are until they first
    // pass: a cluster member starts as "warning" so that its peers can resolve it while the
    // cluster forms (nomad/api services.go ServiceCheck.InitialStatus).
    ...(provider === "consul" && isClusterMember(w) ? { InitialStatus: "warning" } : {}),
  };
  switch (h.kind) {
    case "http":
      return { Name: name, Type: "http", Path: h.path, PortLabel: h.port, ...timing };
    case "tcp":
      return { Name: name, Type: "tcp", PortLabel: h.port, ...timing };
    case "command":
      // Nomad's own service catalogue runs http and tcp checks only; script checks need Consul.
      // Without Consul, a command check falls back to a TCP check of its port, if it names one.
      if (provider === "consul")
        return {
          Name: name,
          Type: "script",
          Command: h.command[0],
          Args: h.command.slice(1),
          TaskName: w.name,
          ...timing,
        };
      return h.port === undefined
        ? undefined
        : { Name: name, Type: "tcp", PortLabel: h.port, ...timing };
  }
}

/**
 * A local liveness check, where the health check goes through another workload: the only check
 * that restarts the task (`check_restart`, nomad/api services.go CheckRestart: Limit, Grace), so
 * an outage of the dependency never does. A health check that is local restarts nothing here, as
 * before: Nomad restarts a task whose process exits.
 */
function livenessCheckFor(w: ResolvedWorkload, provider: "nomad" | "consul") {
  const live = w.liveness;
  if (!live || live === w.health) return undefined;
  const check = checkFor(w, provider, live, `${w.name}-live`);
  return (
    check && {
      ...check,
      CheckRestart: {
        Limit: live.retries,
        Grace: nanoseconds(live.startPeriod),
        IgnoreWarnings: false,
      },
    }
  );
}

/**
 * Renders a workload as a Nomad job: one group, one docker task. Secrets come from Nomad
 * Variables through templates, so the jobspec itself holds none.
 */
export function nomadJobspec(
  w: ResolvedWorkload,
  ctx: NomadJobContext,
  serviceProvider: "nomad" | "consul" = ctx.settings.serviceProvider,
): NomadJobspec {
  const replicas = replicaCount(w);
  const perNode = replicas === undefined;
  // A run-to-completion job is a batch job: no deployment, no canary, no migration; a failed
  // allocation is not rescheduled, so a failure is final and reported at once.
  const batch = w.scheduling.mode === "job";
  const check = checkFor(w, serviceProvider);
  const checks = [check, livenessCheckFor(w, serviceProvider)].filter((c) => c !== undefined);
  const templated = Object.entries(ctx.env).filter(([, v]) => v.includes("{{"));
  const plainEnv = Object.fromEntries(Object.entries(ctx.env).filter(([, v]) => !v.includes("{{")));
  for (const s of w.secrets) if (s.fileEnv && !s.env) plainEnv[s.fileEnv] = s.path;

  const templates: Record<string, unknown>[] = [];
  const mounts: Record<string, unknown>[] = [];
  const envSecrets = w.secrets.filter((s) => s.env);
  if (envSecrets.length > 0 || templated.length > 0) {
    const secretLines = envSecrets.map((s) => `${s.env}=${secretTemplate(ctx, s.name, true)}`);
    const lines = [
      ...(secretLines.length > 0
        ? [`{{ with nomadVar "${variablePath(ctx.jobId)}" }}`, ...secretLines, "{{ end }}"]
        : []),
      ...templated.map(([k, v]) => `${k}=${v}`),
    ];
    templates.push({
      EmbeddedTmpl: lines.join("\n") + "\n",
      DestPath: "secrets/env.env",
      Envvars: true,
      ChangeMode: "restart",
    });
  }
  for (const s of w.secrets.filter((s) => !s.env)) {
    templates.push({
      EmbeddedTmpl: `{{ with nomadVar "${variablePath(ctx.jobId)}" }}${secretTemplate(ctx, s.name, false)}{{ end }}`,
      DestPath: `secrets/${s.name}`,
      ChangeMode: "restart",
      Perms: "0400",
      // The file belongs to the task's user, so a non-root process can read its own secret.
      ...templateOwner(w),
    });
    mounts.push({ type: "bind", source: `secrets/${s.name}`, target: s.path, readonly: true });
  }
  for (const f of w.files) {
    templates.push({
      EmbeddedTmpl: ctx.files[f.name],
      DestPath: `local/${f.name}`,
      ChangeMode: "restart",
      Perms: f.mode.toString(8).padStart(4, "0"),
      ...LITERAL_DELIMITERS,
    });
    mounts.push({ type: "bind", source: `local/${f.name}`, target: f.path, readonly: true });
  }

  const volumes: Record<string, unknown> = {};
  const volumeMounts: Record<string, unknown>[] = [];
  const dockerVolumes: string[] = [];
  for (const v of w.volumes) {
    const placed = NOMAD_STORE_MOUNTS[volumeStore(ctx.storageBackend, v.class)](w, v);
    if (placed.mount) mounts.push(placed.mount);
    if (placed.dockerVolume) dockerVolumes.push(placed.dockerVolume);
    if (placed.volume) {
      volumes[v.name] = placed.volume;
      volumeMounts.push({ Volume: v.name, Destination: v.mountPath, ReadOnly: v.readOnly });
    }
  }
  if (w.security.dockerSocket) dockerVolumes.push("/var/run/docker.sock:/var/run/docker.sock:ro");

  // With Consul, a cluster member is reached as <service>.service.consul, its node's address: its
  // ports are static on the node (one member per node), and its network's host name is that name,
  // which Nomad writes into the allocation's /etc/hosts with the allocation's own address (so
  // MinIO finds its own endpoint among its peers' by its interfaces' addresses).
  const member = serviceProvider === "consul" && isClusterMember(w);
  const hostNetwork = w.security.hostNetwork;
  const tags = Object.entries(ctx.tags).map(([k, v]) => `${k}=${v}`);
  // The routes' tags go on the service of the first route's port that Traefik dials (the port
  // that service registers); a route to one of Traefik's internal services dials none.
  const routed = w.routes.find((r) => !r.internalService)?.port ?? w.ports[0]?.name;
  const services = w.ports.map((p, index) => ({
    Name: nomadServiceName(w, p.name),
    PortLabel: p.name,
    Provider: serviceProvider,
    Tags: [
      ...(p.name === routed ? tags : []),
      ...(p.name === w.metrics?.port ? metricsTags(w) : []),
    ],
    Checks: index === 0 ? checks : [],
  }));
  if (services.length === 0 && checks.length > 0) {
    services.push({
      Name: w.name,
      PortLabel: "",
      Provider: serviceProvider,
      Tags: [],
      Checks: checks,
    });
  }

  const cpuMhz = Math.max(
    1,
    Math.round((w.resources.requests.cpu.millicores * ctx.settings.cpuMhzPerCore) / 1000),
  );
  const startFirst = w.update.order === "start-first" && !perNode;
  const healthy = seconds(300);
  const updateTiming = {
    MaxParallel: w.update.parallelism,
    HealthCheck: check ? "checks" : "task_states",
    MinHealthyTime: nanoseconds(w.update.monitor),
    HealthyDeadline: nanoseconds(healthy),
    ProgressDeadline: nanoseconds(seconds(600)),
    AutoRevert: w.update.autoRollback,
    Stagger: nanoseconds(w.update.delay),
  };

  return {
    ID: ctx.jobId,
    Name: ctx.jobId,
    Type: perNode ? "system" : batch ? "batch" : "service",
    // A system job of higher priority preempts lower-priority allocations on a full node.
    Priority: NOMAD_PRIORITY[w.priority],
    Region: ctx.settings.region,
    Namespace: ctx.settings.namespace,
    Datacenters: ctx.settings.datacenters,
    Meta: member
      ? { ...meta(w), [nomadMetaKey(exemptionKey("workload-no-host-ports"))]: MEMBER_PORTS_REASON }
      : meta(w),
    Constraints: w.placement.constraints.map(nomadConstraint).filter((c) => c !== undefined),
    Spreads:
      w.placement.spread && !perNode
        ? [{ Attribute: "${node.unique.id}", Weight: 100 }]
        : undefined,
    Update: batch
      ? undefined
      : {
          ...updateTiming,
          ...(startFirst ? { Canary: w.update.parallelism, AutoPromote: true } : {}),
        },
    TaskGroups: [
      {
        Name: w.name,
        Count: replicas ?? 1,
        Constraints:
          w.placement.maxPerNode === 1 && !perNode
            ? [{ Operand: "distinct_hosts", RTarget: "true" }]
            : undefined,
        Networks: [
          {
            Mode: hostNetwork ? "host" : "bridge",
            DynamicPorts: w.ports
              .filter((p) => !p.publish && !member)
              .map((p) => ({ Label: p.name, To: p.port })),
            ReservedPorts: w.ports
              .filter((p) => p.publish || member)
              .map((p) => ({
                Label: p.name,
                Value: p.publish?.hostPort ?? p.port,
                // On the node's network a task binds its ports itself: there is nothing to map.
                ...(hostNetwork ? {} : { To: p.port }),
              })),
            ...(member
              ? { Hostname: `${nomadServiceName(w, w.ports[0].name)}.service.consul` }
              : {}),
            // Names under .consul resolve through a DNS server that answers for Consul
            // (the network block's dns, nomad/api resources.go NetworkResource.DNS).
            ...(serviceProvider === "consul"
              ? { DNS: { Servers: ctx.settings.consul.dnsServers } }
              : {}),
          },
        ],
        Services: services.length > 0 ? services : undefined,
        Volumes: Object.keys(volumes).length > 0 ? volumes : undefined,
        RestartPolicy: {
          Attempts: DEFAULT_RESTART.maxAttempts,
          Interval: nanoseconds(DEFAULT_RESTART.window),
          Delay: nanoseconds(DEFAULT_RESTART.delay),
          Mode: "fail",
        },
        ReschedulePolicy: perNode
          ? undefined
          : batch
            ? { Attempts: 0, Unlimited: false }
            : {
                Unlimited: true,
                Delay: nanoseconds(seconds(30)),
                DelayFunction: "exponential",
                MaxDelay: nanoseconds(seconds(3600)),
              },
        Migrate:
          perNode || batch
            ? undefined
            : {
                MaxParallel: 1,
                HealthCheck: updateTiming.HealthCheck,
                MinHealthyTime: nanoseconds(w.update.monitor),
                HealthyDeadline: nanoseconds(healthy),
              },
        Tasks: [
          {
            Name: w.name,
            Driver: "docker",
            User: w.security.user && userString(w.security.user),
            Config: {
              image: w.image,
              ...(w.command ? { entrypoint: w.command } : {}),
              ...(w.args ? { args: w.args } : {}),
              ports: w.ports.map((p) => p.name),
              privileged: w.security.privileged,
              readonly_rootfs: w.security.readOnlyRootFilesystem,
              // Processes cannot gain privileges (setuid binaries): Swarm has no per-service switch.
              security_opt: ["no-new-privileges"],
              cap_drop: w.security.dropAllCapabilities ? ["all"] : undefined,
              cap_add:
                w.security.capAdd.length > 0
                  ? w.security.capAdd.map((c) => c.toLowerCase())
                  : undefined,
              mount: mounts.length > 0 ? mounts : undefined,
              volumes: dockerVolumes.length > 0 ? dockerVolumes : undefined,
              ...(hostNetwork ? { network_mode: "host" } : {}),
            },
            Env: Object.keys(plainEnv).length > 0 ? plainEnv : undefined,
            Templates: templates.length > 0 ? templates : undefined,
            VolumeMounts: volumeMounts.length > 0 ? volumeMounts : undefined,
            Resources: {
              CPU: cpuMhz,
              MemoryMB: wholeMebibytes(w.resources.requests.memory),
              ...(w.resources.limits.memory
                ? { MemoryMaxMB: wholeMebibytes(w.resources.limits.memory) }
                : {}),
            },
            KillTimeout: nanoseconds(w.stopGracePeriod),
            Meta: meta(w),
          },
        ],
      },
    ],
  };
}

/** Why a cluster member's ports are static on its node, recorded as the exemption it needs. */
export const MEMBER_PORTS_REASON =
  "a cluster member is reached by its Consul name, which resolves to its node's address, so its ports are static on that node (one member per node)";

/** A member of a stateful cluster (RabbitMQ, MinIO…), whose members name each other. */
export const isClusterMember = (w: ResolvedWorkload): boolean => META.cluster in w.metadata;

/** Drops undefined fields, so the jobspec JSON is stable and minimal. */
export function compactJobspec(job: NomadJobspec): string {
  return JSON.stringify(job, (_key, value: unknown) => (value === undefined ? undefined : value));
}
