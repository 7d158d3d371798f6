import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { Recorder, RenderedResource, stackConfig, startRecorder } from "../../helpers/harness";
import { TOKENS } from "../../helpers/types";

/**
 * The storage part on each orchestrator, through the whole program's Platform under Pulumi's mock
 * monitor: what it deploys for each backend and piece, and how workloads' volumes wait for it.
 * Each stack is rendered in turn and its resources are the ones registered while it was built.
 */
let rec: Recorder;
const stacks: Record<string, RenderedResource[]> = {};

const NFS = { server: "nas.example.org", path: "/export/homeport" };
const SERVE = { node: "node-1", image: "registry.lan/nfs-ganesha:4.3" };
const CEPH_EXISTING = {
  monitors: ["10.0.0.11:6789", "10.0.0.12:6789", "10.0.0.13:6789"],
  user: "homeport",
  key: "AQBfakefakefakefakefakefakefakefakefake==",
  clusterId: "b3f5c2a0-0000-4000-8000-000000000001",
};

const SETTINGS: Record<string, Record<string, unknown>> = {
  "kubernetes-nfs": { target: "kubernetes", storage: { backend: "nfs", nfs: NFS } },
  "kubernetes-nfs-existing": {
    target: "kubernetes",
    storage: { backend: "nfs", nfs: { ...NFS, provisioner: "existing" } },
  },
  "kubernetes-rook-production": {
    target: "kubernetes",
    environment: "production",
    storage: { backend: "ceph", ceph: { cluster: "create" } },
  },
  "kubernetes-rook-dev": {
    target: "kubernetes",
    storage: { backend: "ceph", ceph: { cluster: "create" } },
  },
  "kubernetes-ceph-csi": {
    target: "kubernetes",
    storage: { backend: "ceph", ceph: CEPH_EXISTING },
  },
  "nomad-nfs": {
    target: "nomad",
    nomad: { address: "http://nomad.example.org:4646", namespace: "homeport" },
    proxy: { acme: { email: "ops@example.org" } },
    storage: { backend: "nfs", nfs: NFS },
  },
  "nomad-ceph": {
    target: "nomad",
    sizes: { prometheus: 2 },
    nomad: { address: "http://nomad.example.org:4646", namespace: "homeport" },
    storage: { backend: "ceph", ceph: CEPH_EXISTING },
  },
  "swarm-nfs": { target: "swarm", storage: { backend: "nfs", nfs: NFS } },
  ...Object.fromEntries(
    (["swarm", "kubernetes", "nomad"] as const).map((target) => [
      `${target}-serve`,
      {
        target,
        parts: ["proxy", "media"],
        nomad: { address: "http://nomad.example.org:4646", namespace: "homeport" },
        proxy: { acme: { email: "ops@example.org" } },
        storage: { backend: "nfs", nfs: { path: "/homeport", serve: SERVE } },
      },
    ]),
  ),
};

before(async () => {
  rec = await startRecorder("test");
  const { Platform } = await import("../../../components/platform");
  for (const [name, settings] of Object.entries(SETTINGS)) {
    const start = rec.resources.length;
    const config = stackConfig(
      {
        domain: "home.example.org",
        parts: ["proxy", "monitoring"],
        ...settings,
        ...(settings.target === "nomad" ? {} : { nomad: undefined }),
      },
      settings.storage && JSON.stringify(settings.storage).includes('"key"') ? ["storage"] : [],
    );
    new Platform("homeport", { config });
    await rec.settle();
    stacks[name] = rec.resources.slice(start);
  }
});

const ofType = (stack: string, type: string) => stacks[stack].filter((r) => r.type === type);
const named = (stack: string, type: string, name: string): RenderedResource => {
  const found = ofType(stack, type).filter((r) => r.name === name);
  assert.equal(found.length, 1, `${stack}: one ${type} named ${name}`);
  return found[0];
};
const storageChildren = (stack: string) =>
  stacks[stack]
    .filter((r) => r.parent?.endsWith("homeport:storage:Storage::storage"))
    .map((r) => `${r.type.replace(/^kubernetes:/, "")} ${r.name}`)
    .sort();
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Inputs = Record<string, any>;

