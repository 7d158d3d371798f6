import { META } from "../../components/model/metadata";
import { under } from "../lib/host-paths";
import { TYPES } from "../lib/leaves";
import { stackRule } from "../lib/rule";
import { boundNetworkStore, workloadsOf } from "../lib/stack";
import { at, knownItems, plain, str } from "../lib/values";

const RULE = "workload-sqlite-not-on-network-fs";

export interface SqliteConfig {
  readonly databasePaths: string[];
  readonly networkFsTypes: string[];
  readonly networkStorageClasses: string[];
}

export const workloadSqliteNotOnNetworkFs = stackRule<SqliteConfig>({
  name: RULE,
  description:
    "SQLite-backed apps keep their database on local or block storage, never NFS/CephFS.",
  severity: "high",
  docs: {
    catalogue: ["R19"],
    swarm:
      "For workloads marked `homeport.dev/storage-engine=sqlite`, the volume mounted at a database path has no network driver option (`type` nfs, ceph…), on the mount or on its docker Volume, and is no bind labelled `homeport.dev/store` nfs or cephfs.",
    kubernetes:
      "The claim mounted at a database path is not ReadWriteMany and not of a network storage class; no inline nfs/cephfs volume.",
    nomad: "The volume mounted at a database path is a host volume or a single-node CSI volume.",
  },
  config: {
    databasePaths: {
      type: "array",
      items: { type: "string" },
      // The *arr apps and Jellyfin keep theirs under /config, Grafana under /var/lib/grafana.
      default: ["/config", "/var/lib/grafana"],
      description: "Container paths where SQLite-backed apps keep their database.",
    },
    networkFsTypes: {
      type: "array",
      items: { type: "string" },
      default: ["nfs", "nfs4", "ceph", "cephfs", "cifs", "smb", "glusterfs"],
      description: "Docker volume driver `type` options that are network filesystems.",
    },
    networkStorageClasses: {
      type: "array",
      items: { type: "string" },
      // With homeport's own classes (components/storage/kube-object.ts, HOMEPORT_STORAGE_CLASSES).
      default: [
        "nfs",
        "nfs-client",
        "cephfs",
        "ceph-filesystem",
        "homeport-nfs",
        "homeport-cephfs",
      ],
      description: "Kubernetes storage classes backed by a network filesystem.",
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
        if (typeof name === "string")
          claims.set(`${String(at(props, "metadata", "namespace"))}/${name}`, props);
      }
    }
    const networkType = (options: unknown) => {
      const type = at(options, "type");
      return typeof type === "string" && config.networkFsTypes.includes(type.toLowerCase())
        ? type
        : undefined;
    };
    const networkClaim = (spec: unknown) => {
      const modes = knownItems(at(spec, "accessModes"));
      const cls = at(spec, "storageClassName");
      if (modes.includes("ReadWriteMany")) return "ReadWriteMany";
      if (typeof cls === "string" && config.networkStorageClasses.includes(cls))
        return `storage class ${cls}`;
      return undefined;
    };
    for (const w of workloadsOf(resources)) {
      if (w.meta(META.storageEngine) !== "sqlite" || w.exemption(RULE) !== undefined) continue;
      const bad = (path: string, what: string) =>
        report(
          `${w.subject} keeps its SQLite database at ${path} on a network filesystem (${what}): use local or block storage.`,
          w.urn,
        );
      switch (w.target) {
        case "swarm":
          for (const m of knownItems(at(w.container, "mounts"))) {
            const target = at(m, "target");
            if (at(m, "type") !== "volume" || typeof target !== "string") continue;
            if (!under(target, config.databasePaths)) continue;
            const source = at(m, "source");
            const volume = typeof source === "string" ? dockerVolumes.get(source) : undefined;
            const type =
              networkType(at(m, "volumeOptions", "driverOptions")) ??
              networkType(at(volume, "driverOpts")) ??
              boundNetworkStore(volume);
            if (type) bad(target, type);
          }
          break;
        case "kubernetes": {
          const podVolumes = new Map(
            knownItems(at(w.pod, "volumes")).map((v) => [String(at(v, "name")), v]),
          );
          const templates = new Map(
            knownItems(at(w.object, "spec", "volumeClaimTemplates")).map((t) => [
              String(at(t, "metadata", "name")),
              t,
            ]),
          );
          for (const c of w.containers)
            for (const m of knownItems(c.volumeMounts)) {
              const path = at(m, "mountPath");
              if (typeof path !== "string" || !under(path, config.databasePaths)) continue;
              const name = String(at(m, "name"));
              const volume = podVolumes.get(name);
              if (volume !== undefined) {
                if (at(volume, "nfs") !== undefined) bad(path, "nfs volume");
                else if (at(volume, "cephfs") !== undefined) bad(path, "cephfs volume");
                const claimName = at(volume, "persistentVolumeClaim", "claimName");
                const claim = claims.get(`${String(w.namespace)}/${String(claimName)}`);
                const why = claim ? networkClaim(at(claim, "spec")) : undefined;
                if (why) bad(path, `claim ${String(claimName)}: ${why}`);
              } else if (templates.has(name)) {
                const why = networkClaim(at(templates.get(name), "spec"));
                if (why) bad(path, `claim template ${name}: ${why}`);
              }
            }
          break;
        }
        case "nomad":
          for (const group of w.groups) {
            const volumes = at(group, "Volumes");
            for (const t of knownItems(group.Tasks))
              for (const m of knownItems(at(t, "VolumeMounts"))) {
                const path = at(m, "Destination");
                if (typeof path !== "string" || !under(path, config.databasePaths)) continue;
                const volume = at(volumes, String(at(m, "Volume")));
                const mode = at(volume, "AccessMode");
                if (
                  at(volume, "Type") === "csi" &&
                  typeof mode === "string" &&
                  mode.startsWith("multi-node")
                )
                  bad(path, `CSI volume ${String(at(volume, "Source"))}: ${mode}`);
              }
          }
          break;
      }
    }
  },
});
