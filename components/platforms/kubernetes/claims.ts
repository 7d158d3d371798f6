import { StackConfig } from "../../config/schema";
import { ResolvedVolume, VolumeClass } from "../../model";
import { memoryQuantity } from "./units";

/** How a persistent volume class is claimed; undefined for classes that are no claim. */
interface ClaimClass {
  readonly accessMode: "ReadWriteOnce" | "ReadWriteMany";
  /** Which of `homeport:kubernetes.storageClasses` it uses. */
  readonly storageClass: keyof StackConfig["kubernetes"]["storageClasses"];
  /** "workload": one claim per workload (or per StatefulSet replica); "stack": one per name. */
  readonly owner: "workload" | "stack";
}

/** Each volume class on Kubernetes: an emptyDir, a hostPath, or a claim of this shape. */
export const KUBERNETES_CLAIMS: Readonly<Record<VolumeClass, ClaimClass | undefined>> = {
  ephemeral: undefined,
  "host-readonly": undefined,
  local: { accessMode: "ReadWriteOnce", storageClass: "local", owner: "workload" },
  block: { accessMode: "ReadWriteOnce", storageClass: "block", owner: "workload" },
  shared: { accessMode: "ReadWriteMany", storageClass: "shared", owner: "stack" },
};

/** The claim class of a volume; throws for a class that is no claim. */
export function claimClass(v: ResolvedVolume): ClaimClass {
  const claim = KUBERNETES_CLAIMS[v.class];
  if (!claim) throw new Error(`Volume "${v.name}" of class ${v.class} is not a claim.`);
  return claim;
}

/** True when the workload claims its own volume of this class (not a stack-wide shared one). */
export const ownsClaim = (v: ResolvedVolume): boolean =>
  KUBERNETES_CLAIMS[v.class]?.owner === "workload";

/** Access mode, storage class and size of a claim for a volume. */
export function claimShape(v: ResolvedVolume, settings: StackConfig["kubernetes"]) {
  const claim = claimClass(v);
  return {
    accessModes: [claim.accessMode],
    storageClassName: settings.storageClasses[claim.storageClass],
    resources: { requests: { storage: memoryQuantity(v.size) } },
  };
}