describe("storage part on Kubernetes", () => {
  it("NFS, provisioner create: nfs-subdir-external-provisioner, its RBAC, its NetworkPolicy and homeport-nfs", () => {
    assert.deepEqual(storageChildren("kubernetes-nfs"), [
      "apps/v1:Deployment storage-deployment-nfs-subdir-provisioner",
      "core/v1:ServiceAccount storage-serviceaccount-nfs-subdir-provisioner",
      "networking.k8s.io/v1:NetworkPolicy storage-networkpolicy-nfs-subdir-provisioner",
      "rbac.authorization.k8s.io/v1:ClusterRole storage-clusterrole-nfs-subdir-provisioner-runner",
      "rbac.authorization.k8s.io/v1:ClusterRoleBinding storage-clusterrolebinding-nfs-subdir-provisioner-runner",
      "rbac.authorization.k8s.io/v1:Role storage-role-nfs-subdir-provisioner-leader-locking",
      "rbac.authorization.k8s.io/v1:RoleBinding storage-rolebinding-nfs-subdir-provisioner-leader-locking",
      "storage.k8s.io/v1:StorageClass storage-storageclass-homeport-nfs",
    ]);
    const deployment = named(
      "kubernetes-nfs",
      TOKENS.deployment,
      "storage-deployment-nfs-subdir-provisioner",
    ).inputs as Inputs;
    assert.equal(deployment.metadata.namespace, "homeport");
    assert.deepEqual(deployment.spec.template.spec.volumes[0].nfs, {
      server: "nas.example.org",
      path: "/export/homeport",
    });
    const cls = named(
      "kubernetes-nfs",
      "kubernetes:storage.k8s.io/v1:StorageClass",
      "storage-storageclass-homeport-nfs",
    ).inputs as Inputs;
    assert.deepEqual(cls.mountOptions, ["nfsvers=4.1", "rw", "noatime"]);
    assert.equal(cls.reclaimPolicy, "Retain");
  });

  it("NFS, provisioner existing: deploys nothing", () => {
    assert.deepEqual(storageChildren("kubernetes-nfs-existing"), []);
  });

  it("Ceph, cluster create: Rook's objects sized by environment", () => {
    const cluster = (stack: string) =>
      named(stack, "kubernetes:ceph.rook.io/v1:CephCluster", "storage-cephcluster-homeport-ceph")
        .inputs as Inputs;
    assert.deepEqual(cluster("kubernetes-rook-production").spec.mon, {
      count: 3,
      allowMultiplePerNode: false,
    });
    assert.deepEqual(cluster("kubernetes-rook-dev").spec.mon, {
      count: 1,
      allowMultiplePerNode: true,
    });
    const pool = named(
      "kubernetes-rook-production",
      "kubernetes:ceph.rook.io/v1:CephBlockPool",
      "storage-cephblockpool-homeport-block",
    ).inputs as Inputs;
    assert.deepEqual(pool.spec.replicated, { size: 3 });
    assert.deepEqual(storageChildren("kubernetes-rook-production"), [
      "ceph.rook.io/v1:CephBlockPool storage-cephblockpool-builtin-mgr",
      "ceph.rook.io/v1:CephBlockPool storage-cephblockpool-homeport-block",
      "ceph.rook.io/v1:CephCluster storage-cephcluster-homeport-ceph",
      "ceph.rook.io/v1:CephFilesystem storage-cephfilesystem-homeport",
      "storage.k8s.io/v1:StorageClass storage-storageclass-homeport-cephfs",
      "storage.k8s.io/v1:StorageClass storage-storageclass-homeport-rbd",
    ]);
  });

  it("Ceph, existing cluster: ceph-csi's classes and the key as a Secret, never in plain text", () => {
    const secret = named("kubernetes-ceph-csi", TOKENS.secret, "storage-ceph-csi").inputs as Inputs;
    assert.equal(secret.metadata.name, "homeport-ceph-csi");
    assert.equal(secret.stringData, "[secret]");
    const rbd = named(
      "kubernetes-ceph-csi",
      "kubernetes:storage.k8s.io/v1:StorageClass",
      "storage-storageclass-homeport-rbd",
    ).inputs as Inputs;
    assert.equal(rbd.provisioner, "rbd.csi.ceph.com");
    assert.equal(rbd.parameters.clusterID, CEPH_EXISTING.clusterId);
    assert.equal(rbd.parameters.pool, "homeport-block");
    assert.equal(rbd.parameters["csi.storage.k8s.io/node-stage-secret-name"], "homeport-ceph-csi");
    assert.equal(rbd.parameters["csi.storage.k8s.io/node-stage-secret-namespace"], "homeport");
  });

  it("block claims name the backend's class", () => {
    const prometheus = named("kubernetes-rook-dev", TOKENS.statefulSet, "prometheus")
      .inputs as Inputs;
    assert.equal(prometheus.spec.volumeClaimTemplates[0].spec.storageClassName, "homeport-rbd");
    const onNfs = named("kubernetes-nfs", TOKENS.statefulSet, "prometheus").inputs as Inputs;
    assert.equal(onNfs.spec.volumeClaimTemplates[0].spec.storageClassName, undefined);
  });
});

