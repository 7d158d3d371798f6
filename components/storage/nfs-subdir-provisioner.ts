/**
 * nfs-subdir-external-provisioner on Kubernetes (seed 004): one Deployment that mounts the NFS
 * share and makes a directory per claim, its RBAC, and the StorageClass of the `shared` class.
 * Objects follow kubernetes-sigs/nfs-subdir-external-provisioner deploy/rbac.yaml,
 * deploy/deployment.yaml and charts/nfs-subdir-external-provisioner/templates/storageclass.yaml
 * (parameters archiveOnDelete, pathPattern; values.yaml for the defaults we change).
 */
import { HOMEPORT_STORAGE_CLASSES, KubeObject, storageLabels } from "./kube-object";

export const NFS_SUBDIR_PROVISIONER_IMAGE =
  "registry.k8s.io/sig-storage/nfs-subdir-external-provisioner:v4.0.2";

export interface NfsSubdirProvisionerArgs {
  readonly namespace: string;
  /** NFS server host name or address. */
  readonly server: string;
  /** Exported path on the server; claims become directories below it. */
  readonly path: string;
  /** Base name of every object. @default "nfs-subdir-provisioner" */
  readonly name?: string;
  /** @default "k8s-sigs.io/nfs-subdir-external-provisioner" */
  readonly provisionerName?: string;
  /** @default "homeport-nfs" */
  readonly storageClassName?: string;
  /** NFS mount options of provisioned volumes, e.g. ["nfsvers=4.1", "noatime"]. @default [] */
  readonly mountOptions?: readonly string[];
  /**
   * Directory of each claim below `path`. Namespace and claim name (not the volume's generated
   * name) so that a claim recreated after `pulumi destroy` finds its data again.
   * @default "${.PVC.namespace}-${.PVC.name}"
   */
  readonly pathPattern?: string;
  /**
   * What happens to a claim's directory when its volume is deleted. Data outlives the stack:
   * volumes are retained, and if deleted anyway the directory is archived, not removed.
   * @default "Retain"
   */
  readonly reclaimPolicy?: "Retain" | "Delete";
  /** @default NFS_SUBDIR_PROVISIONER_IMAGE */
  readonly image?: string;
}

/** Every object, in apply order. */
export function renderNfsSubdirProvisioner(args: NfsSubdirProvisionerArgs): KubeObject[] {
  if (!args.path.startsWith("/")) {
    throw new Error(
      `storage.nfs.path must be an absolute exported path, got "${args.path}": e.g. /export/homeport`,
    );
  }
  const name = args.name ?? "nfs-subdir-provisioner";
  const provisioner = args.provisionerName ?? "k8s-sigs.io/nfs-subdir-external-provisioner";
  const labels = storageLabels(name);
  const ns = args.namespace;
  const subject = [{ kind: "ServiceAccount", name, namespace: ns }];
  return [
    { apiVersion: "v1", kind: "ServiceAccount", metadata: { name, namespace: ns, labels } },
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRole",
      metadata: { name: `${name}-runner`, labels },
      rules: [
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
      ],
    },
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRoleBinding",
      metadata: { name: `${name}-runner`, labels },
      subjects: subject,
      roleRef: {
        kind: "ClusterRole",
        name: `${name}-runner`,
        apiGroup: "rbac.authorization.k8s.io",
      },
    },
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "Role",
      metadata: { name: `${name}-leader-locking`, namespace: ns, labels },
      rules: [
        {
          apiGroups: [""],
          resources: ["endpoints"],
          verbs: ["get", "list", "watch", "create", "update", "patch"],
        },
        {
          apiGroups: ["coordination.k8s.io"],
          resources: ["leases"],
          verbs: ["get", "create", "update"],
        },
      ],
    },
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "RoleBinding",
      metadata: { name: `${name}-leader-locking`, namespace: ns, labels },
      subjects: subject,
      roleRef: {
        kind: "Role",
        name: `${name}-leader-locking`,
        apiGroup: "rbac.authorization.k8s.io",
      },
    },
    {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name, namespace: ns, labels },
      spec: {
        replicas: 1,
        // Never two provisioners on one share at once (upstream's strategyType).
        strategy: { type: "Recreate" },
        selector: { matchLabels: { "app.kubernetes.io/name": name } },
        template: {
          metadata: { labels },
          spec: {
            serviceAccountName: name,
            securityContext: { seccompProfile: { type: "RuntimeDefault" } },
            containers: [
              {
                name: "nfs-subdir-external-provisioner",
                image: args.image ?? NFS_SUBDIR_PROVISIONER_IMAGE,
                env: [
                  { name: "PROVISIONER_NAME", value: provisioner },
                  { name: "NFS_SERVER", value: args.server },
                  { name: "NFS_PATH", value: args.path },
                ],
                volumeMounts: [{ name: "nfs-root", mountPath: "/persistentvolumes" }],
                // Root on the share makes the claims' directories (the export does not squash it).
                securityContext: {
                  allowPrivilegeEscalation: false,
                  readOnlyRootFilesystem: true,
                  capabilities: { drop: ["ALL"], add: ["CHOWN", "DAC_OVERRIDE", "FOWNER"] },
                },
                resources: {
                  requests: { cpu: "10m", memory: "32Mi" },
                  limits: { memory: "128Mi" },
                },
              },
            ],
            volumes: [{ name: "nfs-root", nfs: { server: args.server, path: args.path } }],
          },
        },
      },
    },
    // It answers nothing and reads the API only; the kubelet, not the pod, mounts the share.
    {
      apiVersion: "networking.k8s.io/v1",
      kind: "NetworkPolicy",
      metadata: { name, namespace: ns, labels },
      spec: {
        podSelector: { matchLabels: { "app.kubernetes.io/name": name } },
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
      },
    },
    {
      apiVersion: "storage.k8s.io/v1",
      kind: "StorageClass",
      metadata: { name: args.storageClassName ?? HOMEPORT_STORAGE_CLASSES.nfs, labels },
      provisioner,
      reclaimPolicy: args.reclaimPolicy ?? "Retain",
      allowVolumeExpansion: true,
      volumeBindingMode: "Immediate",
      parameters: {
        archiveOnDelete: "true",
        pathPattern: args.pathPattern ?? "${.PVC.namespace}-${.PVC.name}",
      },
      ...(args.mountOptions?.length ? { mountOptions: [...args.mountOptions] } : {}),
    },
  ];
}
