import { containersOf } from "../lib/containers";
import { workloadRule } from "../lib/rule";
import { at, isUnknown, num } from "../lib/values";

const positive = (v: unknown) => {
  const n = num(v);
  return isUnknown(n) || (typeof n === "number" && n > 0);
};
const present = (v: unknown) => v !== undefined && v !== null && v !== "" && v !== 0;

export const workloadRequireResourceRequests = workloadRule({
  name: "workload-require-resource-requests",
  description: "Every workload reserves CPU and memory, so the scheduler places it where it fits.",
  severity: "medium",
  docs: {
    catalogue: ["R7"],
    swarm:
      "`taskSpec.resources.reservation.nanoCpus` and `.memoryBytes` are set (plain containers are not scheduled: not checked).",
    kubernetes: "Every container sets `resources.requests.cpu` and `resources.requests.memory`.",
    nomad: "Every task sets `resources.cpu` and `resources.memory`.",
  },
  check({ workload: w, report }) {
    const missing = (cpu: boolean, memory: boolean) =>
      [cpu ? undefined : "CPU", memory ? undefined : "memory"].filter(Boolean).join(" and ");
    switch (w.target) {
      case "swarm": {
        if (w.kind === "container") return;
        const reservation = at(w.service, "taskSpec", "resources", "reservation");
        const m = missing(
          positive(at(reservation, "nanoCpus")),
          positive(at(reservation, "memoryBytes")),
        );
        if (m) report(`${w.subject} reserves no ${m}: set taskSpec.resources.reservation.`);
        return;
      }
      case "kubernetes":
        for (const c of containersOf(w)) {
          const requests = at(c.spec, "resources", "requests");
          const m = missing(present(at(requests, "cpu")), present(at(requests, "memory")));
          if (m) report(`${c.where} requests no ${m}: set resources.requests.`);
        }
        return;
      case "nomad":
        for (const c of containersOf(w)) {
          const resources = at(c.spec, "Resources");
          const m = missing(positive(at(resources, "CPU")), positive(at(resources, "MemoryMB")));
          if (m) report(`${c.where} reserves no ${m}: set resources.cpu and resources.memory.`);
        }
        return;
    }
  },
});
