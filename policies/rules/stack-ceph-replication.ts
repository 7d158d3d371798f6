import { META } from "../../components/model/metadata";
import { stackRule } from "../lib/rule";
import { clustersOf, workloadsOf } from "../lib/stack";
import { at, isUnknown, knownItems, num, plain, str } from "../lib/values";

const RULE = "stack-ceph-replication";

export interface CephReplicationConfig {
  readonly minReplicas: number;
  readonly minMonitors: number;
}

/** Rook's kinds, as the storage part writes them (components/storage/rook-ceph.ts). */
const ROOK = {
  cluster: "kubernetes:ceph.rook.io/v1:CephCluster",
  blockPool: "kubernetes:ceph.rook.io/v1:CephBlockPool",
  filesystem: "kubernetes:ceph.rook.io/v1:CephFilesystem",
} as const;

/**
 * A Ceph cluster the stack runs keeps `minReplicas` copies of every pool and an odd number of
 * monitors, at least `minMonitors`, so that it survives one node and keeps a majority. Dev
 * stacks run one monitor and one copy on purpose: dev.json disables the rule.
 */
export const stackCephReplication = stackRule<CephReplicationConfig>({
  name: RULE,
  description: "A Ceph cluster the stack runs keeps 3 copies and an odd number (≥ 3) of monitors.",
  severity: "high",
  docs: {
    catalogue: ["ours"],
    swarm:
      "The daemons' services carry the copies of every pool (`homeport.dev/ceph-pool-size`) ≥ `minReplicas`; the monitors' services (cluster `ceph-mon`) are an odd number ≥ `minMonitors`.",
    kubernetes:
      "Rook's `CephCluster` has an odd `spec.mon.count` ≥ `minMonitors`; every `CephBlockPool` and `CephFilesystem` pool has `replicated.size` ≥ `minReplicas`.",
    nomad:
      "homeport runs no Ceph on Nomad (an existing cluster is outside the stack): nothing to check.",
  },
  config: {
    minReplicas: {
      type: "integer",
      minimum: 1,
      default: 3,
      description: "Fewest copies of every pool.",
    },
    minMonitors: {
      type: "integer",
      minimum: 1,
      default: 3,
      description: "Fewest monitors; their count must be odd too.",
    },
  },
  check({ resources, config, report }) {
    // The daemons of a cluster homeport runs as workloads (Swarm), reported on its monitors.
    for (const c of clustersOf(workloadsOf(resources))) {
      const label = c.members[0].meta(META.cephPoolSize);
      if (c.name !== "ceph-mon" || label === undefined) continue;
      const size = Number(label);
      if (size < config.minReplicas)
        report(
          `${c.subject} keeps ${size} cop${size === 1 ? "y" : "ies"} of every pool: keep at least ${config.minReplicas}.`,
          c.urn,
        );
      if (!isUnknown(c.replicas) && (c.replicas < config.minMonitors || c.replicas % 2 === 0))
        report(
          `${c.subject} runs ${c.replicas} monitor(s): run an odd number, at least ${config.minMonitors}.`,
          c.urn,
        );
    }
    for (const r of resources) {
      const props = plain(r.props);
      const name = str(at(props, "metadata", "name"));
      const subject = `${r.type.split(":").pop()} "${typeof name === "string" ? name : r.name}"`;
      const pool = (what: string, replicated: unknown) => {
        const size = num(at(replicated, "size"));
        if (typeof size === "number" && size < config.minReplicas)
          report(
            `${subject} keeps ${size} cop${size === 1 ? "y" : "ies"} of ${what}: keep at least ${config.minReplicas}.`,
            r.urn,
          );
      };
      if (r.type === ROOK.cluster) {
        const mons = num(at(props, "spec", "mon", "count"));
        if (typeof mons === "number" && (mons < config.minMonitors || mons % 2 === 0))
          report(
            `${subject} runs ${mons} monitor(s): run an odd number, at least ${config.minMonitors}.`,
            r.urn,
          );
      } else if (r.type === ROOK.blockPool) {
        pool("its data", at(props, "spec", "replicated"));
      } else if (r.type === ROOK.filesystem) {
        pool("its metadata", at(props, "spec", "metadataPool", "replicated"));
        for (const p of knownItems(at(props, "spec", "dataPools")))
          pool(`data pool ${String(at(p, "name"))}`, at(p, "replicated"));
      }
    }
  },
});
