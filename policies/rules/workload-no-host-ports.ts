import { partOf } from "../lib/leaves";
import { workloadRule } from "../lib/rule";
import { at, knownItems, num } from "../lib/values";

export interface HostPortsConfig {
  readonly allowedParts: string[];
}

export const workloadNoHostPorts = workloadRule<HostPortsConfig>({
  name: "workload-no-host-ports",
  description: "Only the reverse proxy publishes ports on the nodes; everything else is routed.",
  severity: "medium",
  docs: {
    catalogue: ["S7"],
    swarm: "`endpointSpec.ports` publishes no port, unless the workload's part is allowed.",
    kubernetes: "No container port sets `hostPort`, unless the workload's part is allowed.",
    nomad: "No group network reserves a static port, unless the workload's part is allowed.",
  },
  config: {
    allowedParts: {
      type: "array",
      items: { type: "string" },
      default: ["proxy"],
      description: "Parts (homeport.dev/part) whose workloads may publish host ports.",
    },
  },
  check({ workload: w, config, report }) {
    const part = partOf(w);
    if (part !== undefined && config.allowedParts.includes(part)) return;
    const ports: number[] = [];
    switch (w.target) {
      case "swarm":
        for (const p of knownItems(at(w.service, "endpointSpec", "ports"))) {
          const published = num(at(p, "publishedPort"));
          if (typeof published === "number" && published > 0) ports.push(published);
        }
        break;
      case "kubernetes":
        for (const c of w.containers)
          for (const p of knownItems(c.ports)) {
            const host = num(at(p, "hostPort"));
            if (typeof host === "number" && host > 0) ports.push(host);
          }
        break;
      case "nomad":
        for (const group of w.groups)
          for (const n of knownItems(group.Networks))
            for (const p of knownItems(at(n, "ReservedPorts"))) {
              const value = num(at(p, "Value"));
              if (typeof value === "number" && value > 0) ports.push(value);
            }
        break;
    }
    if (ports.length > 0)
      report(
        `${w.subject} publishes host port(s) ${ports.join(", ")}: route it through the reverse proxy, or exempt it with the reason.`,
      );
  },
});
