import { containersOf } from "../lib/containers";
import { workloadRule } from "../lib/rule";
import { at, isUnknown, num } from "../lib/values";

const positive = (v: unknown) => {
  const n = num(v);
  return isUnknown(n) || (typeof n === "number" && n > 0);
};

export const workloadRequireMemoryLimit = workloadRule({
  name: "workload-require-memory-limit",
  description: "Every workload has a memory limit, so a leak kills the task, not the node.",
  severity: "medium",
  docs: {
    catalogue: ["R8"],
    swarm: "`taskSpec.resources.limits.memoryBytes` is set (a plain container: `memory`).",
    kubernetes: "Every container sets `resources.limits.memory`.",
    nomad:
      "Every task sets `resources.memory` (Nomad's hard cap unless `memory_max` raises it); `memory_max`, when set, is not below it.",
  },
  check({ workload: w, report }) {
    switch (w.target) {
      case "swarm":
        if (!positive(at(w.service, "taskSpec", "resources", "limits", "memoryBytes")))
          report(
            w.kind === "container"
              ? `${w.subject} has no memory limit: set memory.`
              : `${w.subject} has no memory limit: set taskSpec.resources.limits.memoryBytes.`,
          );
        return;
      case "kubernetes":
        for (const c of containersOf(w)) {
          const limit = at(c.spec, "resources", "limits", "memory");
          if (limit === undefined || limit === "")
            report(`${c.where} has no memory limit: set resources.limits.memory.`);
        }
        return;
      case "nomad":
        for (const c of containersOf(w)) {
          const memory = num(at(c.spec, "Resources", "MemoryMB"));
          const max = num(at(c.spec, "Resources", "MemoryMaxMB"));
          if (isUnknown(memory) || isUnknown(max)) continue;
          if (memory === undefined || memory <= 0)
            report(`${c.where} has no memory limit: set resources.memory.`);
          else if (max !== undefined && max < memory)
            report(
              `${c.where} has memory_max ${max} MB below its memory ${memory} MB: raise memory_max.`,
            );
        }
        return;
    }
  },
});
