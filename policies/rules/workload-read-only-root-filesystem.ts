import { containersOf, readOnlyRootOf } from "../lib/containers";
import { workloadRule } from "../lib/rule";
import { isUnknown } from "../lib/values";

export const workloadReadOnlyRootFilesystem = workloadRule({
  name: "workload-read-only-root-filesystem",
  description:
    "Containers run on a read-only root filesystem; they write only to their volumes and scratch directories.",
  severity: "medium",
  docs: {
    catalogue: ["ours"],
    swarm: "`containerSpec.readOnly` is true (plain containers: `readOnly`).",
    kubernetes: "Every container's `securityContext.readOnlyRootFilesystem` is true.",
    nomad: "Every docker task's `config.readonly_rootfs` is true.",
  },
  check({ workload: w, report }) {
    for (const c of containersOf(w)) {
      const readOnly = readOnlyRootOf(w, c);
      if (isUnknown(readOnly) || readOnly === true) continue;
      report(
        `${c.where} has a writable root filesystem: make it read-only and mount an ephemeral volume where it writes, or exempt the workload with the reason it writes there.`,
      );
    }
  },
});
