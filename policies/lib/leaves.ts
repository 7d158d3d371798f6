import { exemptionKey, META } from "../../components/model/metadata";
import { nomadMetaKey } from "../../components/platforms/nomad/meta-key";
import {
  at,
  knownItems,
  num,
  plain,
  RENDERED_SECRET,
  record,
  str,
  UNKNOWN,
  Unknown,
} from "./values";

/** Type tokens of the leaf resources the pack reads. */
export const TYPES = {
  swarmService: "docker:index/service:Service",
  dockerContainer: "docker:index/container:Container",
  swarmVolume: "docker:index/volume:Volume",
  swarmNetwork: "docker:index/network:Network",
  swarmSecret: "docker:index/secret:Secret",
  deployment: "kubernetes:apps/v1:Deployment",
  statefulSet: "kubernetes:apps/v1:StatefulSet",
  daemonSet: "kubernetes:apps/v1:DaemonSet",
  job: "kubernetes:batch/v1:Job",
  service: "kubernetes:core/v1:Service",
  ingress: "kubernetes:networking.k8s.io/v1:Ingress",
  claim: "kubernetes:core/v1:PersistentVolumeClaim",
  disruptionBudget: "kubernetes:policy/v1:PodDisruptionBudget",
  networkPolicy: "kubernetes:networking.k8s.io/v1:NetworkPolicy",
  traefikMiddleware: "kubernetes:traefik.io/v1alpha1:Middleware",
  nomadJob: "pulumi-nodejs:dynamic/nomad:Job",
} as const;

export type Target = "swarm" | "kubernetes" | "nomad";

const KUBERNETES_WORKLOADS: Record<string, KubernetesWorkload["kind"]> = {
  [TYPES.deployment]: "Deployment",
  [TYPES.statefulSet]: "StatefulSet",
  [TYPES.daemonSet]: "DaemonSet",
  [TYPES.job]: "Job",
};

/** Type tokens of the workload leaves: one per orchestrator's unit of deployment. */
export const WORKLOAD_TYPES: readonly string[] = [
  TYPES.swarmService,
  TYPES.dockerContainer,
  ...Object.keys(KUBERNETES_WORKLOADS),
  TYPES.nomadJob,
];

/** A resource as the pack sees it: its type, name, URN and (plain) properties. */
export interface LeafResource {
  readonly type: string;
  readonly name: string;
  readonly urn: string;
  readonly props: unknown;
}

type Obj = Record<string, unknown>;

interface Common {
  /** "Swarm service "x"", "Deployment "x"", "Nomad job "x"": the subject of every message. */
  readonly subject: string;
  /** The workload's name on its target. */
  readonly name: string;
  readonly urn: string;
  /** One metadata key (a META key or an exemption key), read the way this target stores it. */
  meta(key: string): string | undefined;
  /** The reason of an exemption from a rule, or undefined when there is none. */
  exemption(rule: string): string | undefined;
  /** Runs one copy on every eligible node (global service, DaemonSet, system job). */
  readonly perNode: boolean;
  /** Replicas asked for; UNKNOWN when not known yet. For Nomad, the smallest group count. */
  readonly replicas: number | Unknown;
  /** A one-shot job (Nomad batch, or scheduling "job"): availability rules do not apply. */
  readonly runsToCompletion: boolean;
}

/**
 * A Swarm service, or a plain Docker container (one-shot jobs on a Swarm node), read in the
 * service's shape: `service.taskSpec.containerSpec` is `container`.
 */
export interface SwarmWorkload extends Common {
  readonly target: "swarm";
  readonly kind: "service" | "container";
  readonly service: Obj;
  readonly container: Obj;
  /** A container that runs privileged (Swarm services cannot). */
  readonly privileged: boolean;
  /** Host namespaces a container shares besides the network ("pid", "ipc"). */
  readonly hostNamespaces: string[];
}

export interface KubernetesWorkload extends Common {
  readonly target: "kubernetes";
  readonly kind: "Deployment" | "StatefulSet" | "DaemonSet" | "Job";
  readonly object: Obj;
  readonly namespace: string | undefined;
  readonly pod: Obj;
  readonly podLabels: Record<string, string>;
  /** Containers and init containers. */
  readonly containers: Obj[];
}

export interface NomadWorkload extends Common {
  readonly target: "nomad";
  readonly job: Obj;
  readonly groups: Obj[];
  /** Every task, with the group that holds it. */
  readonly tasks: { readonly group: Obj; readonly task: Obj }[];
}

export type Workload = SwarmWorkload | KubernetesWorkload | NomadWorkload;

