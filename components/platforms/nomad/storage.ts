import * as pulumi from "@pulumi/pulumi";
import { StackConfig } from "../../config/schema";
import {
  replicaCount,
  ResolvedVolume,
  ResolvedWorkload,
  StoragePlan,
  volumeStore,
  VolumeStore,
} from "../../model";
import {
  CsiDriver,
  CsiVolumeSource,
  renderCsiPluginJobs,
  renderCsiVolume,
} from "../../storage/nomad-csi";
import { NomadJobspec } from "./jobspec";
import { nomadVolumeSource } from "./jobspec";

/** The CSI driver of each store on Nomad; undefined: no CSI volume (tmpfs, host volumes). */
export const NOMAD_STORE_DRIVERS: Readonly<Record<VolumeStore, CsiDriver | undefined>> = {
  memory: undefined,
  host: undefined,
  node: undefined,
  nfs: "nfs",
  cephfs: "cephfs",
  rbd: "rbd",
};

/** The CSI plugin jobs the plan's provisioner piece deploys (none when it is `existing`). */
export function nomadPluginJobs(plan: StoragePlan, settings: StackConfig["nomad"]): NomadJobspec[] {
  const common = {
    datacenters: settings.datacenters,
    region: settings.region,
    namespace: settings.namespace,
  };
  if (plan.backend === "nfs" && plan.nfs?.provisioner === "create")
    return renderCsiPluginJobs({ ...common, driver: "nfs" });
  const ceph = plan.ceph;
  if (plan.backend === "ceph" && ceph?.provisioner === "create") {
    const cluster = { clusterId: ceph.clusterId ?? "", monitors: ceph.monitors ?? [] };
    return (["rbd", "cephfs"] as const).flatMap((driver) =>
      renderCsiPluginJobs({ ...common, driver, ceph: cluster }),
    );
  }
  return [];
}

/** One CSI volume a workload needs: its Nomad id and what to register. */
export interface NomadCsiVolumeNeed {
  readonly id: string;
  readonly volume: ResolvedVolume;
  readonly driver: CsiDriver;
}

/**
 * The CSI volumes of a workload under the plan: one per shared volume name (the stack's), one
 * per block volume, or one per replica (`<id>[0]`, `<id>[1]`…) when the job's group has several
 * (PerAlloc, see `jobspec.ts`).
 */
export function nomadCsiVolumeNeeds(
  w: ResolvedWorkload,
  backend: StoragePlan["backend"],
): NomadCsiVolumeNeed[] {
  return w.volumes.flatMap((v) => {
    const driver = NOMAD_STORE_DRIVERS[volumeStore(backend, v.class)];
    if (!driver) return [];
    const source = nomadVolumeSource(w, v);
    const replicas = replicaCount(w) ?? 1;
    const ids =
      driver === "rbd" && replicas > 1
        ? Array.from({ length: replicas }, (_, i) => `${source}[${i}]`)
        : [source];
    return ids.map((id) => ({ id, volume: v, driver }));
  });
}

/** Where a CSI volume's data lives, from the plan. */
function sourceOf(need: NomadCsiVolumeNeed, plan: StoragePlan): CsiVolumeSource {
  const { nfs, ceph } = plan;
  switch (need.driver) {
    case "nfs":
      // A directory per volume on the share, named like the volume (and its replica).
      return {
        driver: "nfs",
        server: nfs!.server,
        share: nfs!.path,
        subDir: need.id.replace(/\[(\d+)\]$/, "-$1"),
      };
    case "rbd":
      return { driver: "rbd", clusterId: ceph!.clusterId ?? "", pool: ceph!.pool };
    case "cephfs":
      return { driver: "cephfs", clusterId: ceph!.clusterId ?? "", fsName: ceph!.fsName };
  }
}

/**
 * The `PUT /v1/volume/csi/...` call of a CSI volume, as JSON; secret when it carries the Ceph
 * user's key. The controller creates it (a directory on NFS, an image or subvolume in Ceph).
 */
export function nomadCsiVolumeCall(
  need: NomadCsiVolumeNeed,
  plan: StoragePlan,
  namespace: string,
): pulumi.Output<string> {
  const ceph = plan.ceph;
  const key = need.driver === "nfs" ? pulumi.output(undefined) : pulumi.output(ceph?.key);
  return key.apply((k) =>
    JSON.stringify(
      renderCsiVolume({
        id: need.id,
        namespace,
        volumeClass: need.volume.class === "shared" ? "shared" : "block",
        source: sourceOf(need, plan),
        mode: "create",
        capacityBytes: need.volume.size.bytes,
        ...(ceph && k !== undefined ? { cephUser: { id: ceph.user, key: k } } : {}),
        mountFlags: need.driver === "nfs" ? plan.nfs?.mountOptions : undefined,
      }),
    ),
  );
}
