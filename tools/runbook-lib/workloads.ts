import { META } from "../../components/model/metadata";
import { nomadMetaKey } from "../../components/platforms/nomad/meta-key";
import type { Target } from "../../components/config/schema";
import type { RenderedResource } from "../render-lib";

/** How a workload's replicas are kept apart, as its leaf resource asks the scheduler. */
export type Spread =
  /** The scheduler refuses two replicas on one node (anti-affinity, distinct hosts, one per node). */
  | "hard"
  /** The scheduler prefers other nodes, but may put two on one. */
  | "soft"
  | "none";

/** How a workload's update rolls, read from its leaf resource. */
export interface Rollout {
  /** start-first: the new copy starts before the old one stops. */
  readonly order: "start-first" | "stop-first";
  readonly parallelism: number;
  /** Seconds between batches. */
  readonly delaySeconds: number;
  /** Seconds a new copy must stay healthy before the next batch. */
  readonly monitorSeconds: number;
  /** The orchestrator itself puts the previous version back when the new one fails. */
  readonly autoRollback: boolean;
  /** A canary runs beside the old version before the rest roll (Nomad). */
  readonly canary: number;
}

/** One workload as operations see it: what runs, how many, where, and what it keeps. */
export interface OpsWorkload {
  /** The workload's name in the model (META workload). */
  readonly name: string;
  /** Its name in the orchestrator (Swarm service, Kubernetes object, Nomad job). */
  readonly objectName: string;
  readonly part: string;
  readonly state: "stateless" | "stateful";
  readonly scheduling: "replicated" | "per-node" | "singleton" | "job";
  readonly singletonReason?: string;
  /** The cluster it is (part of): members of one cluster are counted together. */
  readonly cluster?: string;
  /** Copies asked for; undefined for per-node workloads (one on every node). */
  readonly replicas?: number;
  readonly spread: Spread;
  /** Only on manager nodes (Swarm's node.role==manager). */
  readonly managersOnly: boolean;
  /** The node it is pinned to by host name, when it is. */
  readonly pinnedTo?: string;
  /** Persistent volumes that stay on the node that holds them (the workload cannot move with its data). */
  readonly nodeLocalVolumes: string[];
  /** Persistent volumes that follow the workload to another node (NFS, CephFS, Ceph RBD claims). */
  readonly movableVolumes: string[];
  /** Ports bound on the node itself (host-mode publishing, Nomad reserved ports). */
  readonly hostPorts: number[];
  /** Ports published by a routing mesh or a load balancer, on every node. */
  readonly meshPorts: number[];
  /** Host names routed to it through the proxy. */
  readonly hosts: string[];
  readonly rollout?: Rollout;
  /** Workloads whose leaf resources it depends on (they are created and updated first). */
  readonly after: string[];
}

