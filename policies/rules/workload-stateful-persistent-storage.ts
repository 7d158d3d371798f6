import { isStateful } from "../lib/leaves";
import { workloadRule } from "../lib/rule";
import { at, knownItems, UNKNOWN, list } from "../lib/values";

export const workloadStatefulPersistentStorage = workloadRule({
  name: "workload-stateful-persistent-storage",
  description: "Stateful workloads keep their data on persistent storage that outlives the task.",
  severity: "high",
  docs: {
    catalogue: ["R18"],
    swarm: 'Services marked stateful mount at least one named volume (`type: "volume"`).',
    kubernetes:
      "Controllers marked stateful have a `volumeClaimTemplates` entry or a `persistentVolumeClaim` volume.",
    nomad: "Jobs marked stateful have a group `volume` (host or CSI) mounted by a task.",
  },
  check({ workload: w, report }) {
    if (!isStateful(w)) return;
    switch (w.target) {
      case "swarm": {
        const mounts = list(at(w.container, "mounts"));
        if (mounts === UNKNOWN) return;
        if (!mounts.some((m) => at(m, "type") === "volume"))
          report(`${w.subject} is stateful but mounts no persistent volume: mount a named volume.`);
        return;
      }
      case "kubernetes": {
        const templates = knownItems(at(w.object, "spec", "volumeClaimTemplates"));
        const claims = knownItems(at(w.pod, "volumes")).filter(
          (v) => at(v, "persistentVolumeClaim") !== undefined,
        );
        if (templates.length === 0 && claims.length === 0)
          report(
            `${w.subject} is stateful but mounts no persistent volume claim: add a volumeClaimTemplates entry or a persistentVolumeClaim volume.`,
          );
        return;
      }
      case "nomad":
        for (const group of w.groups) {
          const volumes = at(group, "Volumes");
          if (volumes === UNKNOWN) continue;
          const mounted = knownItems(group.Tasks).some(
            (t) => knownItems(at(t, "VolumeMounts")).length > 0,
          );
          if (!volumes || Object.keys(volumes).length === 0 || !mounted)
            report(
              `${w.subject}: group "${String(group.Name)}" is stateful but mounts no persistent volume: add a host or CSI volume.`,
            );
        }
        return;
    }
  },
});
