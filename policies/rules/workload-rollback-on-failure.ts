import { isStateful } from "../lib/leaves";
import { nomadUpdate } from "../lib/nomad";
import { workloadRule } from "../lib/rule";
import { at, isUnknown } from "../lib/values";

export const workloadRollbackOnFailure = workloadRule({
  name: "workload-rollback-on-failure",
  description: "Updates roll out gradually and return to the last good version when they fail.",
  longRunningOnly: true,
  severity: "medium",
  docs: {
    catalogue: ["R17"],
    swarm: '`updateConfig.failureAction = "rollback"`.',
    kubernetes:
      'Deployments: `RollingUpdate` (or `Recreate` for stateful ones) with `progressDeadlineSeconds`, so a stuck rollout fails and the old pods keep serving; StatefulSets and DaemonSets: `updateStrategy.type = "RollingUpdate"`.',
    nomad: "Service jobs: `update.auto_revert = true`.",
  },
  check({ workload: w, report }) {
    switch (w.target) {
      case "swarm": {
        const action = at(w.service, "updateConfig", "failureAction");
        if (!isUnknown(action) && action !== "rollback")
          report(
            `${w.subject} does not roll back a failed update: set updateConfig.failureAction = "rollback".`,
          );
        return;
      }
      case "kubernetes": {
        if (w.kind === "Deployment") {
          const type = at(w.object, "spec", "strategy", "type") ?? "RollingUpdate";
          const deadline = at(w.object, "spec", "progressDeadlineSeconds");
          if (isUnknown(type) || isUnknown(deadline)) return;
          if (type !== "RollingUpdate" && !(type === "Recreate" && isStateful(w)))
            report(`${w.subject} uses the ${String(type)} strategy: use RollingUpdate.`);
          if (deadline === undefined)
            report(`${w.subject} has no progressDeadlineSeconds: set it so a stuck rollout fails.`);
        } else {
          const type = at(w.object, "spec", "updateStrategy", "type") ?? "RollingUpdate";
          if (!isUnknown(type) && type !== "RollingUpdate")
            report(`${w.subject} uses the ${String(type)} update strategy: use RollingUpdate.`);
        }
        return;
      }
      case "nomad":
        if (w.perNode) return;
        for (const group of w.groups) {
          const revert = nomadUpdate(w.job, group).AutoRevert;
          if (!isUnknown(revert) && revert !== true)
            report(
              `${w.subject}: group "${String(group.Name)}" does not revert a failed deployment: set update.auto_revert = true.`,
            );
        }
        return;
    }
  },
});
