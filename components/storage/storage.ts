import * as pulumi from "@pulumi/pulumi";
import { PlatformAdapter, StoragePlan } from "../model";
import { NFS_SERVER_WORKLOAD, nfsServerSpec } from "./nfs-server";

export const STORAGE_TYPE = "homeport:storage:Storage";

/** The part name on every leaf resource of the storage part's own workloads. */
export const STORAGE_PART = "storage";

/** The storage part's own args: what the backend needs, and the platform to deploy it on. */
export interface StorageArgs {
  readonly plan: StoragePlan;
  readonly platform: PlatformAdapter;
  /**
   * The names of the stack's shared volumes, for the NFS server homeport runs where nothing else
   * makes their directories (`capabilities.storage.shareDirectories`). @default []
   */
  readonly shareDirectories?: pulumi.Input<string[]>;
}

/**
 * The storage part: deploys what the stack's storage backend needs on the orchestrator (the NFS
 * server of a homelab without a NAS, an NFS provisioner or CSI plugin, Rook's Ceph objects,
 * ceph-csi's classes), piece by piece as the plan says (`create` or `existing`), before any
 * workload with volumes. Which store each volume class lands in is decided by the backend alone
 * (`BACKEND_STORES`); this part makes those stores exist.
 */
export class Storage extends pulumi.ComponentResource {
  /** What volumes need before they can be used; workloads with volumes depend on it. */
  public readonly resources: pulumi.Resource[];

  constructor(name: string, args: StorageArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super(STORAGE_TYPE, name, {}, opts);
    const { plan, platform } = args;
    // The NFS server first: provisioners and CSI plugins mount the share it serves.
    const serve = plan.backend === "nfs" ? plan.nfs?.serve : undefined;
    const server = serve
      ? platform.deploy(
          NFS_SERVER_WORKLOAD,
          STORAGE_PART,
          nfsServerSpec({
            ...serve,
            pseudo: plan.nfs?.path ?? "",
            directories:
              platform.capabilities.storage.shareDirectories === "must-exist"
                ? args.shareDirectories
                : [],
          }),
          { parent: this },
        ).resources
      : [];
    const provisioned = platform.provisionStorage(plan, { parent: this, dependsOn: server });
    this.resources = [...server, ...provisioned.resources];
    this.registerOutputs({ backend: plan.backend });
  }
}