describe("storage part on Nomad", () => {
  const JOB = "pulumi-nodejs:dynamic/nomad:Job";
  const VOLUME = "pulumi-nodejs:dynamic/nomad:CsiVolume";

  it("NFS: csi-driver-nfs node and controller jobs", () => {
    assert.deepEqual(storageChildren("nomad-nfs"), [
      `${JOB} homeport-nfs-controller`,
      `${JOB} homeport-nfs-node`,
    ]);
    const node = JSON.parse(named("nomad-nfs", JOB, "homeport-nfs-node").inputs.jobspec as string);
    assert.equal(node.Type, "system");
    assert.equal(node.Namespace, "homeport");
  });

  it("NFS: the ACME store is a CSI volume created by the plugin, after the plugin jobs", () => {
    const volume = named("nomad-nfs", VOLUME, "csi-acme");
    const call = JSON.parse(volume.inputs.call as string);
    assert.equal(call.path, "/v1/volume/csi/acme/create");
    assert.deepEqual(call.body.Volumes[0].Parameters, {
      server: "nas.example.org",
      share: "/export/homeport",
      subDir: "acme",
      onDelete: "retain",
    });
    assert.equal(call.body.Volumes[0].PluginID, "homeport-nfs");
    assert.deepEqual(call.body.Volumes[0].MountOptions.MountFlags, [
      "nfsvers=4.1",
      "rw",
      "noatime",
    ]);
    const plugins = ofType("nomad-nfs", JOB)
      .filter((r) => r.name.startsWith("homeport-nfs-"))
      .map((r) => r.urn);
    assert.deepEqual([...volume.dependsOn].sort(), [...plugins].sort());
    const traefik = named("nomad-nfs", JOB, "traefik");
    assert.ok(traefik.dependsOn.includes(volume.urn), "the proxy's job waits for its volume");
  });

  it("Ceph: RBD and CephFS plugins; block volumes are RBD images, one per replica, key secret", () => {
    assert.deepEqual(storageChildren("nomad-ceph"), [
      `${JOB} homeport-cephfs-controller`,
      `${JOB} homeport-cephfs-node`,
      `${JOB} homeport-rbd-controller`,
      `${JOB} homeport-rbd-node`,
    ]);
    const volumes = ofType("nomad-ceph", VOLUME)
      .map((r) => r.name)
      .sort();
    // Two Prometheus replicas (sizes.prometheus), one Alertmanager and one Grafana.
    assert.deepEqual(volumes, [
      "csi-alertmanager-data",
      "csi-grafana-data",
      "csi-prometheus-data[0]",
      "csi-prometheus-data[1]",
    ]);
    for (const v of ofType("nomad-ceph", VOLUME)) assert.equal(v.inputs.call, "[secret]", v.name);
    const prometheus = JSON.parse(named("nomad-ceph", JOB, "prometheus").inputs.jobspec as string);
    assert.deepEqual(prometheus.TaskGroups[0].Volumes.data, {
      Name: "data",
      Type: "csi",
      Source: "prometheus-data",
      ReadOnly: false,
      AccessMode: "single-node-writer",
      AttachmentMode: "file-system",
      PerAlloc: true,
    });
  });
});

describe("storage part on Swarm", () => {
  it("deploys nothing: the local driver mounts NFS itself", () => {
    assert.deepEqual(storageChildren("swarm-nfs"), []);
    assert.equal(ofType("swarm-nfs", "homeport:storage:Storage").length, 1);
  });
});

