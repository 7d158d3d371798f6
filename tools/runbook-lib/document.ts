import type { StackConfig, Target } from "../../components/config/schema";
import {
  briefSingles,
  ClusterShape,
  impactOf,
  Layout,
  layoutOf,
  managerImpact,
  raftTolerates,
} from "./impact";
import { ACCESS, ADD_NODE, FACTS, MAINTENANCE, REMOVE_NODE, Step } from "./procedures";
import type { OpsWorkload } from "./workloads";

/** Everything a runbook is computed from. */
export interface RunbookInput {
  readonly stack: string;
  readonly config: StackConfig;
  readonly workloads: OpsWorkload[];
  readonly shape: ClusterShape;
}

/**
 * The nodes a runbook describes when none are named: node-1…node-N, N the largest count the
 * stack spreads (replicas or cluster members), at least 3; the pinned nodes by their names; the
 * first three (or every node, when fewer) are managers.
 */
export function defaultShape(
  workloads: OpsWorkload[],
  nodes?: number,
  managers?: number,
): ClusterShape {
  const pins = [...new Set(workloads.flatMap((w) => (w.pinnedTo ? [w.pinnedTo] : [])))];
  const members = new Map<string, number>();
  for (const w of workloads) {
    if (w.cluster) members.set(w.cluster, (members.get(w.cluster) ?? 0) + (w.replicas ?? 0));
  }
  const spread = workloads
    .filter((w) => w.spread !== "none" && w.replicas !== undefined && !w.cluster)
    .map((w) => w.replicas!);
  const count = nodes ?? Math.max(3, pins.length, ...spread, ...members.values());
  const names = [...pins].sort();
  for (let i = 1; names.length < count; i++)
    if (!names.includes(`node-${i}`)) names.push(`node-${i}`);
  names.sort((a, b) => a.localeCompare(b, "en", { numeric: true }));
  const m = Math.min(managers ?? 3, names.length);
  return { nodes: names, managers: names.slice(0, m) };
}

const code = (argv: string[]) =>
  argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a}'`)).join(" ");

const steps = (list: Step[]): string[] =>
  list.map(
    (s, i) =>
      `${i + 1}. ${s.text}${s.run ? `\n   \`${code(s.run)}\`` : ""}${s.until ? ` — until it prints \`${s.until.equals || "nothing"}\`` : ""}`,
  );

const copies = (w: OpsWorkload) => (w.replicas === undefined ? "one per node" : `${w.replicas}`);

/** Workloads in the order a `pulumi up` updates them: each wave after the ones it depends on. */
export function waves(workloads: OpsWorkload[]): string[][] {
  const done = new Set<string>();
  const out: string[][] = [];
  let left = workloads.filter((w) => w.rollout !== undefined || w.scheduling === "job");
  while (left.length > 0) {
    const ready = left.filter((w) =>
      w.after.every((a) => done.has(a) || !left.some((l) => l.name === a)),
    );
    const wave = (ready.length > 0 ? ready : left).map((w) => w.name);
    wave.forEach((n) => done.add(n));
    out.push(wave);
    left = left.filter((w) => !done.has(w.name));
  }
  return out;
}

/** What a user of the workload notices while a new version rolls. */
function userSees(w: OpsWorkload, wave: string[], workloads: OpsWorkload[]): string {
  if (w.scheduling === "job") return "nothing (runs once, the workloads after it wait for it)";
  const r = w.rollout!;
  if (w.cluster !== undefined && w.replicas === 1) {
    const together = workloads.filter((o) => o.cluster === w.cluster && wave.includes(o.name));
    if (together.length > 1)
      return `${together.length} members of ${w.cluster} update in the same wave (one service each, nothing orders them): a member restart each, possibly all at once`;
  }
  if (w.replicas === undefined)
    return "a gap in that node's metrics while each node's copy restarts";
  if (w.replicas > 1)
    return r.order === "start-first"
      ? "nothing: a new copy starts and passes its health check before an old one stops"
      : `one copy of ${w.replicas} fewer while each is replaced`;
  return r.order === "start-first"
    ? "nothing, if the new copy passes its health check before the old one stops"
    : "an interruption while it stops, starts and passes its health check";
}

const ROLLBACK: Record<Target, (w: OpsWorkload) => string> = {
  swarm: (w) =>
    w.rollout?.autoRollback
      ? `automatic: a copy that fails within ${w.rollout.monitorSeconds}s rolls the service back; by hand \`docker service rollback ${w.objectName}\``
      : `by hand: \`docker service rollback ${w.objectName}\``,
  kubernetes: (w) =>
    w.scheduling === "job"
      ? "re-run `pulumi up` with the previous version"
      : `none by itself: \`pulumi up\` fails when the rollout does not finish; \`kubectl rollout undo ${w.objectName}\`, then set the previous version and \`pulumi up\``,
  nomad: (w) =>
    w.rollout?.autoRollback
      ? `automatic: a failed deployment reverts to the last stable version (auto_revert); by hand \`nomad job revert ${w.objectName} VERSION\``
      : `by hand: \`nomad job revert ${w.objectName} VERSION\``,
};

