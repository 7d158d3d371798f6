import { hostMountsOf } from "../lib/containers";
import { RUNTIME_SOCKETS, SENSITIVE_HOST_PATHS, under } from "../lib/host-paths";
import { workloadRule } from "../lib/rule";

export interface HostPathsConfig {
  readonly sensitivePaths: string[];
}

export const workloadNoSensitiveHostPaths = workloadRule<HostPathsConfig>({
  name: "workload-no-sensitive-host-paths",
  description:
    "No workload mounts a sensitive host path; exempted ones (exporters) only read-only.",
  severity: "high",
  docs: {
    catalogue: ["S9"],
    swarm: "No bind mount of a sensitive path without an exemption label; with one, `readOnly`.",
    kubernetes:
      "No `hostPath` volume of a sensitive path without an exemption annotation; with one, mounted `readOnly`.",
    nomad:
      "No docker `volumes`/`mount` of a sensitive path without an exemption meta key; with one, read-only.",
  },
  config: {
    sensitivePaths: {
      type: "array",
      items: { type: "string" },
      default: SENSITIVE_HOST_PATHS,
      description: "Host paths that must not be mounted (the paths and everything under them).",
    },
  },
  checksExempt: true,
  check({ workload: w, config, exemption, report }) {
    for (const m of hostMountsOf(w)) {
      // Runtime sockets have their own rule (workload-docker-socket-restricted).
      if (RUNTIME_SOCKETS.includes(m.source) || !under(m.source, config.sensitivePaths)) continue;
      if (exemption === undefined)
        report(
          `${m.where} mounts the sensitive host path ${m.source}: remove it, or exempt the workload with the reason.`,
        );
      else if (!m.readOnly)
        report(
          `${m.where} mounts the sensitive host path ${m.source} writable: mount it read-only.`,
        );
    }
  },
});