describe("storage part: the NFS server homeport runs (storage.nfs.serve)", () => {
  const JOB = "pulumi-nodejs:dynamic/nomad:Job";
  const base64 = (r: RenderedResource) =>
    Buffer.from(String((r.inputs as Inputs).data), "base64").toString("utf8");

  it("Swarm: nfs-ganesha pinned to its node; the shared volumes mount it, their directories made by it", () => {
    const service = named("swarm-serve", TOKENS.swarmService, "nfs-server").inputs as Inputs;
    assert.deepEqual(service.taskSpec.placement.constraints, ["node.hostname==node-1"]);
    assert.deepEqual(service.taskSpec.containerSpec.capDrops, ["ALL"]);
    assert.deepEqual(service.taskSpec.containerSpec.capAdds, [
      "DAC_READ_SEARCH",
      "SETUID",
      "SETGID",
      "DAC_OVERRIDE",
      "CHOWN",
      "FOWNER",
    ]);
    assert.deepEqual(service.taskSpec.containerSpec.healthcheck.tests, [
      "CMD",
      "/bin/sh",
      "-c",
      "grep -qE ':0801 [0-9A-F]+:0000 0A' /proc/net/tcp /proc/net/tcp6",
    ]);
    const dirs = named("swarm-serve", TOKENS.swarmConfig, "nfs-server-share-directories");
    // The proxy's ACME store and the media library: every shared volume of the stack.
    assert.equal(
      base64(dirs),
      "# shared volumes whose directories this server makes\nacme\nmedia-data\n",
    );
    const library = named("swarm-serve", TOKENS.swarmVolume, "shared-media-data").inputs as Inputs;
    assert.deepEqual(library.driverOpts, {
      type: "nfs",
      o: "addr=node-1,nfsvers=4.1,rw,noatime",
      device: ":/homeport/media-data",
    });
    const conf = base64(named("swarm-serve", TOKENS.swarmConfig, "nfs-server-ganesha-conf"));
    assert.ok(conf.includes("\tPseudo = /homeport;\n"), conf);
  });

  it("Kubernetes: the provisioner mounts the server's node and waits for it; no directory list", () => {
    const server = named("kubernetes-serve", TOKENS.statefulSet, "nfs-server");
    const provisioner = named(
      "kubernetes-serve",
      TOKENS.deployment,
      "storage-deployment-nfs-subdir-provisioner",
    );
    assert.deepEqual((provisioner.inputs as Inputs).spec.template.spec.volumes[0].nfs, {
      server: "node-1",
      path: "/homeport",
    });
    assert.ok(provisioner.dependsOn.includes(server.urn), "the provisioner waits for the server");
    const files = named("kubernetes-serve", TOKENS.configMap, "nfs-server-files").inputs as Inputs;
    assert.deepEqual(
      Object.entries(files.data as Record<string, string>)
        .filter(([, v]) => !v.includes("EXPORT {"))
        .map(([, v]) => v),
      ["# shared volumes whose directories this server makes\n"],
    );
    const ns = named("kubernetes-serve", TOKENS.namespace, "kubernetes-namespace").inputs as Inputs;
    assert.equal(ns.metadata.labels["pod-security.kubernetes.io/enforce"], "privileged");
  });

  it("Nomad: the CSI plugin jobs wait for the server; volumes are directories on its share", () => {
    const server = named("nomad-serve", JOB, "nfs-server");
    for (const plugin of ["homeport-nfs-node", "homeport-nfs-controller"]) {
      assert.deepEqual(named("nomad-serve", JOB, plugin).dependsOn, [server.urn], plugin);
    }
    const call = JSON.parse(
      named("nomad-serve", "pulumi-nodejs:dynamic/nomad:CsiVolume", "csi-media-data").inputs
        .call as string,
    );
    assert.deepEqual(call.body.Volumes[0].Parameters, {
      server: "node-1",
      share: "/homeport",
      subDir: "media-data",
      onDelete: "retain",
    });
    const job = JSON.parse(server.inputs.jobspec as string);
    assert.deepEqual(job.Constraints, [
      { LTarget: "${attr.unique.hostname}", RTarget: "node-1", Operand: "=" },
    ]);
  });
});
