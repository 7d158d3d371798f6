import { workloadRule } from "../lib/rule";
import { at, isUnknown, num } from "../lib/values";

export const workloadBoundedRestart = workloadRule({
  name: "workload-bounded-restart",
  description: "A crash-looping task gives up after a bounded number of restarts.",
  severity: "medium",
  docs: {
    catalogue: ["R13"],
    swarm:
      '`taskSpec.restartPolicy.maxAttempts` > 0 (0 means unlimited); a plain container: `restart` "no", or "on-failure" with `maxRetryCount`.',
    kubernetes:
      "Not checked: controllers restart pods with the kubelet's exponential back-off (CrashLoopBackOff), which is already bounded.",
    nomad:
      'Every group\'s `restart` has `attempts` > 0 and `mode = "fail"` ("delay" retries forever).',
  },
  check({ workload: w, report }) {
    switch (w.target) {
      case "swarm": {
        const policy = at(w.service, "taskSpec", "restartPolicy");
        const condition = at(policy, "condition");
        const attempts = num(at(policy, "maxAttempts"));
        if (condition === "none" || isUnknown(attempts)) return;
        if (attempts === undefined || attempts <= 0)
          report(
            w.kind === "container"
              ? `${w.subject} restarts without limit: set restart = "on-failure" with maxRetryCount.`
              : `${w.subject} restarts without limit: set taskSpec.restartPolicy.maxAttempts and window.`,
          );
        return;
      }
      case "kubernetes":
        return;
      case "nomad":
        for (const group of w.groups) {
          const policy = at(group, "RestartPolicy");
          const attempts = num(at(policy, "Attempts"));
          const mode = at(policy, "Mode");
          if (isUnknown(attempts) || isUnknown(mode)) continue;
          if (attempts === undefined || attempts <= 0 || mode !== "fail")
            report(
              `${w.subject}: group "${String(group.Name)}" restarts without limit: set restart.attempts > 0 and mode = "fail".`,
            );
        }
        return;
    }
  },
});
