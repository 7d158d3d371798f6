import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { PlatformAdapter, StoragePlan } from "../model";
import { CephKeys } from "./ceph-daemons";
import { cephKey } from "./ceph-key";
import { cephWorkloads } from "./ceph-workloads";
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
  /**
   * The key every node mounts the CephFS with (in its `secretFile`), where homeport runs the
   * cluster's daemons; secret. @default none
   */
  public readonly cephMountKey?: pulumi.Output<string>;

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
    const ceph = plan.backend === "ceph" ? plan.ceph : undefined;
    const daemons =
      ceph?.cluster === "create" && platform.capabilities.storage.cephCluster === "daemons"
        ? this.cephDaemons(ceph, plan.environment, platform, args.shareDirectories)
        : { resources: [], completed: [] };
    const provisioned = platform.provisionStorage(plan, {
      parent: this,
      dependsOn: pulumi.output(daemons.completed).apply((done) => [...server, ...done]),
    });
    this.resources = [...server, ...daemons.resources, ...provisioned.resources];
    this.cephMountKey = daemons.mountKey;
    this.registerOutputs({ backend: plan.backend, cephMountKey: this.cephMountKey });
  }

  /**
   * The cluster's daemons (monitors first: the others register through them), then its setup
   * job once they run. Keys and identities are random values held in the stack's state, so
   * every daemon's key is known before it starts.
   */
  private cephDaemons(
    ceph: NonNullable<StoragePlan["ceph"]>,
    environment: StoragePlan["environment"],
    platform: PlatformAdapter,
    shareDirectories: pulumi.Input<string[]> | undefined,
  ): {
    resources: pulumi.Resource[];
    completed: pulumi.Input<pulumi.Resource[]>;
    mountKey?: pulumi.Output<string>;
  } {
    const settings = ceph.daemons;
    if (!settings) return { resources: [], completed: [] };
    const opts = { parent: this };
    const key = (id: string) =>
      new random.RandomBytes(`ceph-key-${id}`, { length: 16 }, opts).base64.apply((b) =>
        cephKey({ secret: b }),
      );
    const uuid = (id: string) => new random.RandomUuid(`ceph-${id}`, {}, opts).result;
    const nodes = settings.nodes;
    const having = (role: "mon" | "mgr" | "mds") =>
      nodes.filter((n) => n.roles.includes(role)).map((n) => n.name);
    const osdIds = nodes.flatMap((n) => (n.osd ? [n.osd.id] : []));
    const byName = (names: string[], type: string) =>
      pulumi.output(Object.fromEntries(names.map((n) => [n, key(`${type}-${n}`)])));
    const mountClient = ceph.user === "admin" ? undefined : key(`client-${ceph.user}`);
    const keys = pulumi.secret(
      pulumi
        .output({
          mon: key("mon"),
          admin: key("client-admin"),
          bootstrapOsd: key("client-bootstrap-osd"),
          mgr: byName(having("mgr"), "mgr"),
          mds: byName(having("mds"), "mds"),
          osd: pulumi.output(Object.fromEntries(osdIds.map((id) => [id, key(`osd-${id}`)]))),
          client: mountClient ?? "",
        })
        .apply((k): CephKeys => ({ ...k, client: k.client || undefined })),
    );
    const identity = pulumi.output({
      fsid: uuid("fsid"),
      osdUuids: pulumi.output(Object.fromEntries(osdIds.map((id) => [id, uuid(`osd-${id}-uuid`)]))),
    });
    const workloads = cephWorkloads({
      image: settings.image,
      environment,
      publicNetwork: settings.publicNetwork,
      nodes,
      identity,
      keys,
      user: ceph.user,
      fsName: ceph.fsName,
      rbdPool: ceph.pool,
      sharePath: ceph.path,
      shareDirectories,
    });
    const deploy = (w: (typeof workloads.daemons)[number], dependsOn: pulumi.Resource[]) =>
      platform.deploy(w.name, STORAGE_PART, w.spec, { parent: this, dependsOn }).resources;
    const monitors = workloads.daemons.filter((w) => w.name.startsWith("ceph-mon-"));
    const monitorResources = monitors.flatMap((w) => deploy(w, []));
    const others = workloads.daemons
      .filter((w) => !monitors.includes(w))
      .flatMap((w) => deploy(w, monitorResources));
    const resources = [...monitorResources, ...others];
    const setup = platform.deploy(workloads.setup.name, STORAGE_PART, workloads.setup.spec, {
      parent: this,
      dependsOn: resources,
    });
    return {
      mountKey: pulumi.secret(mountClient ?? keys.apply((k) => k.admin)),
      resources: [...resources, ...setup.resources],
      completed: setup.completed ?? setup.resources,
    };
  }
}
