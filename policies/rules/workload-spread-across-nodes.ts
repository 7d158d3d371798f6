import { workloadRule } from "../lib/rule";
import { at, isUnknown, knownItems, num } from "../lib/values";

export const workloadSpreadAcrossNodes = workloadRule({
  name: "workload-spread-across-nodes",
  description: "Replicas of a workload are spread across nodes, so one node down is not all down.",
  longRunningOnly: true,
  severity: "medium",
  docs: {
    catalogue: ["R12"],
    swarm: "Services with 2+ replicas set `placement.prefs` (spread) or `placement.maxReplicas`.",
    kubernetes:
      "Controllers with 2+ replicas have a `topologySpreadConstraints` entry or a pod anti-affinity on `kubernetes.io/hostname`.",
    nomad: "Jobs whose groups have 2+ allocations set a `spread` or a `distinct_hosts` constraint.",
  },
  check({ workload: w, report }) {
    if (w.perNode || isUnknown(w.replicas) || w.replicas < 2) return;
    switch (w.target) {
      case "swarm": {
        const placement = at(w.service, "taskSpec", "placement");
        const prefs = knownItems(at(placement, "prefs")).filter(
          (p) => typeof p === "string" && p.startsWith("spread="),
        );
        const max = num(at(placement, "maxReplicas"));
        if (prefs.length === 0 && !(typeof max === "number" && max > 0) && !isUnknown(max))
          report(
            `${w.subject} does not spread its replicas: set taskSpec.placement.prefs or maxReplicas.`,
          );
        return;
      }
      case "kubernetes": {
        const spread = knownItems(at(w.pod, "topologySpreadConstraints")).length > 0;
        const anti = knownItems(
          at(
            w.pod,
            "affinity",
            "podAntiAffinity",
            "requiredDuringSchedulingIgnoredDuringExecution",
          ),
        )
          .concat(
            knownItems(
              at(
                w.pod,
                "affinity",
                "podAntiAffinity",
                "preferredDuringSchedulingIgnoredDuringExecution",
              ),
            ).map((p) => at(p, "podAffinityTerm")),
          )
          .some((t) => at(t, "topologyKey") === "kubernetes.io/hostname");
        if (!spread && !anti)
          report(
            `${w.subject} does not spread its pods: add a topologySpreadConstraints entry or a pod anti-affinity on kubernetes.io/hostname.`,
          );
        return;
      }
      case "nomad": {
        const jobSpread = knownItems(w.job.Spreads).length > 0;
        for (const group of w.groups) {
          const count = num(group.Count) ?? 1;
          if (isUnknown(count) || count < 2) continue;
          const spread = jobSpread || knownItems(group.Spreads).length > 0;
          const distinct = [
            ...knownItems(w.job.Constraints),
            ...knownItems(group.Constraints),
          ].some((c) => at(c, "Operand") === "distinct_hosts");
          if (!spread && !distinct)
            report(
              `${w.subject}: group "${String(group.Name)}" does not spread its allocations: add a spread or a distinct_hosts constraint.`,
            );
        }
        return;
      }
    }
  },
});