const seconds = (text: unknown): number => {
  const s = String(text ?? "0");
  let total = 0;
  for (const [, n, unit] of s.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)) {
    total += Number(n) * { ms: 0.001, s: 1, m: 60, h: 3600 }[unit as "ms" | "s" | "m" | "h"];
  }
  return total;
};
const nanos = (n: unknown): number => Number(n ?? 0) / 1e9;

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v !== null && typeof v === "object" ? (v as Obj) : {});
const list = (v: unknown): Obj[] => (Array.isArray(v) ? (v as Obj[]) : []);
const hostsIn = (texts: string[]): string[] =>
  [...new Set(texts.flatMap((t) => [...t.matchAll(/Host\(`([^`]+)`\)/g)].map((m) => m[1])))].sort();

interface Meta {
  (key: keyof typeof META): string | undefined;
}

function base(
  meta: Meta,
  objectName: unknown,
): Pick<
  OpsWorkload,
  "name" | "objectName" | "part" | "state" | "scheduling" | "singletonReason" | "cluster"
> {
  return {
    name: meta("workload") ?? "",
    objectName: String(objectName),
    part: meta("part") ?? "",
    state: meta("state") === "stateful" ? "stateful" : "stateless",
    scheduling: (meta("scheduling") ?? "replicated") as OpsWorkload["scheduling"],
    singletonReason: meta("singletonReason"),
    cluster: meta("cluster"),
  };
}

function swarmWorkload(r: RenderedResource): Omit<OpsWorkload, "after"> {
  const labels = Object.fromEntries(
    list(r.inputs.labels).map((l) => [String(l.label), String(l.value)]),
  );
  const meta: Meta = (key) => labels[META[key]];
  const task = obj(r.inputs.taskSpec);
  const placement = obj(task.placement);
  const constraints = (placement.constraints as string[] | undefined) ?? [];
  const mode = obj(r.inputs.mode);
  const update = obj(r.inputs.updateConfig);
  const mounts = list(obj(task.containerSpec).mounts).filter((m) => m.type === "volume");
  const movable = (m: Obj) => {
    const driver = obj(obj(m.volumeOptions).driverConfig);
    return typeof obj(driver.options).type === "string";
  };
  const ports = list(obj(r.inputs.endpointSpec).ports);
  const pin = constraints.map((c) => /^node\.hostname\s*==\s*(.+)$/.exec(c)?.[1]).find(Boolean);
  return {
    ...base(meta, r.inputs.name),
    replicas: mode.global ? undefined : Number(obj(mode.replicated).replicas ?? 1),
    spread:
      mode.global || placement.maxReplicas === 1
        ? "hard"
        : list(placement.prefs).length > 0 || (placement.prefs as unknown[] | undefined)?.length
          ? "soft"
          : "none",
    managersOnly: constraints.some((c) => /^node\.role\s*==\s*manager$/.test(c)),
    pinnedTo: pin,
    nodeLocalVolumes: mounts.filter((m) => !movable(m)).map((m) => String(m.source)),
    movableVolumes: mounts.filter(movable).map((m) => String(m.source)),
    hostPorts: ports.filter((p) => p.publishMode === "host").map((p) => Number(p.publishedPort)),
    meshPorts: ports.filter((p) => p.publishMode !== "host").map((p) => Number(p.publishedPort)),
    hosts: hostsIn(Object.values(labels)),
    rollout: {
      order: update.order === "stop-first" ? "stop-first" : "start-first",
      parallelism: Number(update.parallelism ?? 1),
      delaySeconds: seconds(update.delay),
      monitorSeconds: seconds(update.monitor),
      autoRollback: update.failureAction === "rollback",
      canary: 0,
    },
  };
}

/** Ingress and IngressRoute host names, by the Service name they route to. */
function kubernetesHosts(resources: RenderedResource[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const add = (service: unknown, host: string) => {
    const key = String(service);
    out.set(key, [...(out.get(key) ?? []), host]);
  };
  for (const r of resources) {
    const spec = obj(r.inputs.spec);
    if (r.type === "kubernetes:networking.k8s.io/v1:Ingress") {
      for (const rule of list(spec.rules)) {
        for (const p of list(obj(rule.http).paths)) {
          add(obj(obj(p.backend).service).name, String(rule.host));
        }
      }
    }
    if (r.type === "kubernetes:traefik.io/v1alpha1:IngressRoute") {
      for (const route of list(spec.routes)) {
        for (const s of list(route.services)) {
          for (const h of hostsIn([String(route.match)])) add(s.name, h);
        }
      }
    }
  }
  return out;
}

function kubernetesWorkload(
  r: RenderedResource,
  hosts: Map<string, string[]>,
): Omit<OpsWorkload, "after"> {
  const metadata = obj(r.inputs.metadata);
  const annotations = { ...obj(metadata.labels), ...obj(metadata.annotations) };
  const meta: Meta = (key) => annotations[META[key]] as string | undefined;
  const spec = obj(r.inputs.spec);
  const pod = obj(obj(spec.template).spec);
  const kind = r.type.split(":").pop();
  const antiAffinity = list(
    obj(obj(pod.affinity).podAntiAffinity).requiredDuringSchedulingIgnoredDuringExecution,
  );
  const claims = list(spec.volumeClaimTemplates).map((c) => String(obj(c.metadata).name));
  const strategy = obj(spec.strategy ?? spec.updateStrategy);
  const rolling = obj(strategy.rollingUpdate);
  const surge = Number(rolling.maxSurge ?? 0);
  const service = String(metadata.name);
  return {
    ...base(meta, `${String(kind).toLowerCase()}/${String(metadata.name)}`),
    replicas: kind === "DaemonSet" ? undefined : Number(spec.replicas ?? 1),
    spread:
      kind === "DaemonSet" || antiAffinity.length > 0
        ? "hard"
        : list(pod.topologySpreadConstraints).length > 0
          ? "soft"
          : "none",
    managersOnly: false,
    pinnedTo: obj(pod.nodeSelector)["kubernetes.io/hostname"] as string | undefined,
    // A claim's volume follows its pod where the storage class is network storage; the example
    // stacks give block and shared claims to Ceph RBD and NFS classes.
    nodeLocalVolumes: [],
    movableVolumes: claims,
    hostPorts: list(pod.containers)
      .flatMap((c) => list(c.ports))
      .filter((p) => p.hostPort !== undefined)
      .map((p) => Number(p.hostPort)),
    meshPorts: [],
    hosts: [
      ...new Set([...(hosts.get(`${service}-service`) ?? []), ...(hosts.get(service) ?? [])]),
    ].sort(),
    rollout:
      kind === "Job"
        ? undefined
        : {
            order: surge > 0 ? "start-first" : "stop-first",
            parallelism: Number(rolling.maxUnavailable ?? 0) || surge || 1,
            delaySeconds: 0,
            monitorSeconds: Number(spec.minReadySeconds ?? 0),
            autoRollback: false,
            canary: 0,
          },
  };
}

function nomadWorkload(r: RenderedResource): Omit<OpsWorkload, "after"> {
  const job = JSON.parse(String(r.inputs.jobspec)) as Obj;
  const jobMeta = obj(job.Meta);
  const meta: Meta = (key) => jobMeta[nomadMetaKey(META[key])] as string | undefined;
  const group = list(job.TaskGroups)[0] ?? {};
  const constraints = [...list(job.Constraints), ...list(group.Constraints)];
  const update = obj(job.Update);
  const volumes = Object.values(obj(group.Volumes)).map(obj);
  const pin = constraints.find((c) => c.LTarget === "${attr.unique.hostname}")?.RTarget;
  return {
    ...base(meta, job.ID),
    replicas: job.Type === "system" ? undefined : Number(group.Count ?? 1),
    spread:
      job.Type === "system" || constraints.some((c) => c.Operand === "distinct_hosts")
        ? "hard"
        : list(job.Spreads).length > 0
          ? "soft"
          : "none",
    managersOnly: false,
    pinnedTo: pin === undefined ? undefined : String(pin),
    nodeLocalVolumes: volumes.filter((v) => v.Type === "host").map((v) => String(v.Source)),
    movableVolumes: volumes.filter((v) => v.Type === "csi").map((v) => String(v.Source)),
    hostPorts: list(obj(list(group.Networks)[0]).ReservedPorts).map((p) => Number(p.Value)),
    meshPorts: [],
    hosts: hostsIn(list(group.Services).flatMap((s) => (s.Tags as string[] | undefined) ?? [])),
    rollout:
      job.Type === "batch"
        ? undefined
        : {
            order: Number(update.Canary ?? 0) > 0 ? "start-first" : "stop-first",
            parallelism: Number(update.MaxParallel ?? 1),
            delaySeconds: nanos(update.Stagger),
            monitorSeconds: nanos(update.MinHealthyTime),
            autoRollback: update.AutoRevert === true,
            canary: Number(update.Canary ?? 0),
          },
  };
}

/** The leaf resource type(s) that carry one workload, per target. */
const WORKLOAD_TYPES: Record<Target, RegExp> = {
  swarm: /^docker:index\/service:Service$/,
  kubernetes: /^kubernetes:(apps\/v1:(Deployment|StatefulSet|DaemonSet)|batch\/v1:Job)$/,
  nomad: /^pulumi-nodejs:dynamic\/nomad:Job$/,
};

/**
 * The workloads of a rendered stack, read from the leaf resources and their metadata (the META
 * keys every adapter writes), in the order they were declared.
 */
export function opsWorkloads(target: Target, resources: RenderedResource[]): OpsWorkload[] {
  const leaves = resources.filter((r) => r.custom && WORKLOAD_TYPES[target].test(r.type));
  const hosts = target === "kubernetes" ? kubernetesHosts(resources) : new Map();
  const read: Record<Target, (r: RenderedResource) => Omit<OpsWorkload, "after">> = {
    swarm: swarmWorkload,
    kubernetes: (r) => kubernetesWorkload(r, hosts),
    nomad: nomadWorkload,
  };
  const byUrn = new Map(leaves.map((r) => [r.urn, read[target](r)]));
  return leaves.map((r) => {
    const w = byUrn.get(r.urn)!;
    const after = r.dependsOn.flatMap((u) => (byUrn.has(u) ? [byUrn.get(u)!.name] : []));
    return { ...w, after: [...new Set(after)] };
  });
}
