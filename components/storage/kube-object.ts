/** A Kubernetes object as plain data, ready for `k8s.yaml.ConfigGroup`-style creation or a check. */
export interface KubeObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: {
    readonly name: string;
    readonly namespace?: string;
    readonly labels?: Readonly<Record<string, string>>;
    readonly annotations?: Readonly<Record<string, string>>;
  };
  readonly [field: string]: unknown;
}

/** Labels every storage object carries, so `kubectl get -l` finds them. */
export const storageLabels = (component: string): Record<string, string> => ({
  "app.kubernetes.io/name": component,
  "app.kubernetes.io/part-of": "homeport",
  "app.kubernetes.io/component": "storage",
});

/**
 * The StorageClasses the storage part creates on Kubernetes, by store: claims name them unless
 * `homeport:kubernetes.storageClasses` names the cluster's own.
 */
export const HOMEPORT_STORAGE_CLASSES = {
  nfs: "homeport-nfs",
  cephfs: "homeport-cephfs",
  rbd: "homeport-rbd",
} as const;
