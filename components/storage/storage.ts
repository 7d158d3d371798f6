import * as pulumi from "@pulumi/pulumi";
import { PlatformAdapter, StoragePlan } from "../model";

export const STORAGE_TYPE = "homeport:storage:Storage";

/** The storage part's own args: what the backend needs, and the platform to deploy it on. */
export interface StorageArgs {
  readonly plan: StoragePlan;
  readonly platform: PlatformAdapter;
}

/**
 * The storage part: deploys what the stack's storage backend needs on the orchestrator (an NFS
 * provisioner or CSI plugin, Rook's Ceph objects, ceph-csi's classes), piece by piece as the
 * plan says (`create` or `existing`), before any workload with volumes. Which store each volume
 * class lands in is decided by the backend alone (`BACKEND_STORES`); this part makes those stores
 * exist.
 */
export class Storage extends pulumi.ComponentResource {
  /** What volumes need before they can be used; workloads with volumes depend on it. */
  public readonly resources: pulumi.Resource[];

  constructor(name: string, args: StorageArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super(STORAGE_TYPE, name, {}, opts);
    this.resources = args.platform.provisionStorage(args.plan, { parent: this }).resources;
    this.registerOutputs({ backend: args.plan.backend });
  }
}
