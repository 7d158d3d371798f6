import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { Recorder, RenderedResource, stackConfig, startRecorder } from "../../helpers/harness";
import { TOKENS } from "../../helpers/types";
import { stackCephReplication } from "../../../policies/rules/stack-ceph-replication";
import { stackQuorumOddMembers } from "../../../policies/rules/stack-quorum-odd-members";
import { stackSharedNotOnLocal } from "../../../policies/rules/stack-shared-not-on-local";
import { workloadSqliteNotOnNetworkFs } from "../../../policies/rules/workload-sqlite-not-on-network-fs";
import { stackViolations } from "../../policies/fixtures";

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

/** A cluster whose daemons homeport runs on three Swarm nodes, node-3's OSD the smallest. */
const SWARM_CEPH = {
  cluster: "create",
  user: "homeport",
  image: "quay.io/ceph/ceph:v18.2.4",
  publicNetwork: "10.0.0.0/24",
  nodes: [
    {
      name: "node-1",
      address: "10.0.0.11",
      roles: ["mon", "mgr", "mds"],
      osd: { id: 0, size: "100Gi" },
    },
    {
      name: "node-2",
      address: "10.0.0.12",
      roles: ["mon", "mgr", "mds"],
      osd: { id: 1, size: "100Gi" },
    },
    { name: "node-3", address: "10.0.0.13", roles: ["mon"], osd: { id: 2, size: "50Gi" } },
  ],
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
  "swarm-ceph": {
    target: "swarm",
    environment: "production",
    parts: ["proxy", "media"],
    proxy: { acme: { email: "ops@example.org" } },
    storage: { backend: "ceph", ceph: SWARM_CEPH },
  },
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

describe("storage part on Swarm: the Ceph cluster homeport runs (ceph.cluster: create)", () => {
  const STACK = "swarm-ceph";
  const CONTAINER = "docker:index/container:Container";
  const text = (name: string) =>
    Buffer.from(
      String((named(STACK, TOKENS.swarmConfig, name).inputs as Inputs).data),
      "base64",
    ).toString("utf8");
  // The mock's RandomUuid values (a hash of the resource's name).
  const FSID = "2c88a8c9-dfad-49c6-80b9-e70ec4902798";
  const OSD2_UUID = "388528f4-30e0-44b1-8ac6-79eceb91336a";
  const DAEMONS = [
    "ceph-mds-node-1",
    "ceph-mds-node-2",
    "ceph-mgr-node-1",
    "ceph-mgr-node-2",
    "ceph-mon-node-1",
    "ceph-mon-node-2",
    "ceph-mon-node-3",
    "ceph-osd-0",
    "ceph-osd-1",
    "ceph-osd-2",
  ];

  it("every daemon a workload of its own, the setup a job, every key and identity random", () => {
    assert.deepEqual(storageChildren(STACK), [
      ...DAEMONS.map((d) => `homeport:swarm:Workload ${d}`),
      "homeport:swarm:Workload ceph-setup",
      ...[
        "client-admin",
        "client-bootstrap-osd",
        "client-homeport",
        "mds-node-1",
        "mds-node-2",
        "mgr-node-1",
        "mgr-node-2",
        "mon",
        "osd-0",
        "osd-1",
        "osd-2",
      ].map((k) => `random:index/randomBytes:RandomBytes ceph-key-${k}`),
      "random:index/randomUuid:RandomUuid ceph-fsid",
      "random:index/randomUuid:RandomUuid ceph-osd-0-uuid",
      "random:index/randomUuid:RandomUuid ceph-osd-1-uuid",
      "random:index/randomUuid:RandomUuid ceph-osd-2-uuid",
    ]);
  });

  it("a monitor: pinned, on its node's network, root without capabilities, keyring as a secret", () => {
    const service = named(STACK, TOKENS.swarmService, "ceph-mon-node-1").inputs as Inputs;
    const spec = service.taskSpec.containerSpec;
    assert.deepEqual(service.taskSpec.placement.constraints, ["node.hostname==node-1"]);
    assert.deepEqual(service.taskSpec.networksAdvanceds, [{ name: "host" }]);
    assert.deepEqual(service.mode, { replicated: { replicas: 1 } });
    assert.equal(service.updateConfig.order, "stop-first");
    assert.deepEqual(spec.capDrops, ["ALL"]);
    assert.equal(spec.capAdds, undefined);
    assert.equal(spec.user, "0:0");
    assert.equal(spec.image, "quay.io/ceph/ceph:v18.2.4");
    assert.deepEqual(spec.commands, ["/bin/sh", "/usr/local/lib/homeport/ceph-mon-node-1.sh"]);
    assert.deepEqual(
      spec.configs.map((c: Inputs) => [c.fileName, c.fileMode]),
      [
        ["/etc/ceph/ceph.conf", 0o444],
        ["/usr/local/lib/homeport/ceph-mon-node-1.sh", 0o555],
      ],
    );
    assert.deepEqual(
      spec.secrets.map((c: Inputs) => [c.fileName, c.fileMode, c.fileUid]),
      [["/etc/ceph/ceph.mon.keyring", 0o400, "0"]],
    );
    assert.equal(
      (named(STACK, TOKENS.swarmSecret, "ceph-mon-node-1-ceph-mon-keyring").inputs as Inputs).data,
      "[secret]",
    );
    assert.deepEqual(spec.mounts, [
      {
        readOnly: false,
        source: "test-ceph-mon-node-1-ceph-data",
        target: "/srv/ceph",
        type: "volume",
        volumeOptions: { labels: [{ label: "homeport.dev/workload", value: "ceph-mon-node-1" }] },
      },
      { target: "/run/homeport-ceph", tmpfsOptions: { sizeBytes: 16 * 1024 ** 2 }, type: "tmpfs" },
    ]);
    assert.deepEqual(spec.healthcheck.tests, [
      "CMD",
      "ceph",
      "--admin-daemon",
      "/run/homeport-ceph/ceph-mon.node-1.asok",
      "version",
    ]);
    const labels = Object.fromEntries(service.labels.map((l: Inputs) => [l.label, l.value]));
    assert.equal(labels["homeport.dev/cluster"], "ceph-mon");
    assert.equal(labels["homeport.dev/ceph-pool-size"], "3");
    assert.equal(
      labels["policy.homeport.dev/exempt.workload-no-host-namespaces"],
      "a monitor listens on its node's address, which every daemon and client finds in the monmap (mon_host): it must not change",
    );
    assert.equal(
      text("ceph-mon-node-1-script"),
      [
        "#!/bin/sh",
        "set -eu",
        "if [ ! -e /srv/ceph/mon/ceph-node-1/homeport-initialized ]; then",
        "  mkdir -p /srv/ceph/mon/ceph-node-1",
        `  monmaptool --create --clobber --fsid ${FSID} --addv node-1 '[v2:10.0.0.11:3300,v1:10.0.0.11:6789]' --addv node-2 '[v2:10.0.0.12:3300,v1:10.0.0.12:6789]' --addv node-3 '[v2:10.0.0.13:3300,v1:10.0.0.13:6789]' /srv/ceph/mon/ceph-node-1.monmap`,
        "  ceph-mon --conf /etc/ceph/ceph.conf --mkfs --id node-1 --monmap /srv/ceph/mon/ceph-node-1.monmap --keyring /etc/ceph/ceph.mon.keyring",
        "  touch /srv/ceph/mon/ceph-node-1/homeport-initialized",
        "fi",
        "exec ceph-mon --conf /etc/ceph/ceph.conf --foreground --id node-1",
        "",
      ].join("\n"),
    );
  });

  it("the conf: production's copies, the monitors' addresses, paths and logs for containers", () => {
    const decided =
      /^(fsid|mon_host|public_network|osd_pool_default|run_dir|mon_data|log_to|err_to|mon_cluster_log|osd_memory|mds_cache)/;
    assert.deepEqual(
      text("ceph-mon-node-1-ceph-conf")
        .split("\n")
        .filter((l) => decided.test(l)),
      [
        `fsid = ${FSID}`,
        "mon_host = [v2:10.0.0.11:3300,v1:10.0.0.11:6789],[v2:10.0.0.12:3300,v1:10.0.0.12:6789],[v2:10.0.0.13:3300,v1:10.0.0.13:6789]",
        "public_network = 10.0.0.0/24",
        "osd_pool_default_size = 3",
        "osd_pool_default_min_size = 2",
        "run_dir = /run/homeport-ceph",
        "mon_data = /srv/ceph/mon/$cluster-$id",
        "log_to_file = false",
        "log_to_stderr = true",
        "err_to_stderr = true",
        "mon_cluster_log_to_file = false",
        "mon_cluster_log_to_stderr = true",
        "osd_memory_target = 3221225472",
        "mds_cache_memory_limit = 1073741824",
      ],
    );
  });

  it("an OSD: bluestore in a file of its size on its node's volume, its three secrets", () => {
    const service = named(STACK, TOKENS.swarmService, "ceph-osd-2").inputs as Inputs;
    assert.deepEqual(service.taskSpec.placement.constraints, ["node.hostname==node-3"]);
    assert.deepEqual(
      service.taskSpec.containerSpec.secrets.map((c: Inputs) => c.fileName),
      [
        "/etc/ceph/ceph.client.bootstrap-osd.keyring",
        "/etc/ceph/ceph.osd.2.keyring",
        "/etc/ceph/ceph.osd.2.secret.json",
      ],
    );
    assert.equal(service.taskSpec.containerSpec.healthcheck.startPeriod, "10m");
    assert.equal(
      text("ceph-osd-2-script"),
      [
        "#!/bin/sh",
        "set -eu",
        "if [ ! -e /srv/ceph/osd/ceph-2/homeport-initialized ]; then",
        "  mkdir -p /srv/ceph/osd/ceph-2",
        `  ceph --conf /etc/ceph/ceph.conf --name client.bootstrap-osd osd new ${OSD2_UUID} 2 --in-file /etc/ceph/ceph.osd.2.secret.json`,
        `  ceph-osd --conf /etc/ceph/ceph.conf --id 2 --mkfs --osd-uuid ${OSD2_UUID} --bluestore-block-path /srv/ceph/osd/ceph-2.block --bluestore-block-create true --bluestore-block-size 53687091200`,
        "  touch /srv/ceph/osd/ceph-2/homeport-initialized",
        "fi",
        "exec ceph-osd --conf /etc/ceph/ceph.conf --foreground --id 2",
        "",
      ].join("\n"),
    );
    for (const secret of ofType(STACK, TOKENS.swarmSecret).filter((r) =>
      r.name.startsWith("ceph-"),
    ))
      assert.equal((secret.inputs as Inputs).data, "[secret]", secret.name);
  });

  it("every daemon's data volume outlives destroy; the others wait for the monitors", () => {
    for (const d of DAEMONS) {
      assert.equal(named(STACK, TOKENS.swarmVolume, `${d}-ceph-data`).retainOnDelete, true, d);
    }
    const monitors = DAEMONS.filter((d) => d.startsWith("ceph-mon-")).map(
      (d) => named(STACK, TOKENS.swarmService, d).urn,
    );
    for (const d of DAEMONS.filter((d) => !d.startsWith("ceph-mon-"))) {
      const deps = named(STACK, TOKENS.swarmService, d).dependsOn;
      assert.deepEqual(
        monitors.filter((m) => deps.includes(m)),
        monitors,
        `${d} waits for every monitor`,
      );
    }
  });

  it("the setup job: after every daemon, pools, CephFS, the mount client, the shared volumes' directories", () => {
    const job = named(STACK, CONTAINER, "ceph-setup");
    const inputs = job.inputs as Inputs;
    for (const d of DAEMONS) {
      assert.ok(job.dependsOn.includes(named(STACK, TOKENS.swarmService, d).urn), d);
    }
    assert.deepEqual(inputs.entrypoints, ["/bin/sh", "/usr/local/lib/homeport/ceph-setup.sh"]);
    assert.deepEqual(
      inputs.uploads.map((u: Inputs) => [u.file, u.file.endsWith(".keyring") ? u.content : "-"]),
      [
        ["/etc/ceph/ceph.client.admin.keyring", "[secret]"],
        ["/etc/ceph/ceph.client.homeport.keyring", "[secret]"],
        ["/etc/ceph/ceph.conf", "-"],
        ["/usr/local/lib/homeport/ceph-setup.sh", "-"],
        ["/usr/local/lib/homeport/share-directories", "-"],
      ],
    );
    assert.equal(
      inputs.uploads[4].content,
      "# shared volumes whose directories the setup makes\nacme\nmedia-data\n",
    );
    const ceph = "ceph --conf /etc/ceph/ceph.conf --name client.admin";
    const script = String(inputs.uploads[3].content).split("\n");
    // After the pools and CephFS (tests/components/storage/ceph-daemons.test.ts): the stack's
    // block pool, its mount client, the shared volumes' directories.
    assert.deepEqual(script.slice(6, 9), [
      `${ceph} osd pool create homeport-block 32`,
      `${ceph} osd pool application enable homeport-block rbd`,
      `${ceph} auth import --in-file /etc/ceph/ceph.client.homeport.keyring`,
    ]);
    assert.equal(script[9], "python3 -c 'import cephfs, sys");
    assert.equal(
      script.at(-2),
      "fs.unmount()' /etc/ceph/ceph.conf homeport / /usr/local/lib/homeport/share-directories",
    );
  });

  it("a shared volume binds its directory in the node's CephFS mount: no key in Docker's options", () => {
    const library = named(STACK, TOKENS.swarmVolume, "shared-media-data").inputs as Inputs;
    assert.deepEqual(library.driverOpts, {
      type: "none",
      o: "bind",
      device: "/mnt/homeport-cephfs/media-data",
    });
    assert.deepEqual(library.labels, [
      { label: "homeport.dev/shared", value: "true" },
      { label: "homeport.dev/store", value: "cephfs" },
    ]);
  });

  it("the SQLite and shared-volume rules see a bind of the node's CephFS as CephFS", () => {
    const resources = stacks[STACK];
    assert.deepEqual(stackViolations(stackSharedNotOnLocal, resources), []);
    assert.deepEqual(stackViolations(workloadSqliteNotOnNetworkFs, resources), []);
    // Jellyfin's database moved onto the shared media library (which the model never does).
    const onCephfs = structuredClone(resources).map((r) => {
      if (r.type !== TOKENS.swarmService || r.name !== "jellyfin") return r;
      const mount = (r.inputs as Inputs).taskSpec.containerSpec.mounts.find(
        (m: Inputs) => m.target === "/config",
      );
      mount.source = "test-media-data";
      return r;
    });
    assert.deepEqual(stackViolations(workloadSqliteNotOnNetworkFs, onCephfs), [
      'Swarm service "test-jellyfin" keeps its SQLite database at /config on a network filesystem (cephfs): use local or block storage.',
    ]);
  });

  it("the quorum and replication rules see the daemons", () => {
    const resources = stacks[STACK];
    assert.deepEqual(stackViolations(stackCephReplication, resources), []);
    assert.deepEqual(stackViolations(stackQuorumOddMembers, resources), []);
    const two = resources.filter((r) => r.name !== "ceph-mon-node-3");
    const members =
      'cluster "ceph-mon" (Swarm service "test-ceph-mon-node-1", Swarm service "test-ceph-mon-node-2")';
    assert.deepEqual(stackViolations(stackCephReplication, two), [
      `${members} runs 2 monitor(s): run an odd number, at least 3.`,
    ]);
    assert.deepEqual(stackViolations(stackQuorumOddMembers, two), [
      `${members} runs 2 quorum member(s): run an odd number, at least 3.`,
    ]);
    const oneCopy = structuredClone(resources).map((r) => {
      if (r.type !== TOKENS.swarmService || !r.name.startsWith("ceph-")) return r;
      for (const l of (r.inputs as Inputs).labels)
        if (l.label === "homeport.dev/ceph-pool-size") l.value = "1";
      return r;
    });
    assert.deepEqual(stackViolations(stackCephReplication, oneCopy), [
      'cluster "ceph-mon" (Swarm service "test-ceph-mon-node-1", Swarm service "test-ceph-mon-node-2", Swarm service "test-ceph-mon-node-3") keeps 1 copy of every pool: keep at least 3.',
    ]);
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
