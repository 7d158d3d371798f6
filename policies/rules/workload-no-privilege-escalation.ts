import { containersOf } from "../lib/containers";
import { dockerConfig } from "../lib/nomad";
import { workloadRule } from "../lib/rule";
import { at, isUnknown, knownItems } from "../lib/values";

export const workloadNoPrivilegeEscalation = workloadRule({
  name: "workload-no-privilege-escalation",
  description: "Processes cannot gain more privileges than their parent (no-new-privileges).",
  severity: "high",
  docs: {
    catalogue: ["S2"],
    swarm:
      'Not checkable per service: Swarm services have no security options; set `"no-new-privileges": true` in each node\'s daemon.json.',
    kubernetes: "Every container sets `securityContext.allowPrivilegeEscalation = false`.",
    nomad: 'Every docker task lists `"no-new-privileges"` in `config.security_opt`.',
  },
  check({ workload: w, report }) {
    if (w.target === "swarm") return;
    for (const c of containersOf(w)) {
      if (w.target === "kubernetes") {
        const allowed = at(c.spec, "securityContext", "allowPrivilegeEscalation");
        if (!isUnknown(allowed) && allowed !== false)
          report(
            `${c.where} may escalate privileges: set securityContext.allowPrivilegeEscalation = false.`,
          );
      } else {
        const opts = knownItems(dockerConfig(c.spec).security_opt);
        if (!opts.some((o) => o === "no-new-privileges" || o === "no-new-privileges:true"))
          report(
            `${c.where} may escalate privileges: add "no-new-privileges" to config.security_opt.`,
          );
      }
    }
  },
});
