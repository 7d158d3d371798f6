import type { OpsWorkload } from "./workloads";

/**
 * Failures a Raft group survives: a majority of `members` must remain, so it tolerates
 * floor((members - 1) / 2) losses. Swarm managers, etcd, Nomad servers and RabbitMQ quorum queues
 * all replicate with Raft.
 */
export const raftTolerates = (members: number): number =>
  Math.max(0, Math.floor((members - 1) / 2));

/**
 * Servers a distributed MinIO needs, one drive per server, with parity floor(N/2) (MinIO's default
 * for 4, 6 and 8 drives): reads need N - parity servers; where parity is exactly half, writes need
 * one more (N/2 + 1), so a split cluster never takes writes on both sides (MinIO's documentation,
 * "Erasure Coding": read and write quorum).
 */
export function minioQuorum(servers: number): { read: number; write: number } {
  if (servers <= 1) return { read: 1, write: 1 };
  const parity = Math.floor(servers / 2);
  const read = servers - parity;
  return { read, write: parity === servers - parity ? read + 1 : read };
}

/** The nodes the runbook describes: their names and which are managers (Swarm) or servers. */
export interface ClusterShape {
  readonly nodes: string[];
  /** Swarm managers, Kubernetes control-plane members (etcd) or Nomad servers. */
  readonly managers: string[];
}

/** Where each copy of each workload runs: node names, null for a copy that cannot be placed. */
export type Layout = Map<string, (string | null)[]>;

const ordinalOf = (w: OpsWorkload): number => Number(/-(\d+)$/.exec(w.name)?.[1] ?? 0);

/**
 * One layout the scheduler may choose, computed from replicas, spread, constraints and pins:
 * pinned copies on their node, cluster members by ordinal across the eligible nodes, replicas
 * round-robin, singletons on the least loaded node. Pinned placement is certain; the rest is the
 * spread the scheduler aims at, not a promise.
 */
export function layoutOf(workloads: OpsWorkload[], shape: ClusterShape): Layout {
  const load = new Map(shape.nodes.map((n) => [n, 0]));
  const out: Layout = new Map();
  const place = (node: string | null) => {
    if (node !== null) load.set(node, (load.get(node) ?? 0) + 1);
    return node;
  };
  for (const w of workloads) {
    if (w.scheduling === "job") continue;
    const eligible = w.managersOnly ? shape.managers : shape.nodes;
    if (w.replicas === undefined) {
      out.set(w.name, eligible.map(place));
      continue;
    }
    if (w.pinnedTo !== undefined) {
      const node = shape.nodes.includes(w.pinnedTo) ? w.pinnedTo : null;
      out.set(
        w.name,
        Array.from({ length: w.replicas }, () => place(node)),
      );
      continue;
    }
    if (w.cluster !== undefined && w.replicas === 1) {
      out.set(w.name, [place(eligible[ordinalOf(w) % eligible.length])]);
      continue;
    }
    if (w.replicas === 1) {
      const least = [...eligible].sort((a, b) => load.get(a)! - load.get(b)!)[0];
      out.set(w.name, [place(least)]);
      continue;
    }
    out.set(
      w.name,
      Array.from({ length: w.replicas }, (_, i) =>
        w.spread === "hard" && i >= eligible.length ? null : place(eligible[i % eligible.length]),
      ),
    );
  }
  return out;
}

/** What the orchestrator does with copies of a lost node, per target (prose for the tables). */
export interface OrchestratorFacts {
  readonly name: string;
  /** How soon copies of a lost node start elsewhere. */
  readonly replaces: string;
  /** Whether a stateful set's member is restarted elsewhere when its node is lost. */
  readonly movesStatefulMembers: boolean;
  /** The managers' name: "managers", "control-plane members (etcd)", "servers". */
  readonly managers: string;
}

/** How a cluster's remaining members serve, by the cluster's name (META cluster). */
const CLUSTER_IMPACT: Record<string, (left: number, total: number) => string> = {
  rabbitmq: (left, total) =>
    total <= 1
      ? "RabbitMQ stops (its only member): publishers and consumers fail until it is back"
      : left >= total - raftTolerates(total)
        ? `RabbitMQ keeps quorum (${left} of ${total} members)`
        : `RabbitMQ loses quorum (${left} of ${total} members; ${total - raftTolerates(total)} needed): quorum queues refuse publishes until a majority is back`,
  minio: (left, total) => {
    if (total <= 1) return "S3 stops (its only server)";
    const q = minioQuorum(total);
    if (left >= q.write) return `S3 keeps serving (${left} of ${total} servers)`;
    if (left >= q.read)
      return `S3 serves reads only (${left} of ${total} servers; writes need ${q.write})`;
    return `S3 stops (${left} of ${total} servers; reads need ${q.read})`;
  },
};

const clusterImpact = (cluster: string, left: number, total: number): string =>
  (CLUSTER_IMPACT[cluster] ?? ((l, t) => `${cluster}: ${l} of ${t} members left`))(left, total);

/** The workloads, by name, that one copy or member stands for. */
const byName = (workloads: OpsWorkload[]) => new Map(workloads.map((w) => [w.name, w]));

