import { containersOf } from "../lib/containers";
import { dockerConfig } from "../lib/nomad";
import { workloadRule } from "../lib/rule";
import { at } from "../lib/values";

export const workloadNoPrivileged = workloadRule({
  name: "workload-no-privileged",
  description: "No workload runs privileged.",
  severity: "critical",
  docs: {
    catalogue: ["S1"],
    swarm:
      "Swarm services cannot run privileged (added capabilities are checked by workload-drop-capabilities); a plain container does not set `privileged`.",
    kubernetes: "No container sets `securityContext.privileged = true`.",
    nomad: "No docker task sets `config.privileged = true`.",
  },
  check({ workload: w, report }) {
    if (w.target === "swarm") {
      if (w.privileged) report(`${w.subject} runs privileged: remove privileged.`);
      return;
    }
    for (const c of containersOf(w)) {
      const privileged =
        w.target === "kubernetes"
          ? at(c.spec, "securityContext", "privileged")
          : dockerConfig(c.spec).privileged;
      if (privileged === true) report(`${c.where} runs privileged: remove privileged.`);
    }
  },
});
