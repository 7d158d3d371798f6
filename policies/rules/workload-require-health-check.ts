import { at, knownItems, list, UNKNOWN } from "../lib/values";
import { workloadRule } from "../lib/rule";
import { nomadChecks } from "../lib/nomad";

export const workloadRequireHealthCheck = workloadRule({
  name: "workload-require-health-check",
  description: "Every workload has a health check, so the orchestrator replaces hung tasks.",
  longRunningOnly: true,
  severity: "high",
  docs: {
    catalogue: ["R1"],
    swarm: "`taskSpec.containerSpec.healthcheck.tests` is set (not `NONE`).",
    kubernetes: "Every container has a `livenessProbe`.",
    nomad: "Every group registers a service with at least one check.",
  },
  check({ workload: w, report }) {
    switch (w.target) {
      case "swarm": {
        const tests = list(at(w.container, "healthcheck", "tests"));
        if (tests === UNKNOWN) return;
        if (tests.length === 0 || tests[0] === "NONE")
          report(`${w.subject} has no health check: set taskSpec.containerSpec.healthcheck.`);
        return;
      }
      case "kubernetes":
        for (const c of knownItems(at(w.pod, "containers"))) {
          if (at(c, "livenessProbe") === undefined)
            report(`${w.subject}: container "${String(at(c, "name"))}" has no liveness probe.`);
        }
        return;
      case "nomad":
        for (const group of w.groups) {
          const checks = nomadChecks(group);
          if (checks === UNKNOWN) continue;
          if (checks.length === 0)
            report(`${w.subject}: group "${String(group.Name)}" has no service check.`);
        }
        return;
    }
  },
});
