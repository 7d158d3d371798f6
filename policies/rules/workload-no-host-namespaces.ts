import { containersOf } from "../lib/containers";
import { dockerConfig } from "../lib/nomad";
import { workloadRule } from "../lib/rule";
import { at, knownItems } from "../lib/values";

export const workloadNoHostNamespaces = workloadRule({
  name: "workload-no-host-namespaces",
  description: "No workload shares the host's network, PID or IPC namespace.",
  severity: "high",
  docs: {
    catalogue: ["S6"],
    swarm:
      'The service (or plain container) is not attached to the "host" network; a container does not share the host PID or IPC namespace.',
    kubernetes: "The pod does not set `hostNetwork`, `hostPID` or `hostIPC`.",
    nomad:
      'No group network has `mode = "host"`; no docker task sets `network_mode`, `pid_mode` or `ipc_mode` to "host".',
  },
  check({ workload: w, report }) {
    switch (w.target) {
      case "swarm":
        if (
          knownItems(at(w.service, "taskSpec", "networksAdvanceds")).some(
            (n) => at(n, "name") === "host",
          )
        )
          report(`${w.subject} uses the host network: attach it to an overlay network.`);
        if (w.hostNamespaces.length > 0)
          report(
            `${w.subject} shares host namespaces (${w.hostNamespaces.join(", ")}): remove them.`,
          );
        return;
      case "kubernetes": {
        const shared = (["hostNetwork", "hostPID", "hostIPC"] as const).filter(
          (k) => at(w.pod, k) === true,
        );
        if (shared.length > 0)
          report(`${w.subject} shares host namespaces (${shared.join(", ")}): remove them.`);
        return;
      }
      case "nomad":
        for (const group of w.groups)
          if (knownItems(group.Networks).some((n) => at(n, "Mode") === "host"))
            report(
              `${w.subject}: group "${String(group.Name)}" uses the host network: use bridge mode.`,
            );
        for (const c of containersOf(w)) {
          const config = dockerConfig(c.spec);
          const shared = (["network_mode", "pid_mode", "ipc_mode"] as const).filter(
            (k) => config[k] === "host",
          );
          if (shared.length > 0)
            report(`${c.where} shares host namespaces (${shared.join(", ")}): remove them.`);
        }
        return;
    }
  },
});
