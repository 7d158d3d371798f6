import type { StackConfig, Target } from "../../components/config/schema";
import type { OrchestratorFacts } from "./impact";
import type { OpsWorkload } from "./workloads";

/** One step of a procedure: what to do, the command (argv) when there is one, what to wait for. */
export interface Step {
  readonly text: string;
  readonly run?: string[];
  /** Repeat `run` until its output (trimmed) equals `equals`, at most `timeoutSeconds`. */
  readonly until?: { readonly equals: string; readonly timeoutSeconds: number };
}

/** The command that drains a node, per target (maintenance and removal both start with it). */
export const DRAIN: Record<Target, (node: string) => string[]> = {
  swarm: (node) => ["docker", "node", "update", "--availability", "drain", node],
  kubernetes: (node) => [
    "kubectl",
    "drain",
    node,
    "--ignore-daemonsets",
    "--delete-emptydir-data",
    "--timeout=10m",
  ],
  nomad: () => ["nomad", "node", "drain", "-enable", "-deadline", "30m", "-yes", "NODE_ID"],
};

/** What each orchestrator does with copies of a lost node (see impact.ts). */
export const FACTS: Record<Target, OrchestratorFacts> = {
  swarm: {
    name: "Swarm",
    replaces: "Swarm starts a replacement once the node is marked down, within seconds",
    movesStatefulMembers: true,
    managers: "managers",
  },
  kubernetes: {
    name: "Kubernetes",
    replaces:
      "Kubernetes evicts pods of an unreachable node after 300 s (the default not-ready/unreachable tolerations)",
    movesStatefulMembers: false,
    managers: "control-plane members (etcd)",
  },
  nomad: {
    name: "Nomad",
    replaces:
      "Nomad marks the allocations lost after the node's heartbeat grace and reschedules them",
    movesStatefulMembers: true,
    managers: "servers",
  },
};

/** Workloads a forced rolling restart spreads again once a node is back (the scheduler does not). */
const rebalanced = (workloads: OpsWorkload[]) =>
  workloads.filter(
    (w) =>
      w.scheduling === "replicated" &&
      w.replicas !== undefined &&
      w.replicas > 1 &&
      w.pinnedTo === undefined &&
      w.state === "stateless",
  );

/** How to reach the orchestrator, as the stack's settings say (prose, before the steps). */
export const ACCESS: Record<Target, (config: StackConfig) => string> = {
  swarm: (c) =>
    c.swarm.host
      ? `Run the commands against a manager: \`export DOCKER_HOST=${c.swarm.host}\`.`
      : "Run the commands on a manager (or with DOCKER_HOST naming one).",
  kubernetes: (c) =>
    `Run the commands with the stack's cluster${c.kubernetes.context ? ` (\`kubectl config use-context ${c.kubernetes.context}\`)` : ""}; the stack's namespace is \`${c.kubernetes.namespace}\`.`,
  nomad: (c) =>
    `Run the commands with \`NOMAD_ADDR=${c.nomad.address ?? "http://<a server>:4646"}\` and a management token in NOMAD_TOKEN; jobs are in namespace \`${c.nomad.namespace}\`. NODE_ID is the node's ID from \`nomad node status\`.`,
};

/**
 * Planned maintenance of one node (an update and a reboot): drain, wait, maintain, bring back,
 * spread again. The multi-node e2e suite runs exactly these steps for Swarm.
 */
export const MAINTENANCE: Record<
  Target,
  (node: string, workloads: OpsWorkload[], config: StackConfig) => Step[]
