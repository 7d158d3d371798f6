import { StackConfig } from "../../config/schema";
import { ResolvedVolume, VolumeClass, volumeStore, VolumeStore } from "../../model";
import { HOMEPORT_STORAGE_CLASSES } from "../../storage/kube-object";
import { memoryQuantity } from "./units";

type ClassSetting = keyof StackConfig["kubernetes"]["storageClasses"];

/** Who owns a claim of a persistent volume class; undefined for classes that are no claim. */
interface ClaimOwner {
  /** Which of `homeport:kubernetes.storageClasses` names its class. */
  readonly storageClass: ClassSetting;
  /** "workload": one claim per workload (or per StatefulSet replica); "stack": one per name. */
  readonly owner: "workload" | "stack";
}

/** Each volume class on Kubernetes: an emptyDir, a hostPath, or a claim owned like this. */
export const KUBERNETES_CLAIMS: Readonly<Record<VolumeClass, ClaimOwner | undefined>> = {
  ephemeral: undefined,
  "host-readonly": undefined,
  local: { storageClass: "local", owner: "workload" },
  block: { storageClass: "block", owner: "workload" },
  shared: { storageClass: "shared", owner: "stack" },
};

/** How a store is claimed: its access mode and the StorageClass the storage part creates for it. */
interface StoreClaim {
  readonly accessMode: "ReadWriteOnce" | "ReadWriteMany";
  /** @default the cluster's default class (or the one the setting names) */
  readonly storageClass?: string;
}

/** Each store as a claim; undefined for stores that are no claim (emptyDir, hostPath). */
export const KUBERNETES_STORE_CLAIMS: Readonly<Record<VolumeStore, StoreClaim | undefined>> = {
  memory: undefined,
  host: undefined,
  node: { accessMode: "ReadWriteOnce" },
  nfs: { accessMode: "ReadWriteMany", storageClass: HOMEPORT_STORAGE_CLASSES.nfs },
  cephfs: { accessMode: "ReadWriteMany", storageClass: HOMEPORT_STORAGE_CLASSES.cephfs },
  rbd: { accessMode: "ReadWriteOnce", storageClass: HOMEPORT_STORAGE_CLASSES.rbd },
};

/** True when the workload claims its own volume of this class (not a stack-wide shared one). */
export const ownsClaim = (v: ResolvedVolume): boolean =>
  KUBERNETES_CLAIMS[v.class]?.owner === "workload";

/**
 * Access mode, storage class and size of a claim for a volume, in the store the stack's backend
 * gives its class; `homeport:kubernetes.storageClasses.<class>` names the cluster's own class.
 */
export function claimShape(
  v: ResolvedVolume,
  settings: StackConfig["kubernetes"],
  backend: StackConfig["storage"]["backend"],
) {
  const owner = KUBERNETES_CLAIMS[v.class];
  const claim = KUBERNETES_STORE_CLAIMS[volumeStore(backend, v.class)];
  if (!owner || !claim) throw new Error(`Volume "${v.name}" of class ${v.class} is not a claim.`);
  const storageClassName = settings.storageClasses[owner.storageClass] ?? claim.storageClass;
  return {
    accessModes: [claim.accessMode],
    ...(storageClassName !== undefined ? { storageClassName } : {}),
    resources: { requests: { storage: memoryQuantity(v.size) } },
  };
}
