import { hostMountsOf } from "../lib/containers";
import { RUNTIME_SOCKETS } from "../lib/host-paths";
import { workloadRule } from "../lib/rule";

export interface SocketConfig {
  readonly sockets: string[];
}

export const workloadDockerSocketRestricted = workloadRule<SocketConfig>({
  name: "workload-docker-socket-restricted",
  description:
    "Only exempted (allowlisted) workloads mount the container runtime's socket, and read-only.",
  severity: "high",
  docs: {
    catalogue: ["S8"],
    swarm: "No bind mount of a runtime socket without an exemption label; with one, `readOnly`.",
    kubernetes:
      "No `hostPath` volume of a runtime socket without an exemption annotation; with one, every mount of it `readOnly`.",
    nomad:
      'No docker `volumes`/`mount` of a runtime socket without an exemption meta key; with one, ":ro".',
  },
  config: {
    sockets: {
      type: "array",
      items: { type: "string" },
      default: RUNTIME_SOCKETS,
      description: "Host paths of container runtime sockets.",
    },
  },
  checksExempt: true,
  check({ workload: w, config, exemption, report }) {
    for (const m of hostMountsOf(w)) {
      if (!config.sockets.includes(m.source)) continue;
      if (exemption === undefined)
        report(
          `${m.where} mounts the container runtime socket ${m.source}: remove it, or exempt the workload with the reason it needs the socket.`,
        );
      else if (!m.readOnly)
        report(
          `${m.where} mounts the container runtime socket ${m.source} writable: mount it read-only.`,
        );
    }
  },
});
