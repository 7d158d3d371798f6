import { containersOf } from "../lib/containers";
import { unpinnedReason } from "../lib/images";
import { workloadRule } from "../lib/rule";
import { RENDERED_SECRET } from "../lib/values";

export const workloadImagePinned = workloadRule({
  name: "workload-image-pinned",
  description: 'Every image is pinned by a version tag or a digest, never "latest" or no tag.',
  severity: "high",
  docs: {
    catalogue: ["R5"],
    swarm: "`taskSpec.containerSpec.image` has a tag other than `latest`, or a digest.",
    kubernetes: "Every container's `image` has a tag other than `latest`, or a digest.",
    nomad: "Every docker task's `config.image` has a tag other than `latest`, or a digest.",
  },
  check({ workload, report }) {
    for (const c of containersOf(workload)) {
      if (typeof c.image !== "string" || c.image === RENDERED_SECRET) continue;
      const reason = unpinnedReason(c.image);
      if (reason)
        report(`${c.where}: image "${c.image}" ${reason}; pin a version tag or a digest.`);
    }
  },
});
