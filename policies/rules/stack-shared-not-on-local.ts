import { META } from "../../components/model/metadata";
import { TYPES } from "../lib/leaves";
import { stackRule } from "../lib/rule";
import { boundNetworkStore, workloadsOf } from "../lib/stack";
import { at, knownItems, plain, str } from "../lib/values";

const RULE = "stack-shared-not-on-local";

export interface SharedConfig {
  readonly networkFsTypes: string[];
  readonly localStorageClasses: string[];
}

/**
 * A `shared` volume (read-write-many) follows its workloads to any node only on a network
 * filesystem; on one node's disk (the `local` backend) a rescheduled task finds another, empty
 * directory. Production stacks run on several nodes: dev.json disables the rule.
 */
export const stackSharedNotOnLocal = stackRule<SharedConfig>({
  name: RULE,
  description: "Shared volumes live on a network filesystem (NFS, CephFS), never one node's disk.",
  severity: "high",
  docs: {
    catalogue: ["ours"],
    swarm:
      "Each volume named in `homeport.dev/shared-volumes` is mounted from a docker Volume (or mount options) of a network driver `type` (nfs, ceph…), or a bind labelled `homeport.dev/store` nfs or cephfs (a directory of the node's CephFS mount).",
    kubernetes:
      "Each claim of a shared volume is ReadWriteMany and not of a node-local storage class (`localStorageClasses`).",
    nomad: "Each shared volume of the job's groups is a CSI volume, not a host volume.",
  },
  config: {
    networkFsTypes: {
      type: "array",
      items: { type: "string" },
      default: ["nfs", "nfs4", "ceph", "cephfs", "glusterfs"],
      description: "Docker volume driver `type` options that are network filesystems.",
    },
    localStorageClasses: {
      type: "array",
      items: { type: "string" },
      default: ["local-path", "local-storage", "hostpath", "openebs-hostpath"],
      description: "Kubernetes storage classes whose volumes stay on one node.",
    },
  },
  check({ resources, config, report }) {
    const dockerVolumes = new Map<string, unknown>();
    const claims = new Map<string, unknown>();
    for (const r of resources) {
      const props = plain(r.props);
      if (r.type === TYPES.swarmVolume) {
        const name = str(at(props, "name"));
        if (typeof name === "string") dockerVolumes.set(name, props);
      } else if (r.type === TYPES.claim) {
        const name = str(at(props, "metadata", "name"));
        if (typeof name === "string") claims.set(name, props);
      }
    }
    const onNetwork = (options: unknown) => {
      const type = at(options, "type");
      return typeof type === "string" && config.networkFsTypes.includes(type.toLowerCase());
    };
    for (const w of workloadsOf(resources)) {
      const names = w.meta(META.sharedVolumes)?.split(",") ?? [];
      if (names.length === 0 || w.exemption(RULE) !== undefined) continue;
      const bad = (volume: string, what: string) =>
        report(
          `${w.subject} keeps shared volume "${volume}" on ${what}: other nodes cannot reach it; use storage.backend nfs or ceph.`,
          w.urn,
        );
      switch (w.target) {
        case "swarm":
          for (const m of knownItems(at(w.container, "mounts"))) {
            const source = at(m, "source");
            if (at(m, "type") !== "volume" || typeof source !== "string") continue;
            const volume = names.find((n) => source.endsWith(n));
            if (volume === undefined) continue;
            const network =
              onNetwork(at(m, "volumeOptions", "driverOptions")) ||
              onNetwork(at(dockerVolumes.get(source), "driverOpts")) ||
              boundNetworkStore(dockerVolumes.get(source)) !== undefined;
            if (!network) bad(volume, `the node's disk (docker volume ${source})`);
          }
          break;
        case "kubernetes":
          for (const v of knownItems(at(w.pod, "volumes"))) {
            const claimName = at(v, "persistentVolumeClaim", "claimName");
            if (typeof claimName !== "string") continue;
            const volume = names.find((n) => claimName.endsWith(n));
            const claim = claims.get(claimName);
            if (volume === undefined || claim === undefined) continue;
            const modes = knownItems(at(claim, "spec", "accessModes"));
            const cls = at(claim, "spec", "storageClassName");
            if (!modes.includes("ReadWriteMany"))
              bad(volume, `a ${modes.join(", ") || "single-node"} claim (${claimName})`);
            else if (typeof cls === "string" && config.localStorageClasses.includes(cls))
              bad(volume, `node-local storage class ${cls} (${claimName})`);
          }
          break;
        case "nomad":
          for (const group of w.groups)
            for (const name of names) {
              const volume = at(group, "Volumes", name);
              if (volume !== undefined && at(volume, "Type") === "host")
                bad(name, `host volume ${String(at(volume, "Source"))}`);
            }
          break;
      }
    }
  },
});