/** One copy of a workload: its name and its index in the layout. */
export interface Copy {
  readonly name: string;
  readonly index: number;
}

/**
 * What stops and what it means when the nodes in `lost` go down, or, with `copy`, when only that
 * copy stops: one line per affected workload or cluster, computed from replicas, placement,
 * state, pins and quorum.
 */
export function impactOf(
  workloads: OpsWorkload[],
  layout: Layout,
  shape: ClusterShape,
  facts: OrchestratorFacts,
  lost: string[],
  copy?: Copy,
): { stops: string[]; impact: string[] } {
  const stops: string[] = [];
  const impact: string[] = [];
  const clusters = new Map<string, { total: number; left: number; hit: boolean }>();
  const perNode: string[] = [];
  for (const [name, placed] of layout) {
    const w = byName(workloads).get(name)!;
    const isDown = (n: string | null, i: number) =>
      copy ? copy.name === name && copy.index === i : n !== null && lost.includes(n);
    const nodes = placed;
    const gone = nodes.filter(isDown).length;
    const left = nodes.filter((n, i) => n !== null && !isDown(n, i)).length;
    if (w.cluster !== undefined) {
      const c = clusters.get(w.cluster) ?? { total: 0, left: 0, hit: false };
      clusters.set(w.cluster, {
        total: c.total + nodes.length,
        left: c.left + left,
        hit: c.hit || gone > 0,
      });
    }
    if (gone === 0) continue;
    const copies = w.replicas === undefined || w.replicas === 1 ? name : `${gone}× ${name}`;
    stops.push(copies);
    if (w.replicas === undefined) {
      perNode.push(name);
      continue;
    }
    const others = (w.managersOnly ? shape.managers : shape.nodes).filter(
      (n) => !lost.includes(n) && (w.spread !== "hard" || !nodes.includes(n)),
    );
    const restart = copy
      ? `is restarted by ${facts.name} (on its node, or another where it is not pinned)`
      : w.pinnedTo !== undefined
        ? `stays down until ${w.pinnedTo} is back (pinned there)`
        : others.length === 0
          ? "cannot start elsewhere (no other eligible node)"
          : w.state === "stateful" && !facts.movesStatefulMembers && w.movableVolumes.length > 0
            ? `is not restarted elsewhere by ${facts.name} until the lost node is deleted from the cluster`
            : w.nodeLocalVolumes.length > 0
              ? `restarts on another node with an EMPTY volume (${w.nodeLocalVolumes.join(", ")} stays on the lost node)`
              : w.movableVolumes.length > 0
                ? "restarts on another node with its volume"
                : "restarts on another node";
    if (w.cluster !== undefined) impact.push(`${name} ${restart}`);
    else if (left > 0)
      impact.push(`${name}: ${left} of ${w.replicas} serve; the lost copy ${restart}`);
    else impact.push(`${name} stops: it ${restart}`);
  }
  for (const [cluster, c] of clusters) {
    if (c.hit) impact.push(clusterImpact(cluster, c.left, c.total));
  }
  if (perNode.length > 0) {
    impact.push(`${perNode.join(", ")}: only the lost node's own copy stops (its metrics)`);
  }
  const managersLeft = shape.managers.filter((m) => !lost.includes(m)).length;
  if (managersLeft < shape.managers.length) {
    impact.push(managerImpact(shape.managers.length, managersLeft, facts));
  }
  return { stops, impact };
}

/** What the loss of managers means for the cluster's control. */
export function managerImpact(total: number, left: number, facts: OrchestratorFacts): string {
  const needed = total - raftTolerates(total);
  return left >= needed
    ? `${facts.name} keeps its quorum (${left} of ${total} ${facts.managers}; it tolerates ${raftTolerates(total)} lost)`
    : `${facts.name} loses its quorum (${left} of ${total} ${facts.managers}; ${needed} needed): running copies keep serving, but nothing is scheduled, rescheduled or updated until a majority is back`;
}

/**
 * While `node` is drained: replicated workloads left with one copy (single), workloads whose only
 * copy moves (down), and copies that cannot start anywhere else (stuck: pinned there, or a hard
 * spread with every other eligible node already holding one) until the node is back.
 */
export function briefSingles(
  workloads: OpsWorkload[],
  layout: Layout,
  shape: ClusterShape,
  node: string,
): { single: string[]; down: string[]; stuck: string[] } {
  const single: string[] = [];
  const down: string[] = [];
  const stuck: string[] = [];
  for (const [name, nodes] of layout) {
    const w = byName(workloads).get(name)!;
    if (w.replicas === undefined || !nodes.includes(node)) continue;
    const free = (w.managersOnly ? shape.managers : shape.nodes).filter(
      (n) => n !== node && (w.spread !== "hard" || !nodes.includes(n)),
    );
    if (w.pinnedTo !== undefined || free.length === 0) stuck.push(name);
    const left = nodes.filter((n) => n !== null && n !== node).length;
    if (left === 0) down.push(name);
    else if (left === 1 && w.replicas > 1) single.push(name);
  }
  return { single, down, stuck };
}
