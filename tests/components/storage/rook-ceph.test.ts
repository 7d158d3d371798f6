import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { KubeObject } from "../../../components/storage/kube-object";
import { renderRookCrds } from "../../../components/storage/rook-crds";
import { renderRookCeph } from "../../../components/storage/rook-ceph";

/** Rendered objects, read loosely in assertions. */
type Loose = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const spec = (o: KubeObject) => o.spec as Loose;

describe("renderRookCeph", () => {
  it("sizes a dev cluster at one mon, one mgr and one copy, as Rook's cluster-test does", () => {
    const [cluster, mgrPool, block, fs] = renderRookCeph({ environment: "dev" });
    assert.deepEqual(spec(cluster), {
      cephVersion: { image: "quay.io/ceph/ceph:v18.2.4" },
      dataDirHostPath: "/var/lib/rook",
      mon: { count: 1, allowMultiplePerNode: true },
      mgr: { count: 1, allowMultiplePerNode: true },
      storage: { useAllNodes: true, useAllDevices: true },
      disruptionManagement: { managePodBudgets: true },
      cephConfig: {
        global: { osd_pool_default_size: "1", mon_warn_on_pool_no_redundancy: "false" },
      },
    });
    const one = { size: 1, requireSafeReplicaSize: false };
    assert.deepEqual(spec(mgrPool), { name: ".mgr", failureDomain: "osd", replicated: one });
    assert.deepEqual(spec(block), { failureDomain: "osd", replicated: one });
    assert.deepEqual(spec(fs), {
      metadataPool: { replicated: one },
      dataPools: [{ name: "data", failureDomain: "osd", replicated: one }],
      preserveFilesystemOnDelete: true,
      metadataServer: { activeCount: 1, activeStandby: false },
    });
  });

  it("sizes production at three mons on three hosts and three copies per pool", () => {
    const objects = renderRookCeph({
      environment: "production",
      storage: { nodes: [{ name: "node-1", devices: ["sdb", "sdc"] }] },
    });
    const cluster = spec(objects[0]);
    assert.deepEqual(cluster.mon, { count: 3, allowMultiplePerNode: false });
    assert.deepEqual(cluster.mgr, { count: 2, allowMultiplePerNode: false });
    assert.equal(cluster.cephConfig, undefined);
    assert.deepEqual(cluster.storage, {
      useAllNodes: false,
      useAllDevices: false,
      nodes: [{ name: "node-1", devices: [{ name: "sdb" }, { name: "sdc" }] }],
    });
    for (const pool of [objects[1], objects[2]]) {
      assert.deepEqual(spec(pool).replicated, { size: 3 });
      assert.equal(spec(pool).failureDomain, "host");
    }
    assert.deepEqual(spec(objects[3]).metadataServer, { activeCount: 1, activeStandby: true });
  });

  it("offers CephFS and RBD StorageClasses on Rook's CSI drivers, keeping volumes", () => {
    const [, , , , shared, block] = renderRookCeph({ environment: "dev" });
    const secrets = (d: string) => ({
      "csi.storage.k8s.io/provisioner-secret-name": `rook-csi-${d}-provisioner`,
      "csi.storage.k8s.io/provisioner-secret-namespace": "rook-ceph",
      "csi.storage.k8s.io/controller-expand-secret-name": `rook-csi-${d}-provisioner`,
      "csi.storage.k8s.io/controller-expand-secret-namespace": "rook-ceph",
      "csi.storage.k8s.io/node-stage-secret-name": `rook-csi-${d}-node`,
      "csi.storage.k8s.io/node-stage-secret-namespace": "rook-ceph",
    });
    assert.equal(shared.metadata.name, "homeport-cephfs");
    assert.equal(shared.provisioner, "rook-ceph.cephfs.csi.ceph.com");
    assert.deepEqual(shared.parameters, {
      clusterID: "rook-ceph",
      fsName: "homeport",
      pool: "homeport-data",
      ...secrets("cephfs"),
    });
    assert.equal(block.metadata.name, "homeport-rbd");
    assert.equal(block.provisioner, "rook-ceph.rbd.csi.ceph.com");
    assert.deepEqual(block.parameters, {
      clusterID: "rook-ceph",
      pool: "homeport-block",
      imageFormat: "2",
      imageFeatures: "layering",
      ...secrets("rbd"),
      "csi.storage.k8s.io/fstype": "ext4",
    });
    assert.deepEqual([shared.reclaimPolicy, block.reclaimPolicy], ["Retain", "Retain"]);
  });
});

describe("renderRookCrds", () => {
  it("declares the three Rook kinds we write, namespaced in ceph.rook.io/v1", () => {
    const crds = renderRookCrds();
    assert.deepEqual(
      crds.map((c) => [c.metadata.name, spec(c).names.kind, spec(c).scope]),
      [
        ["cephclusters.ceph.rook.io", "CephCluster", "Namespaced"],
        ["cephblockpools.ceph.rook.io", "CephBlockPool", "Namespaced"],
        ["cephfilesystems.ceph.rook.io", "CephFilesystem", "Namespaced"],
      ],
    );
    const cluster = spec(crds[0]).versions[0].schema.openAPIV3Schema.properties.spec;
    assert.deepEqual(cluster.required, ["cephVersion", "dataDirHostPath", "mon"]);
    assert.deepEqual(cluster.properties.mon.properties.count, {
      type: "integer",
      minimum: 1,
      maximum: 9,
    });
  });

  it("has a schema property for every field the rendered objects set", () => {
    const schemas = Object.fromEntries(
      renderRookCrds().map((c) => [
        spec(c).names.kind,
        spec(c).versions[0].schema.openAPIV3Schema.properties.spec,
      ]),
    );
    const missing: string[] = [];
    const walk = (value: unknown, schema: Loose | undefined, at: string): void => {
      if (schema?.additionalProperties) return;
      if (Array.isArray(value))
        return value.forEach((v, i) => walk(v, schema?.items, `${at}[${i}]`));
      if (value && typeof value === "object") {
        for (const [k, v] of Object.entries(value)) {
          if (!schema?.properties?.[k]) missing.push(`${at}.${k}`);
          else walk(v, schema.properties[k], `${at}.${k}`);
        }
      }
    };
    for (const env of ["dev", "production"] as const) {
      for (const o of renderRookCeph({
        environment: env,
        storage: env === "production" ? { nodes: [{ name: "n", devices: ["sdb"] }] } : undefined,
      })) {
        if (schemas[o.kind]) walk(o.spec, schemas[o.kind], `${env}:${o.kind}.spec`);
      }
    }
    assert.deepEqual(missing, []);
  });
});
