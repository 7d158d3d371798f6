import { workloadRule } from "../lib/rule";
import { nomadChecks, nomadServices, nomadUpdate } from "../lib/nomad";
import { at, knownItems, UNKNOWN } from "../lib/values";

export const workloadRequireReadiness = workloadRule({
  name: "workload-require-readiness",
  description: "Workloads that serve a port only get traffic, and roll out, once they are ready.",
  longRunningOnly: true,
  severity: "high",
  docs: {
    catalogue: ["R2"],
    swarm: "Not applicable: Swarm has no readiness separate from the health check (R1).",
    kubernetes: "Every container that declares a port has a `readinessProbe`.",
    nomad:
      'Groups with services deploy on check health: `update.health_check = "checks"` with a check.',
  },
  check({ workload: w, report }) {
    switch (w.target) {
      case "swarm":
        return;
      case "kubernetes":
        for (const c of knownItems(at(w.pod, "containers"))) {
          if (knownItems(at(c, "ports")).length === 0) continue;
          if (at(c, "readinessProbe") === undefined)
            report(`${w.subject}: container "${String(at(c, "name"))}" has no readiness probe.`);
        }
        return;
      case "nomad":
        if (w.perNode) return;
        for (const group of w.groups) {
          if (nomadServices(group).length === 0) continue;
          const checks = nomadChecks(group);
          const healthCheck = nomadUpdate(w.job, group).HealthCheck;
          if (checks === UNKNOWN || healthCheck === UNKNOWN) continue;
          if (checks.length === 0 || healthCheck !== "checks")
            report(
              `${w.subject}: group "${String(group.Name)}" does not wait for its service checks before a deployment continues; set update.health_check = "checks".`,
            );
        }
        return;
    }
  },
});