const howItRolls = (w: OpsWorkload): string => {
  if (!w.rollout) return "runs once to completion";
  const r = w.rollout;
  const parts = [
    r.order,
    `${r.parallelism} at a time`,
    r.canary > 0 ? `${r.canary} canary first, promoted when healthy` : "",
    r.delaySeconds > 0 ? `${r.delaySeconds}s apart` : "",
    r.monitorSeconds > 0 ? `each watched ${r.monitorSeconds}s` : "",
  ];
  return parts.filter(Boolean).join(", ");
};

const where = (layout: Layout, name: string) =>
  (layout.get(name) ?? []).map((n) => n ?? "(not placed)").join(", ");

/** The operations document of one stack, in Markdown. */
export function runbook(input: RunbookInput): string {
  const { stack, config, workloads, shape } = input;
  const target = config.target;
  const facts = FACTS[target];
  const layout = layoutOf(workloads, shape);
  const running = workloads.filter((w) => w.scheduling !== "job");
  const out: string[] = [];
  out.push(`## Stack \`${stack}\` (${facts.name}, ${config.environment})`, "");
  out.push(
    `Computed from the stack's own model and settings by \`npm run runbook -- --stack ${stack}\`. The layout assumes ${shape.nodes.length} nodes (${shape.nodes.join(", ")}), ${shape.managers.length} of them ${facts.managers} (${shape.managers.join(", ")}); \`--nodes\` and \`--managers\` describe another cluster. Pinned copies run where shown; the others are where the scheduler's spread puts them, and may differ.`,
    "",
  );
  out.push("### What runs where", "");
  out.push(
    "| workload | part | state | copies | spread | runs on | data |",
    "|---|---|---|---|---|---|---|",
  );
  for (const w of running) {
    const data = [
      ...w.nodeLocalVolumes.map((v) => `${v} (on its node)`),
      ...w.movableVolumes.map((v) => `${v} (follows it)`),
    ];
    out.push(
      `| ${w.name} | ${w.part} | ${w.state} | ${copies(w)}${w.singletonReason ? ` (${w.singletonReason})` : ""} | ${w.pinnedTo ? `pinned to ${w.pinnedTo}` : w.spread}${w.managersOnly ? ", managers only" : ""} | ${where(layout, w.name)} | ${data.join(", ") || "none"} |`,
    );
  }
  out.push("", "### Ship a new version", "");
  out.push(
    "Set the new image or setting in the stack file and run `pulumi preview`, then `pulumi up`. Pulumi updates the workloads in waves, each after the ones it depends on:",
    "",
  );
  const order = waves(workloads);
  order.forEach((wave, i) => out.push(`${i + 1}. ${wave.join(", ")}`));
  out.push("", "| workload | how it rolls | what users see | rollback |", "|---|---|---|---|");
  for (const w of workloads) {
    const wave = order.find((wv) => wv.includes(w.name)) ?? [];
    out.push(
      `| ${w.name} | ${howItRolls(w)} | ${userSees(w, wave, workloads)} | ${ROLLBACK[target](w)} |`,
    );
  }
  const node = shape.nodes[Math.min(1, shape.nodes.length - 1)];
  out.push("", `### Planned maintenance of a node (here ${node})`, "", ACCESS[target](config), "");
  out.push(...steps(MAINTENANCE[target](node, workloads, config)));
  const moves = running.filter((w) => (layout.get(w.name) ?? []).includes(node));
  const { single, down, stuck } = briefSingles(workloads, layout, shape, node);
  out.push("", `What moves off ${node}: ${moves.map((w) => w.name).join(", ") || "nothing"}.`);
  out.push(`Briefly single while it is drained: ${single.join(", ") || "nothing"}.`);
  out.push(`Briefly down (their only copy moves): ${down.join(", ") || "nothing"}.`);
  if (stuck.length > 0) {
    out.push(
      `Cannot start anywhere else (pinned there, or every other eligible node already holds a copy), so one copy stays down until ${node} is active again: ${stuck.join(", ")}.`,
    );
  }
  const fresh = moves.filter((w) => w.nodeLocalVolumes.length > 0 && w.pinnedTo === undefined);
  if (fresh.length > 0) {
    out.push(
      `Not pinned but keeping data on the node, so they start elsewhere with an empty volume: ${fresh.map((w) => w.name).join(", ")} (pin cluster members with \`homeport:apps.nodes\`).`,
    );
  }
  out.push("", "### Add a node", "", ...steps(ADD_NODE[target](config, workloads)), "");
  const pinned = running.filter((w) => w.pinnedTo !== undefined);
  out.push(
    pinned.length > 0
      ? `Pinned members (${pinned.map((w) => `${w.name} on ${w.pinnedTo}`).join(", ")}) stay where they are: to move one to the new node, change its entry in \`homeport:apps.nodes\` and \`pulumi up\`; it starts there with an empty volume and its cluster copies the data back (MinIO heals, RabbitMQ quorum queues add the member).`
      : "Nothing is pinned: the new node takes new copies from the next rollout (Swarm, Kubernetes and Nomad do not move running ones by themselves).",
  );
  out.push("", `### Remove a node (here ${node})`, "", ...steps(REMOVE_NODE[target](node)), "");
  const managers = shape.managers.length;
  out.push(
    `Before removing: repin anything pinned to ${node} (\`homeport:apps.nodes\`) and copy off data that stays on it (${
      running
        .filter((w) => w.nodeLocalVolumes.length > 0 && (layout.get(w.name) ?? []).includes(node))
        .map((w) => w.nodeLocalVolumes.join(", "))
        .join(", ") || "none in this layout"
    }). With ${managers - 1} ${facts.managers} left the cluster tolerates ${raftTolerates(managers - 1)} lost (${managers} tolerate ${raftTolerates(managers)}).`,
  );
  out.push(
    "",
    "### Failures",
    "",
    `${facts.replaces}.`,
    "",
    "| failure | stops | impact |",
    "|---|---|---|",
  );
  const row = (failure: string, lost: string[]) => {
    const { stops, impact } = impactOf(workloads, layout, shape, facts, lost);
    out.push(`| ${failure} | ${stops.join(", ") || "nothing"} | ${impact.join("; ") || "none"} |`);
  };
  for (const n of shape.nodes) row(`losing ${n}`, [n]);
  const proxy = running.find((w) => w.part === "proxy");
  if (proxy) {
    const pn = layout.get(proxy.name)?.[0];
    if (pn) {
      const { impact } = impactOf(workloads, layout, shape, facts, [pn]);
      const reach =
        proxy.hostPorts.length > 0
          ? `ports ${proxy.hostPorts.join(", ")} are bound on the proxy's nodes: clients that reach ${pn}'s address fail until they use another proxy node's address (DNS with every proxy node, or a floating IP)`
          : proxy.meshPorts.length > 0
            ? `ports ${proxy.meshPorts.join(", ")} are published on every node by the routing mesh: clients of ${pn}'s address fail, the other nodes keep answering`
            : "the proxy is reached through the platform's load balancer, which stops sending to it";
      out.push(
        `| the proxy's node (${pn}) | ${proxy.name} on ${pn} | ${[reach, ...impact.filter((l) => l.startsWith(proxy.name))].join("; ")} |`,
      );
    }
  }
  const memberRow = (label: string, cluster: string) => {
    const members = running.filter((w) => w.cluster === cluster);
    if (members.length === 0) return;
    const one = members.length > 1 ? members[Math.min(1, members.length - 1)] : members[0];
    const index = one.replicas !== undefined && one.replicas > 1 ? 1 : 0;
    const { impact } = impactOf(workloads, layout, shape, facts, [], { name: one.name, index });
    out.push(
      `| ${label} (${one.name}${one.replicas && one.replicas > 1 ? ", one of its copies" : ""}) | one member | ${impact.join("; ")} |`,
    );
  };
  memberRow("a broker member", "rabbitmq");
  memberRow("an S3 server", "minio");
  const storage = config.storage;
  const onBackend = running.filter((w) => w.movableVolumes.length > 0);
  const backendName =
    storage.backend === "nfs"
      ? `NFS ${storage.nfs?.server}:${storage.nfs?.path}`
      : storage.backend === "ceph"
        ? storage.ceph?.monitors
          ? `Ceph, monitors ${storage.ceph.monitors.join(", ")}`
          : "Ceph, run by the stack"
        : "local disks";
  out.push(
    `| the storage backend (${backendName}) | ${storage.backend === "local" ? "the one node's disk only (see the node rows)" : onBackend.map((w) => w.name).join(", ") || "nothing"} | ${
      storage.backend === "local"
        ? "no shared backend: every volume is on its node's disk"
        : onBackend.length === 0
          ? `no volume of this stack is on it (${facts.name} volumes here are node-local)`
          : `their volumes stop answering: reads and writes hang until it is back; ${
              running
                .filter((w) => w.movableVolumes.length === 0)
                .map((w) => w.name)
                .join(", ") || "nothing else"
            } keep running`
    } |`,
  );
  const tolerates = raftTolerates(managers);
  out.push(
    `| ${tolerates + 1} of ${managers} ${facts.managers} | control | ${managerImpact(managers, managers - tolerates - 1, facts)} |`,
  );
  if (tolerates > 0) {
    out.push(
      `| ${tolerates} of ${managers} ${facts.managers} | control | ${managerImpact(managers, managers - tolerates, facts)} |`,
    );
  }
  return out.join("\n") + "\n";
}
