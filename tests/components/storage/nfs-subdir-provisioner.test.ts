import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { renderNfsSubdirProvisioner } from "../../../components/storage/nfs-subdir-provisioner";

/** Rendered objects, read loosely in assertions. */
type Loose = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const LABELS = {
  "app.kubernetes.io/name": "nfs-subdir-provisioner",
  "app.kubernetes.io/part-of": "homeport",
  "app.kubernetes.io/component": "storage",
};

describe("renderNfsSubdirProvisioner", () => {
  const objects = renderNfsSubdirProvisioner({
    namespace: "homeport",
    server: "nas.lan",
    path: "/export/homeport",
    mountOptions: ["nfsvers=4.1", "noatime"],
  });
  const byKind = (kind: string) => objects.filter((o) => o.kind === kind);

  it("renders the account, its RBAC, the Deployment, its NetworkPolicy and the StorageClass, in apply order", () => {
    assert.deepEqual(
      objects.map((o) => `${o.kind}/${o.metadata.name}`),
      [
        "ServiceAccount/nfs-subdir-provisioner",
        "ClusterRole/nfs-subdir-provisioner-runner",
        "ClusterRoleBinding/nfs-subdir-provisioner-runner",
        "Role/nfs-subdir-provisioner-leader-locking",
        "RoleBinding/nfs-subdir-provisioner-leader-locking",
        "Deployment/nfs-subdir-provisioner",
        "NetworkPolicy/nfs-subdir-provisioner",
        "StorageClass/homeport-nfs",
      ],
    );
    assert.ok(objects.every((o) => JSON.stringify(o.metadata.labels) === JSON.stringify(LABELS)));
  });

  it("isolates the provisioner: no ingress, egress to the API server's ports only", () => {
    assert.deepEqual(byKind("NetworkPolicy")[0].spec, {
      podSelector: { matchLabels: { "app.kubernetes.io/name": "nfs-subdir-provisioner" } },
      policyTypes: ["Ingress", "Egress"],
      ingress: [],
      egress: [
        {
          to: [{ ipBlock: { cidr: "0.0.0.0/0" } }, { ipBlock: { cidr: "::/0" } }],
          ports: [
            { protocol: "TCP", port: 443 },
            { protocol: "TCP", port: 6443 },
          ],
        },
      ],
    });
  });

  it("gives the provisioner upstream's rules: PVs, claims, classes, events and a leader lease", () => {
    assert.deepEqual(byKind("ClusterRole")[0].rules, [
      { apiGroups: [""], resources: ["nodes"], verbs: ["get", "list", "watch"] },
      {
        apiGroups: [""],
        resources: ["persistentvolumes"],
        verbs: ["get", "list", "watch", "create", "delete"],
      },
      {
        apiGroups: [""],
        resources: ["persistentvolumeclaims"],
        verbs: ["get", "list", "watch", "update"],
      },
      {
        apiGroups: ["storage.k8s.io"],
        resources: ["storageclasses"],
        verbs: ["get", "list", "watch"],
      },
      { apiGroups: [""], resources: ["events"], verbs: ["create", "update", "patch"] },
    ]);
    assert.deepEqual(byKind("RoleBinding")[0].subjects, [
      { kind: "ServiceAccount", name: "nfs-subdir-provisioner", namespace: "homeport" },
    ]);
  });

  it("mounts the share and names it to the provisioner", () => {
    const spec = (byKind("Deployment")[0].spec as Loose).template.spec;
    assert.deepEqual(spec.containers[0].env, [
      { name: "PROVISIONER_NAME", value: "k8s-sigs.io/nfs-subdir-external-provisioner" },
      { name: "NFS_SERVER", value: "nas.lan" },
      { name: "NFS_PATH", value: "/export/homeport" },
    ]);
    assert.equal(
      spec.containers[0].image,
      "registry.k8s.io/sig-storage/nfs-subdir-external-provisioner:v4.0.2",
    );
    assert.deepEqual(spec.volumes, [
      { name: "nfs-root", nfs: { server: "nas.lan", path: "/export/homeport" } },
    ]);
    assert.deepEqual(spec.containers[0].volumeMounts, [
      { name: "nfs-root", mountPath: "/persistentvolumes" },
    ]);
    assert.equal((byKind("Deployment")[0].spec as Loose).strategy.type, "Recreate");
  });

  it("keeps each claim's directory, named after the claim, beyond the claim", () => {
    const sc = byKind("StorageClass")[0];
    assert.deepEqual(
      { ...sc, metadata: undefined },
      {
        apiVersion: "storage.k8s.io/v1",
        kind: "StorageClass",
        metadata: undefined,
        provisioner: "k8s-sigs.io/nfs-subdir-external-provisioner",
        reclaimPolicy: "Retain",
        allowVolumeExpansion: true,
        volumeBindingMode: "Immediate",
        parameters: { archiveOnDelete: "true", pathPattern: "${.PVC.namespace}-${.PVC.name}" },
        mountOptions: ["nfsvers=4.1", "noatime"],
      },
    );
  });

  it("refuses a relative export path", () => {
    assert.throws(
      () => renderNfsSubdirProvisioner({ namespace: "x", server: "nas", path: "export" }),
      new Error(
        'storage.nfs.path must be an absolute exported path, got "export": e.g. /export/homeport',
      ),
    );
  });
});
