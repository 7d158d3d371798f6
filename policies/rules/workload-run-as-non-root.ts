import { containersOf, isRootUser } from "../lib/containers";
import { workloadRule } from "../lib/rule";
import { at, isUnknown } from "../lib/values";

export const workloadRunAsNonRoot = workloadRule({
  name: "workload-run-as-non-root",
  description:
    "Containers run as a non-root user; images that need root say why with an exemption.",
  severity: "high",
  docs: {
    catalogue: ["ours"],
    swarm:
      "`containerSpec.user` (plain containers: `user`) is set, and not uid 0 or root: the image's own user may be root.",
    kubernetes:
      "Every container has `runAsNonRoot = true` (its own or the pod's `securityContext`), and no `runAsUser` of 0.",
    nomad: "Every docker task sets `user`, not uid 0 or root: the image's own user may be root.",
  },
  check({ workload: w, report }) {
    for (const c of containersOf(w)) {
      if (w.target === "kubernetes") {
        const own = (key: string) => at(c.spec, "securityContext", key);
        const pod = (key: string) => at(w.pod, "securityContext", key);
        const nonRoot = own("runAsNonRoot") ?? pod("runAsNonRoot");
        const uid = own("runAsUser") ?? pod("runAsUser");
        if (isUnknown(nonRoot) || isUnknown(uid)) continue;
        if (uid === 0)
          report(
            `${c.where} runs as uid 0: set a non-root runAsUser, or exempt the workload with the reason it needs root.`,
          );
        else if (nonRoot !== true)
          report(
            `${c.where} does not set runAsNonRoot: set it (the kubelet then refuses a root image), or exempt the workload with the reason it needs root.`,
          );
        continue;
      }
      const user = w.target === "swarm" ? c.spec.user : c.spec.User;
      if (isUnknown(user)) continue;
      if (typeof user !== "string" || user.trim() === "")
        report(
          `${c.where} runs as the image's user, which may be root: set a non-root user, or exempt the workload with the reason it needs root.`,
        );
      else if (isRootUser(user))
        report(
          `${c.where} runs as root ("${user}"): set a non-root user, or exempt the workload with the reason it needs root.`,
        );
    }
  },
});
