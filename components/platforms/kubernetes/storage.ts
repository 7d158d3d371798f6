import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { StoragePlan } from "../../model";
import { cephCsiSecretData, renderCephCsiClasses } from "../../storage/ceph-csi";
import { KubeObject } from "../../storage/kube-object";
import { renderNfsSubdirProvisioner } from "../../storage/nfs-subdir-provisioner";
import { renderRookCeph } from "../../storage/rook-ceph";

/** The Secret with the Ceph user's key that ceph-csi's classes name (see `ceph-csi.ts`). */
export const CEPH_CSI_SECRET = "homeport-ceph-csi";

/** ceph-csi classes serve an existing cluster: the plan's provisioner piece is `create`. */
const usesCephCsi = (plan: StoragePlan): boolean =>
  plan.backend === "ceph" &&
  plan.ceph?.cluster === "existing" &&
  plan.ceph.provisioner === "create";

/**
 * The Kubernetes objects the storage plan needs, per piece:
 * - NFS, provisioner `create`: nfs-subdir-external-provisioner, its RBAC and `homeport-nfs`;
 * - Ceph, cluster `create`: Rook's CephCluster (sized by environment), CephBlockPool,
 *   CephFilesystem and `homeport-cephfs` / `homeport-rbd` (Rook's operator is installed with
 *   Rook's chart: see docs/storage.md);
 * - Ceph, cluster `existing`, provisioner `create`: ceph-csi's two classes (the Secret with the
 *   key is made by {@link provisionKubernetesStorage}, which holds it as a Pulumi secret);
 * - an `existing` piece: nothing; claims name `homeport-*` or `homeport:kubernetes.storageClasses`.
 */
export function kubernetesStorageObjects(plan: StoragePlan, namespace: string): KubeObject[] {
  const { nfs, ceph } = plan;
  if (plan.backend === "nfs" && nfs?.provisioner === "create") {
    return renderNfsSubdirProvisioner({
      namespace,
      server: nfs.server,
      path: nfs.path,
      mountOptions: nfs.mountOptions,
    });
  }
  if (plan.backend === "ceph" && ceph?.cluster === "create") {
    return renderRookCeph({
      environment: plan.environment,
      fsName: ceph.fsName,
      blockPoolName: ceph.pool,
    });
  }
  if (usesCephCsi(plan) && ceph?.clusterId) {
    return renderCephCsiClasses({
      clusterId: ceph.clusterId,
      secretNamespace: namespace,
      secretName: CEPH_CSI_SECRET,
      fsName: ceph.fsName,
      pool: ceph.pool,
    });
  }
  return [];
}

type Make = (name: string, obj: KubeObject, opts: pulumi.CustomResourceOptions) => pulumi.Resource;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const as = (obj: KubeObject): any => obj;

/** The typed resource of each built-in kind the storage renderers write; others are CRs. */
const KINDS: Record<string, Make> = {
  ServiceAccount: (n, o, opts) => new k8s.core.v1.ServiceAccount(n, as(o), opts),
  ClusterRole: (n, o, opts) => new k8s.rbac.v1.ClusterRole(n, as(o), opts),
  ClusterRoleBinding: (n, o, opts) => new k8s.rbac.v1.ClusterRoleBinding(n, as(o), opts),
  Role: (n, o, opts) => new k8s.rbac.v1.Role(n, as(o), opts),
  RoleBinding: (n, o, opts) => new k8s.rbac.v1.RoleBinding(n, as(o), opts),
  Deployment: (n, o, opts) => new k8s.apps.v1.Deployment(n, as(o), opts),
  NetworkPolicy: (n, o, opts) => new k8s.networking.v1.NetworkPolicy(n, as(o), opts),
  StorageClass: (n, o, opts) => new k8s.storage.v1.StorageClass(n, as(o), opts),
};

/** One resource per object: the typed one for a built-in kind, a CustomResource otherwise. */
export function kubeResource(obj: KubeObject, opts: pulumi.CustomResourceOptions): pulumi.Resource {
  const name = `storage-${obj.kind.toLowerCase()}-${obj.metadata.name}`;
  const make = KINDS[obj.kind];
  if (make) return make(name, obj, opts);
  const { apiVersion, kind, metadata, ...rest } = obj;
  return new k8s.apiextensions.CustomResource(name, { apiVersion, kind, metadata, ...rest }, opts);
}

/** Deploys the plan's objects, and the ceph-csi Secret where the classes name it. */
export function provisionKubernetesStorage(
  plan: StoragePlan,
  namespace: string,
  opts: pulumi.CustomResourceOptions,
): pulumi.Resource[] {
  const objects = kubernetesStorageObjects(plan, namespace);
  const resources: pulumi.Resource[] = [];
  const ceph = plan.ceph;
  if (usesCephCsi(plan) && ceph?.key) {
    const key = ceph.key;
    resources.push(
      new k8s.core.v1.Secret(
        "storage-ceph-csi",
        {
          metadata: { name: CEPH_CSI_SECRET, namespace },
          stringData: pulumi.secret(key).apply((k) => cephCsiSecretData(ceph.user, k)),
        },
        opts,
      ),
    );
  }
  for (const obj of objects) resources.push(kubeResource(obj, opts));
  return resources;
}
