import { checkDigest, META } from "../../components/model/metadata";
import { workloadRule } from "../lib/rule";
import { nomadChecks } from "../lib/nomad";
import { at, isUnknown, knownItems, list } from "../lib/values";

type Obj = Record<string, unknown>;

/** A Kubernetes probe's action alone (not its timing): what it checks. */
const probeAction = (probe: unknown) =>
  JSON.stringify(["exec", "httpGet", "tcpSocket", "grpc"].map((k) => at(probe, k) ?? null));

/** A Nomad check's definition without its name, timing or restart policy. */
const nomadCheckAction = (check: unknown) =>
  JSON.stringify(["Type", "Command", "Args", "Path", "PortLabel"].map((k) => at(check, k) ?? null));

export const workloadLivenessLocal = workloadRule({
  name: "workload-liveness-local",
  description:
    "A workload whose readiness goes through another service restarts on a local liveness check only.",
  severity: "high",
  longRunningOnly: true,
  docs: {
    catalogue: ["ours"],
    swarm: `With \`${META.readinessVia}\` set, the health check (which replaces unhealthy tasks) is not the readiness check whose digest \`${META.readinessCheck}\` holds.`,
    kubernetes: `With \`${META.readinessVia}\` set, no container's \`livenessProbe\` checks what its \`readinessProbe\` checks.`,
    nomad: `With \`${META.readinessVia}\` set, no check with a \`check_restart\` checks what a readiness check (one without) checks, and not every check restarts.`,
  },
  check({ workload: w, report }) {
    const via = w.meta(META.readinessVia);
    if (via === undefined) return;
    const fix = `give it a liveness check that the process answers alone (its readiness goes through ${via})`;
    switch (w.target) {
      case "swarm": {
        const tests = list(at(w.container, "healthcheck", "tests"));
        if (isUnknown(tests) || tests.length === 0) return;
        if (checkDigest(tests) === w.meta(META.readinessCheck))
          report(`${w.subject} restarts on its readiness check: ${fix}.`);
        return;
      }
      case "kubernetes":
        for (const c of w.containers) {
          const live = at(c, "livenessProbe");
          const ready = at(c, "readinessProbe");
          if (live === undefined || ready === undefined || isUnknown(live) || isUnknown(ready))
            continue;
          if (probeAction(live) === probeAction(ready))
            report(
              `${w.subject}: container "${String(c.name)}" has the same liveness and readiness probe: ${fix}.`,
            );
        }
        return;
      case "nomad":
        for (const group of w.groups) {
          const checks = nomadChecks(group);
          if (isUnknown(checks)) continue;
          const restarts = (c: unknown) => at(c, "CheckRestart") != null;
          const restarting = checks.filter(restarts);
          const readiness = new Set(
            knownItems(checks.filter((c) => !restarts(c))).map(nomadCheckAction),
          );
          if (restarting.some((c) => readiness.size === 0 || readiness.has(nomadCheckAction(c))))
            report(
              `${w.subject}: group "${String((group as Obj).Name)}" restarts on its readiness check: ${fix}.`,
            );
        }
        return;
    }
  },
});