/** A view of the resource if it is a workload leaf; UNKNOWN when its definition is not known yet. */
export function workloadOf(resource: LeafResource): Workload | Unknown | undefined {
  if (resource.type === TYPES.swarmService) return swarmWorkload(resource);
  if (resource.type === TYPES.dockerContainer) return containerWorkload(resource);
  const kind = KUBERNETES_WORKLOADS[resource.type];
  if (kind) return kubernetesWorkload(resource, kind);
  if (resource.type === TYPES.nomadJob) return nomadWorkload(resource);
  return undefined;
}

function exemptionReader(meta: (key: string) => string | undefined) {
  return (rule: string) => {
    const reason = meta(exemptionKey(rule));
    return reason !== undefined && reason.trim() !== "" ? reason : undefined;
  };
}

/** Swarm labels as a map, from the provider's `[{label, value}]` list. */
export function swarmLabels(labels: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of knownItems(labels)) {
    const label = str(at(item, "label"));
    const value = str(at(item, "value"));
    if (typeof label === "string") out[label] = typeof value === "string" ? value : RENDERED_SECRET;
  }
  return out;
}

function swarmWorkload(resource: LeafResource): SwarmWorkload | Unknown {
  const service = record(plain(resource.props));
  if (service === UNKNOWN) return UNKNOWN;
  const labels = swarmLabels(service.labels);
  const meta = (key: string) => labels[key];
  const global = at(service, "mode", "global");
  const replicas = num(at(service, "mode", "replicated", "replicas"));
  const name = str(service.name);
  const container = record(at(service, "taskSpec", "containerSpec"));
  return {
    target: "swarm",
    kind: "service",
    privileged: false,
    hostNamespaces: [],
    subject: `Swarm service "${typeof name === "string" ? name : resource.name}"`,
    name: typeof name === "string" ? name : resource.name,
    urn: resource.urn,
    meta,
    exemption: exemptionReader(meta),
    perNode: global === true,
    replicas: replicas ?? 1,
    runsToCompletion: meta(META.scheduling) === "job",
    service,
    container: container === UNKNOWN ? {} : container,
  };
}

/** `K=V` lines as a map. */
const envMap = (lines: unknown): Record<string, unknown> =>
  Object.fromEntries(
    knownItems(lines)
      .filter((l): l is string => typeof l === "string")
      .map((l) => [l.slice(0, Math.max(0, l.indexOf("="))) || l, l.slice(l.indexOf("=") + 1)]),
  );

/** A container's `restart` as a Swarm restart policy: "no" restarts nothing. */
function restartPolicyOf(c: Obj): Obj {
  const restart = c.restart ?? "no";
  if (restart === UNKNOWN) return { condition: UNKNOWN };
  if (restart === "no") return { condition: "none" };
  if (restart === "on-failure") return { condition: "on-failure", maxAttempts: c.maxRetryCount };
  return { condition: "any" };
}

/** A plain Docker container, translated to the fields a Swarm service spec would have. */
function containerWorkload(resource: LeafResource): SwarmWorkload | Unknown {
  const c = record(plain(resource.props));
  if (c === UNKNOWN) return UNKNOWN;
  const labels = swarmLabels(c.labels);
  const meta = (key: string) => labels[key];
  const name = str(c.name);
  const display = typeof name === "string" ? name : resource.name;
  const mounts = [
    ...knownItems(c.mounts),
    ...knownItems(c.volumes)
      .filter((v) => typeof at(v, "hostPath") === "string")
      .map((v) => ({
        type: "bind",
        source: at(v, "hostPath"),
        target: at(v, "containerPath"),
        readOnly: at(v, "readOnly"),
      })),
    ...knownItems(c.volumes)
      .filter((v) => typeof at(v, "volumeName") === "string")
      .map((v) => ({
        type: "volume",
        source: at(v, "volumeName"),
        target: at(v, "containerPath"),
      })),
  ];
  const container: Obj = {
    image: c.image,
    env: envMap(c.envs),
    capDrops: at(c, "capabilities", "drops"),
    capAdds: at(c, "capabilities", "adds"),
    user: c.user,
    readOnly: c.readOnly,
    healthcheck: c.healthcheck,
    mounts,
  };
  const memory = num(c.memory);
  const service: Obj = {
    name: display,
    labels: c.labels,
    mode: { replicated: { replicas: 1 } },
    taskSpec: {
      containerSpec: container,
      networksAdvanceds: c.networkMode === "host" ? [{ name: "host" }] : c.networksAdvanced,
      resources: {
        // The container's `memory` is a limit in MB; a plain container reserves nothing.
        limits: typeof memory === "number" ? { memoryBytes: memory * 1024 * 1024 } : {},
      },
      restartPolicy: restartPolicyOf(c),
    },
    endpointSpec: {
      ports: knownItems(c.ports).map((p) => ({ publishedPort: at(p, "external") })),
    },
  };
  return {
    target: "swarm",
    kind: "container",
    subject: `Docker container "${display}"`,
    name: display,
    urn: resource.urn,
    meta,
    exemption: exemptionReader(meta),
    perNode: false,
    replicas: 1,
    // A plain container is not rescheduled by Swarm: only one-shot jobs are expected here.
    runsToCompletion: true,
    service,
    container,
    privileged: c.privileged === true,
    hostNamespaces: [
      ...(c.pidMode === "host" ? ["pid"] : []),
      ...(c.ipcMode === "host" ? ["ipc"] : []),
    ],
  };
}