> = {
  swarm: (node, workloads) => [
    {
      text: `Drain ${node}: Swarm stops its tasks and starts them on the other nodes.`,
      run: DRAIN.swarm(node),
    },
    {
      text: `Wait until no task runs on ${node}.`,
      run: [
        "docker",
        "node",
        "ps",
        node,
        "--filter",
        "desired-state=running",
        "--format",
        "{{.Name}}",
      ],
      until: { equals: "", timeoutSeconds: 300 },
    },
    { text: `Do the maintenance (update, reboot), then wait until ${node} is Ready again.` },
    {
      text: `Wait until ${node} reports ready.`,
      run: ["docker", "node", "inspect", node, "--format", "{{.Status.State}}"],
      until: { equals: "ready", timeoutSeconds: 300 },
    },
    {
      text: `Make ${node} active again: it takes new tasks, but Swarm does not move running ones back.`,
      run: ["docker", "node", "update", "--availability", "active", node],
    },
    ...rebalanced(workloads).map((w) => ({
      text: `Spread ${w.name} again (a rolling restart by its own update settings).`,
      run: ["docker", "service", "update", "--force", "--quiet", w.objectName],
    })),
  ],
  kubernetes: (node, workloads, config) => [
    {
      text: `Cordon and drain ${node}: evictions respect the PodDisruptionBudgets (one pod of a workload at a time).`,
      run: DRAIN.kubernetes(node),
    },
    { text: `Do the maintenance (update, reboot), then wait until ${node} is Ready again.` },
    {
      text: `Wait until ${node} reports Ready.`,
      run: [
        "kubectl",
        "get",
        "node",
        node,
        "-o",
        'jsonpath={.status.conditions[?(@.type=="Ready")].status}',
      ],
      until: { equals: "True", timeoutSeconds: 300 },
    },
    {
      text: `Uncordon ${node}: it takes new pods, running ones are not moved back.`,
      run: ["kubectl", "uncordon", node],
    },
    ...rebalanced(workloads).map((w) => ({
      text: `Spread ${w.name} again (a rolling restart).`,
      run: ["kubectl", "-n", config.kubernetes.namespace, "rollout", "restart", w.objectName],
    })),
  ],
  nomad: (node) => [
    {
      text: `Drain ${node} (NODE_ID): Nomad migrates its allocations by each job's migrate settings and waits for them; system jobs stop last.`,
      run: DRAIN.nomad(node),
    },
    { text: `Do the maintenance (update, reboot), then wait until ${node} is ready again.` },
    {
      text: `End the drain: ${node} becomes eligible again. Nomad does not move allocations back; the next deployment spreads them.`,
      run: ["nomad", "node", "drain", "-disable", "-yes", "NODE_ID"],
    },
  ],
};

/** Adding a node: join, label, what it takes. */
export const ADD_NODE: Record<Target, (config: StackConfig, workloads: OpsWorkload[]) => Step[]> = {
  swarm: () => [
    {
      text: "On a manager, print the join command (use `worker` for a node that is not a manager; keep an odd number of managers).",
      run: ["docker", "swarm", "join-token", "manager"],
    },
    { text: "On the new node, run the printed `docker swarm join --token … MANAGER:2377`." },
    {
      text: "Give it the zone label the stack spreads over (node.labels.homeport.zone).",
      run: ["docker", "node", "update", "--label-add", "homeport.zone=ZONE", "NEW_NODE"],
    },
  ],
  kubernetes: () => [
    {
      text: "Join the node the way the cluster is built (for kubeadm: `kubeadm token create --print-join-command` on a control-plane node, then that command on the new node).",
    },
    {
      text: "Check that it is Ready and carries the host name label the stack spreads over (kubernetes.io/hostname).",
      run: ["kubectl", "get", "node", "NEW_NODE", "--show-labels"],
    },
  ],
  nomad: (config, workloads) => {
    const volumes = [...new Set(workloads.flatMap((w) => w.nodeLocalVolumes))].sort();
    return [
      {
        text: `Start a Nomad client on the new node in datacenter ${config.nomad.datacenters.join(" or ")}, region ${config.nomad.region}, with the docker driver${volumes.length ? ` and the host volumes the jobs mount (${volumes.join(", ")}), each on a directory of that node` : ""}.`,
      },
      {
        text: "Check that it is ready and eligible.",
        run: ["nomad", "node", "status"],
      },
    ];
  },
};

/** Removing a node for good: drain, hand over what is pinned, leave. */
export const REMOVE_NODE: Record<Target, (node: string) => Step[]> = {
  swarm: (node) => [
    { text: `Drain ${node}.`, run: DRAIN.swarm(node) },
    {
      text: `If ${node} is a manager, demote it first (keep an odd number of managers).`,
      run: ["docker", "node", "demote", node],
    },
    { text: `On ${node}: leave the swarm.`, run: ["docker", "swarm", "leave"] },
    { text: "On a manager: remove it from the node list.", run: ["docker", "node", "rm", node] },
  ],
  kubernetes: (node) => [
    {
      text: `Drain ${node}.`,
      run: DRAIN.kubernetes(node),
    },
    { text: "Remove it from the cluster.", run: ["kubectl", "delete", "node", node] },
  ],
  nomad: (node) => [
    {
      text: `Drain ${node} and keep it ineligible.`,
      run: DRAIN.nomad(node),
    },
    { text: "Stop the Nomad client on the node; the servers collect the node once it is down." },
  ],
};
