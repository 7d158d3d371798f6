import { TYPES } from "../lib/leaves";
import { nomadUpdate } from "../lib/nomad";
import { stackRule } from "../lib/rule";
import { workloadsOf } from "../lib/stack";
import { at, isUnknown, num, plain, record, UNKNOWN } from "../lib/values";

const RULE = "workload-require-disruption-budget";

/** Whether every label of a selector's matchLabels is on the pod. */
function selects(selector: unknown, labels: Record<string, string>): boolean {
  const match = record(at(selector, "matchLabels"));
  if (match === UNKNOWN || Object.keys(match).length === 0) return false;
  return Object.entries(match).every(([k, v]) => labels[k] === v);
}

const isZero = (v: unknown) => v === 0 || v === "0" || v === "0%";

export const workloadRequireDisruptionBudget = stackRule({
  name: RULE,
  description:
    "Replicated workloads keep most replicas up through drains and rollouts (a disruption budget).",
  severity: "medium",
  docs: {
    catalogue: ["R10", "R11"],
    swarm:
      "Services with 2+ replicas update in batches: `updateConfig.parallelism` ≥ 1 and below the replica count, or start-first.",
    kubernetes:
      "Deployments and StatefulSets with 2+ replicas are selected by a PodDisruptionBudget in their namespace that allows a disruption (`maxUnavailable` ≠ 0, `minAvailable` below the replicas).",
    nomad:
      "Groups with 2+ allocations update and migrate in batches: `update.max_parallel` ≥ 1 and below the count (or canaries), `migrate.max_parallel` below the count.",
  },
  check({ resources, report }) {
    const budgets = resources
      .filter((r) => r.type === TYPES.disruptionBudget)
      .map((r) => plain(r.props));
    for (const w of workloadsOf(resources)) {
      if (w.perNode || isUnknown(w.replicas) || w.exemption(RULE) !== undefined) continue;
      switch (w.target) {
        case "swarm": {
          if (w.replicas < 2) continue;
          const parallelism = num(at(w.service, "updateConfig", "parallelism"));
          const order = at(w.service, "updateConfig", "order");
          if (isUnknown(parallelism) || isUnknown(order)) continue;
          if (parallelism === undefined || parallelism <= 0)
            report(
              `${w.subject} updates all its replicas at once: set updateConfig.parallelism below ${w.replicas}.`,
              w.urn,
            );
          else if (parallelism >= w.replicas && order !== "start-first")
            report(
              `${w.subject} stops all ${w.replicas} replicas in one batch: set updateConfig.parallelism below ${w.replicas} or order = "start-first".`,
              w.urn,
            );
          continue;
        }
        case "kubernetes": {
          if (w.kind === "DaemonSet" || w.replicas < 2) continue;
          const mine = budgets.filter(
            (b) =>
              (at(b, "metadata", "namespace") ?? w.namespace) === w.namespace &&
              selects(at(b, "spec", "selector"), w.podLabels),
          );
          if (mine.length === 0) {
            report(
              `${w.subject} has no PodDisruptionBudget: add one that selects its pods.`,
              w.urn,
            );
            continue;
          }
          for (const b of mine) {
            const name = String(at(b, "metadata", "name"));
            const maxUnavailable = at(b, "spec", "maxUnavailable");
            const minAvailable = num(at(b, "spec", "minAvailable"));
            if (
              isZero(maxUnavailable) ||
              (typeof minAvailable === "number" && minAvailable >= w.replicas)
            )
              report(
                `${w.subject}: PodDisruptionBudget "${name}" allows no disruption, so drains block: allow at least one.`,
                w.urn,
              );
          }
          continue;
        }
        case "nomad":
          for (const group of w.groups) {
            const count = num(group.Count) ?? 1;
            if (isUnknown(count) || count < 2) continue;
            const update = nomadUpdate(w.job, group);
            const parallel = num(update.MaxParallel);
            const canary = num(update.Canary);
            const migrate = num(at(group, "Migrate", "MaxParallel"));
            const where = `${w.subject}: group "${String(group.Name)}"`;
            if (isUnknown(parallel) || isUnknown(canary) || isUnknown(migrate)) continue;
            if (parallel === undefined || parallel <= 0)
              report(
                `${where} has no rolling update: set update.max_parallel below ${count}.`,
                w.urn,
              );
            else if (parallel >= count && !(typeof canary === "number" && canary > 0))
              report(
                `${where} replaces all ${count} allocations at once: set update.max_parallel below ${count} or use canaries.`,
                w.urn,
              );
            if (typeof migrate === "number" && migrate >= count)
              report(
                `${where} migrates all ${count} allocations at once on a drain: set migrate.max_parallel below ${count}.`,
                w.urn,
              );
          }
          continue;
      }
    }
  },
});