const stringMap = (value: unknown): Record<string, string> => {
  const obj = record(value);
  if (obj === UNKNOWN) return {};
  return Object.fromEntries(
    Object.entries(obj).filter((e): e is [string, string] => typeof e[1] === "string"),
  );
};

function kubernetesWorkload(
  resource: LeafResource,
  kind: KubernetesWorkload["kind"],
): KubernetesWorkload | Unknown {
  const object = record(plain(resource.props));
  if (object === UNKNOWN) return UNKNOWN;
  const pod = record(at(object, "spec", "template", "spec"));
  if (pod === UNKNOWN) return UNKNOWN;
  const metadata = {
    ...stringMap(at(object, "metadata", "labels")),
    ...stringMap(at(object, "spec", "template", "metadata", "annotations")),
    ...stringMap(at(object, "metadata", "annotations")),
  };
  const meta = (key: string) => metadata[key];
  const name = str(at(object, "metadata", "name"));
  const namespace = str(at(object, "metadata", "namespace"));
  const containers = [...knownItems(pod.initContainers), ...knownItems(pod.containers)].map(
    (c) => record(c) as Obj,
  );
  const replicas = num(at(object, "spec", "replicas"));
  const display = typeof name === "string" ? name : resource.name;
  return {
    target: "kubernetes",
    kind,
    subject: `${kind} "${display}"`,
    name: display,
    urn: resource.urn,
    meta,
    exemption: exemptionReader(meta),
    perNode: kind === "DaemonSet",
    runsToCompletion: kind === "Job" || meta(META.scheduling) === "job",
    // Kubernetes runs one replica when the field is left out.
    replicas: replicas ?? 1,
    object,
    namespace: typeof namespace === "string" ? namespace : undefined,
    pod,
    podLabels: stringMap(at(object, "spec", "template", "metadata", "labels")),
    containers,
  };
}

/** The parsed JSON jobspec of a Nomad job resource; UNKNOWN when it is not known or masked. */
export function nomadJobOf(props: unknown): Obj | Unknown {
  const spec = at(plain(props), "jobspec");
  if (typeof spec !== "string" || spec === RENDERED_SECRET) return UNKNOWN;
  try {
    const job = JSON.parse(spec) as unknown;
    const obj = record(job);
    return obj === UNKNOWN ? UNKNOWN : obj;
  } catch {
    return UNKNOWN;
  }
}

function nomadWorkload(resource: LeafResource): NomadWorkload | Unknown {
  const job = nomadJobOf(resource.props);
  if (job === UNKNOWN) return UNKNOWN;
  const jobMeta = stringMap(job.Meta);
  const meta = (key: string) => jobMeta[nomadMetaKey(key)];
  const groups = knownItems(job.TaskGroups).map((g) => record(g) as Obj);
  const tasks = groups.flatMap((group) =>
    knownItems(group.Tasks).map((t) => ({ group, task: record(t) as Obj })),
  );
  const type = str(job.Type);
  const counts = groups.map((g) => num(g.Count) ?? 1);
  const id = str(job.ID);
  const name = typeof id === "string" ? id : resource.name;
  return {
    target: "nomad",
    subject: `Nomad job "${name}"`,
    name,
    urn: resource.urn,
    meta,
    exemption: exemptionReader(meta),
    perNode: type === "system" || type === "sysbatch",
    runsToCompletion: type === "batch" || type === "sysbatch" || meta(META.scheduling) === "job",
    replicas: counts.includes(UNKNOWN)
      ? UNKNOWN
      : counts.length > 0
        ? Math.min(...(counts as number[]))
        : 0,
    job,
    groups,
    tasks,
  };
}

/** The platform part that declared a workload (META.part), if it says. */
export const partOf = (w: Workload): string | undefined => w.meta(META.part);

/** Whether the workload says it keeps state (META.state). */
export const isStateful = (w: Workload): boolean => w.meta(META.state) === "stateful";

/** The model's workload name (META.workload), else the target's own name. */
export const workloadName = (w: Workload): string => w.meta(META.workload) ?? w.name;
