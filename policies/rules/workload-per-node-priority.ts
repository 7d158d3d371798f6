import { workloadRule } from "../lib/rule";
import { at, isUnknown } from "../lib/values";

/** Nomad's default job priority (nomad/structs JobDefaultPriority). */
const NOMAD_DEFAULT_PRIORITY = 50;

export const workloadPerNodePriority = workloadRule({
  name: "workload-per-node-priority",
  description:
    "Per-node agents (exporters) have a high priority, so a node full of other workloads still runs them.",
  severity: "medium",
  longRunningOnly: true,
  docs: {
    catalogue: ["ours"],
    swarm:
      "Not applicable: Swarm has no priorities or preemption; a global service's task waits on a node without room, so keep the agents' reservations small.",
    kubernetes: "DaemonSets set `priorityClassName` in their pod template.",
    nomad: `System jobs set a \`Priority\` above Nomad's default ${NOMAD_DEFAULT_PRIORITY}: they preempt lower-priority allocations on a full node.`,
  },
  check({ workload: w, report }) {
    if (!w.perNode) return;
    switch (w.target) {
      case "swarm":
        return;
      case "kubernetes": {
        const name = at(w.pod, "priorityClassName");
        if (isUnknown(name)) return;
        if (typeof name !== "string" || name === "")
          report(
            `${w.subject} has no priorityClassName: give it a PriorityClass above the workloads' so that it is scheduled on a full node.`,
          );
        return;
      }
      case "nomad": {
        const priority = at(w.job, "Priority");
        if (isUnknown(priority)) return;
        if (typeof priority !== "number" || priority <= NOMAD_DEFAULT_PRIORITY)
          report(
            `${w.subject} has priority ${String(priority ?? NOMAD_DEFAULT_PRIORITY)}: set a Priority above ${NOMAD_DEFAULT_PRIORITY} so that it preempts other allocations on a full node.`,
          );
        return;
      }
    }
  },
});
