import { META } from "../../components/model/metadata";
import { NETWORK_FILESYSTEMS, VolumeStore } from "../../components/model/storage";
import { LeafResource, Workload, workloadOf } from "./leaves";
import { at, knownItems, Unknown, UNKNOWN } from "./values";

/**
 * The long-running workload leaves of a stack that are known (preview may not know some yet);
 * one-shot jobs are left out.
 */
export function workloadsOf(resources: readonly LeafResource[]): Workload[] {
  const out: Workload[] = [];
  for (const r of resources) {
    const w = workloadOf(r);
    if (w !== undefined && w !== UNKNOWN && !w.runsToCompletion) out.push(w);
  }
  return out;
}

/**
 * Whether a workload matches a selector: "part:NAME" matches its part (homeport.dev/part),
 * anything else its workload name (homeport.dev/workload, else its name on the target).
 */
export function matches(w: Workload, selector: string): boolean {
  if (selector.startsWith("part:")) return w.meta(META.part) === selector.slice(5);
  return (w.meta(META.workload) ?? w.name) === selector;
}

/**
 * A cluster: one workload, or every workload that names the same META.cluster (a target that
 * runs each member of a cluster as its own service, like Swarm's RabbitMQ members).
 */
export interface Cluster {
  readonly name: string;
  readonly members: readonly Workload[];
  /** Replicas of all members together; UNKNOWN while any is not known yet. */
  readonly replicas: number | Unknown;
  readonly perNode: boolean;
  /** The subject and URN a violation is reported on: the first member's. */
  readonly subject: string;
  readonly urn: string;
  /** An exemption from a rule written on any member. */
  exemption(rule: string): string | undefined;
}

/** Workloads grouped into clusters, in the order their first member appears. */
export function clustersOf(workloads: readonly Workload[]): Cluster[] {
  const groups = new Map<string, Workload[]>();
  for (const w of workloads) {
    const key = w.meta(META.cluster) ?? w.meta(META.workload) ?? w.name;
    groups.set(key, [...(groups.get(key) ?? []), w]);
  }
  return [...groups].map(([name, members]) => {
    const counts = members.map((m) => m.replicas);
    const replicas = counts.some((c) => c === UNKNOWN)
      ? UNKNOWN
      : (counts as number[]).reduce((a, b) => a + b, 0);
    const subject =
      members.length === 1
        ? members[0].subject
        : `cluster "${name}" (${members.map((m) => m.subject).join(", ")})`;
    return {
      name,
      members,
      replicas,
      perNode: members.some((m) => m.perNode),
      subject,
      urn: members[0].urn,
      exemption: (rule: string) =>
        members.map((m) => m.exemption(rule)).find((r) => r !== undefined),
    };
  });
}

/** Whether a cluster matches a selector, as {@link matches} does for one workload. */
export function clusterMatches(c: Cluster, selector: string): boolean {
  return selector.startsWith("part:")
    ? c.members.some((m) => matches(m, selector))
    : c.name === selector;
}

/**
 * The network store (nfs, cephfs) a Swarm volume binds a directory of, where it is a bind of the
 * node's own network mount (the CephFS each node mounts): its driver options cannot show it, its
 * `homeport.dev/store` label does. Undefined for any other volume.
 */
export function boundNetworkStore(volume: unknown): string | undefined {
  if (at(volume, "driverOpts", "o") !== "bind") return undefined;
  const label = knownItems(at(volume, "labels")).find((l) => at(l, "label") === META.store);
  const store = at(label, "value");
  return typeof store === "string" && NETWORK_FILESYSTEMS.has(store as VolumeStore)
    ? store
    : undefined;
}
