import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ConfigError, parseStackConfig } from "../../../components/config/load";
import { platformCapabilities } from "../../../components/platforms/create-adapter";
import { checkStack, storagePlan } from "../../../components/stack-args";

const base = { "homeport:domain": "home.example.org" };

/** Problems of the settings, then those that depend on the orchestrator's capabilities. */
function problems(
  target: string,
  storage: unknown,
  extra: Record<string, string> = {},
  secretKeys: string[] = [],
): readonly string[] {
  try {
    const config = parseStackConfig(
      { ...base, "homeport:target": target, "homeport:storage": JSON.stringify(storage), ...extra },
      new Set(secretKeys),
    );
    checkStack(config, platformCapabilities(config));
    return [];
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${String(err)}`);
    return err.problems;
  }
}

const MONITORS = ["10.0.0.1:6789"];

/** A cluster whose daemons homeport runs on three Swarm nodes. */
const SWARM_CLUSTER = {
  cluster: "create",
  image: "quay.io/ceph/ceph:v18.2.4",
  publicNetwork: "10.0.0.0/24",
  nodes: [1, 2, 3].map((i) => ({
    name: `node-${i}`,
    address: `10.0.0.1${i}`,
    roles: ["mon", "mgr", "mds"],
    osd: { id: i - 1, size: "100Gi" },
  })),
};

describe("homeport:storage settings", () => {
  it("defaults every piece: NFS provisioner create, Ceph cluster existing, ceph-csi create", () => {
    const config = parseStackConfig({
      ...base,
      "homeport:target": "kubernetes",
      "homeport:storage": JSON.stringify({ backend: "ceph", ceph: { cluster: "create" } }),
    });
    assert.deepEqual(config.storage.ceph, {
      cluster: "create",
      user: "admin",
      path: "/",
      mountPoint: "/mnt/homeport-cephfs",
      fsName: "homeport",
      pool: "homeport-block",
      provisioner: "create",
    });
    const nfs = parseStackConfig({
      ...base,
      "homeport:target": "swarm",
      "homeport:storage": JSON.stringify({
        backend: "nfs",
        nfs: { server: "nas", path: "/export" },
      }),
    });
    assert.deepEqual(nfs.storage.nfs, {
      server: "nas",
      path: "/export",
      options: "nfsvers=4.1,rw,noatime",
      provisioner: "create",
    });
  });

  it("the local backend needs no storage part; nfs and ceph plan their pieces", () => {
    const plan = (storage: unknown, target = "kubernetes") =>
      storagePlan(
        parseStackConfig({
          ...base,
          "homeport:target": target,
          "homeport:storage": JSON.stringify(storage),
        }),
      );
    assert.equal(plan({ backend: "local" }), undefined);
    assert.deepEqual(plan({ backend: "nfs", nfs: { server: "nas", path: "/export" } }), {
      backend: "nfs",
      environment: "dev",
      nfs: {
        server: "nas",
        path: "/export",
        mountOptions: ["nfsvers=4.1", "rw", "noatime"],
        provisioner: "create",
      },
    });
  });

  it("an existing Ceph cluster needs its monitors", () => {
    assert.deepEqual(problems("swarm", { backend: "ceph", ceph: {} }), [
      "homeport:storage.ceph.monitors is not set, but homeport:storage.ceph.cluster is existing. Fix: list the existing cluster's monitor addresses, e.g. [10.0.0.1:6789], or set homeport:storage.ceph.cluster to create.",
    ]);
  });

  it("a cluster homeport creates has no monitors to name", () => {
    assert.deepEqual(
      problems("kubernetes", { backend: "ceph", ceph: { cluster: "create", monitors: MONITORS } }),
      [
        'homeport:storage.ceph.monitors is ["10.0.0.1:6789"]: names monitors, but homeport:storage.ceph.cluster is create: the cluster\'s own monitors serve it. Fix: remove it, or set homeport:storage.ceph.cluster to existing.',
      ],
    );
  });

  it("homeport runs Ceph only where it can (Rook on Kubernetes, its daemons on Swarm)", () => {
    const message = (where: string) =>
      `homeport:storage.ceph.cluster is "create": asks homeport to run the Ceph cluster, which it cannot do on ${where} in this version. Fix: set it to existing and list the cluster's monitors in homeport:storage.ceph.monitors.`;
    assert.deepEqual(problems("swarm", { backend: "ceph", ceph: SWARM_CLUSTER }), []);
    assert.deepEqual(
      problems(
        "nomad",
        { backend: "ceph", ceph: { cluster: "create", provisioner: "existing" } },
        { "homeport:nomad": JSON.stringify({ address: "http://nomad:4646" }) },
      ),
      [message("Nomad")],
    );
    assert.deepEqual(problems("kubernetes", { backend: "ceph", ceph: { cluster: "create" } }), []);
  });

  describe("a cluster whose daemons homeport runs (Swarm)", () => {
    const swarm = (ceph: Record<string, unknown>, environment = "dev") =>
      problems(
        "swarm",
        { backend: "ceph", ceph: { ...SWARM_CLUSTER, ...ceph } },
        { "homeport:environment": environment },
      );
    const nodes = SWARM_CLUSTER.nodes;

    it("needs its nodes, network and image", () => {
      const why =
        "homeport runs the Ceph daemons on Swarm (homeport:storage.ceph.cluster is create)";
      assert.deepEqual(problems("swarm", { backend: "ceph", ceph: { cluster: "create" } }), [
        `homeport:storage.ceph.nodes is not set, but ${why}. Fix: list the nodes with their roles and OSDs, e.g. [{name: node-1, address: 10.0.0.11, roles: [mon, mgr, mds], osd: {id: 0, size: 100Gi}}].`,
        `homeport:storage.ceph.publicNetwork is not set, but ${why}. Fix: set it to the nodes' IPv4 network, e.g. 10.0.0.0/24.`,
        `homeport:storage.ceph.image is not set, but ${why}. Fix: pin an image with Ceph's daemons and python3-cephfs, e.g. quay.io/ceph/ceph:v18.2.4.`,
      ]);
    });

    it("an odd number of monitors, at least 3, in production", () => {
      const two = nodes.map((n, i) => (i === 2 ? { ...n, roles: ["mgr"] } : n));
      assert.deepEqual(swarm({ nodes: two }, "production"), [
        'homeport:storage.ceph.nodes is ["node-1","node-2"]: runs 2 monitor(s), but production needs an odd number, at least 3, so that a majority survives one down. Fix: give role mon to 3 or 5 nodes.',
      ]);
      assert.deepEqual(swarm({ nodes: two }, "dev"), []);
      assert.deepEqual(swarm({}, "production"), []);
    });

    it("as many OSDs as the environment keeps copies", () => {
      const one = nodes.map((n, i) => (i === 0 ? n : { ...n, osd: undefined }));
      assert.deepEqual(swarm({ nodes: one }, "production"), [
        "homeport:storage.ceph.nodes is [0]: holds 1 OSD(s), but production pools keep 3 copies, each on an OSD of its own node. Fix: give an osd to 3 nodes or more.",
      ]);
      assert.deepEqual(swarm({ nodes: one }, "dev"), []);
    });

    it("a manager, an MDS, and a monitor's address", () => {
      const bare = [{ name: "node-1", roles: ["mon"], osd: { id: 0, size: "10Gi" } }];
      assert.deepEqual(swarm({ nodes: bare }), [
        'homeport:storage.ceph.nodes is ["node-1"]: gives no node role mgr, which the cluster needs (a manager). Fix: add mgr to the roles of one node or more.',
        'homeport:storage.ceph.nodes is ["node-1"]: gives no node role mds, which the cluster needs (an MDS, for the CephFS of the shared class). Fix: add mds to the roles of one node or more.',
        "homeport:storage.ceph.nodes.0.address is not set, but node node-1 runs a monitor, which listens on it. Fix: set it to the node's IPv4 address on publicNetwork, e.g. 10.0.0.11.",
      ]);
    });

    it("each node and OSD number once", () => {
      const twice = [
        nodes[0],
        { ...nodes[1], name: "node-1", osd: { id: 0, size: "1Gi" } },
        nodes[2],
      ];
      assert.deepEqual(swarm({ nodes: twice }), [
        'homeport:storage.ceph.nodes is ["node-1","node-1","node-3"]: names node node-1 twice. Fix: list every node once, with all its roles.',
        "homeport:storage.ceph.nodes is [0,0,2]: gives OSD number 0 twice. Fix: give every OSD its own number.",
      ]);
    });

    it("an OSD in a file: a Swarm service can be given no block device", () => {
      const device = nodes.map((n, i) =>
        i === 0 ? { ...n, osd: { id: 0, device: "/dev/sdb" } } : n,
      );
      assert.deepEqual(swarm({ nodes: device }), [
        'homeport:storage.ceph.nodes.0.osd.device is "/dev/sdb": is a block device, but a workload on Swarm can be neither privileged nor given a device. Fix: replace it with size (bluestore in a file on a volume of the node\'s disk), e.g. size: 100Gi.',
      ]);
      const neither = nodes.map((n, i) => (i === 0 ? { ...n, osd: { id: 0 } } : n));
      assert.deepEqual(swarm({ nodes: neither }), [
        'homeport:storage.ceph.nodes.0.osd is {"id":0}: needs exactly one of size (bluestore in a file on the node\'s disk) and device (a whole block device). Fix: give the OSD its number and a size (a file) or a device, e.g. {id: 0, size: 100Gi}.',
      ]);
    });
  });

  it("ceph-csi needs the user's key (a secret) and the cluster's fsid", () => {
    const key =
      "homeport:storage.ceph.key is not set, but ceph-csi needs it on Nomad to reach the existing cluster as homeport:storage.ceph.user. Fix: store the user's key (ceph auth get-key client.<user>) with: pulumi config set --secret --path homeport:storage.ceph.key <key>.";
    const fsid =
      "homeport:storage.ceph.clusterId is not set, but ceph-csi on Nomad names the existing cluster by its fsid. Fix: set it to the output of `ceph fsid` on the cluster.";
    const nomad = { "homeport:nomad": JSON.stringify({ address: "http://nomad:4646" }) };
    assert.deepEqual(problems("nomad", { backend: "ceph", ceph: { monitors: MONITORS } }, nomad), [
      key,
      fsid,
    ]);
    // Nomad registers every Ceph volume with the key, even with a plugin it does not deploy.
    assert.deepEqual(
      problems(
        "nomad",
        { backend: "ceph", ceph: { monitors: MONITORS, provisioner: "existing" } },
        nomad,
      ),
      [key, fsid],
    );
    // Kubernetes with ceph-csi's classes already there needs neither.
    assert.deepEqual(
      problems("kubernetes", {
        backend: "ceph",
        ceph: { monitors: MONITORS, provisioner: "existing" },
      }),
      [],
    );
    // Swarm mounts CephFS with each node's secret file.
    assert.deepEqual(problems("swarm", { backend: "ceph", ceph: { monitors: MONITORS } }), []);
  });

  it("the key is a secret setting", () => {
    assert.deepEqual(
      problems("kubernetes", {
        backend: "ceph",
        ceph: { monitors: MONITORS, key: "AQB...", clusterId: "fsid" },
      }),
      [
        "homeport:storage.ceph.key is stored in plain text. Fix: store it encrypted with: pulumi config set --secret --path homeport:storage.ceph.key <value>.",
      ],
    );
    assert.deepEqual(
      problems(
        "kubernetes",
        { backend: "ceph", ceph: { monitors: MONITORS, key: "AQB...", clusterId: "fsid" } },
        {},
        ["homeport:storage"],
      ),
      [],
    );
  });

  it("names a bad piece and how to fix it", () => {
    assert.deepEqual(
      problems("kubernetes", {
        backend: "nfs",
        nfs: { server: "nas", path: "/export", provisioner: "skip" },
      }),
      [
        'homeport:storage.nfs.provisioner is "skip": must be one of create, existing. Fix: set it to create (the default) or existing.',
      ],
    );
  });
});

describe("homeport:storage.nfs.serve: the NFS server homeport runs", () => {
  const SERVE = { node: "node-1", image: "registry.lan/nfs-ganesha:4.3" };

  it("plans the server on its node, which the share is then mounted from", () => {
    const config = parseStackConfig({
      ...base,
      "homeport:target": "swarm",
      "homeport:storage": JSON.stringify({
        backend: "nfs",
        nfs: { path: "/homeport", serve: SERVE },
      }),
    });
    assert.deepEqual(storagePlan(config), {
      backend: "nfs",
      environment: "dev",
      nfs: {
        server: "node-1",
        path: "/homeport",
        mountOptions: ["nfsvers=4.1", "rw", "noatime"],
        provisioner: "create",
        serve: {
          node: "node-1",
          image: "registry.lan/nfs-ganesha:4.3",
          size: { kind: "memory", bytes: 100 * 1024 ** 3 },
        },
      },
    });
    const atAddress = parseStackConfig({
      ...base,
      "homeport:target": "swarm",
      "homeport:storage": JSON.stringify({
        backend: "nfs",
        nfs: { server: "10.0.0.21", path: "/homeport", serve: { ...SERVE, size: "2Ti" } },
      }),
    });
    assert.equal(storagePlan(atAddress)?.nfs?.server, "10.0.0.21");
    assert.equal(storagePlan(atAddress)?.nfs?.serve?.size.bytes, 2 * 1024 ** 4);
  });

  it("without a server to mount nor one to run, says both ways", () => {
    for (const target of ["swarm", "kubernetes", "nomad"]) {
      assert.deepEqual(
        problems(
          target,
          { backend: "nfs", nfs: { path: "/homeport" } },
          {
            "homeport:nomad": JSON.stringify({ address: "http://nomad.lan:4646" }),
          },
        ),
        [
          "homeport:storage.nfs.server is not set, but homeport:storage.nfs.serve is not set either, so nothing serves the share. Fix: set it to the NAS's host name, or add homeport:storage.nfs.serve {node, image} to run nfs-ganesha on a node of the stack.",
        ],
        target,
      );
    }
  });

  it("needs its image and node, a size, and an export below the pseudo root", () => {
    assert.deepEqual(
      problems("swarm", { backend: "nfs", nfs: { path: "/homeport", serve: { node: "node-1" } } }),
      [
        "homeport:storage.nfs.serve.image is not set. Fix: pin an image holding nfs-ganesha with its VFS backend (ganesha.nfsd), e.g. registry.lan/nfs-ganesha:4.3.",
      ],
    );
    assert.deepEqual(
      problems("swarm", {
        backend: "nfs",
        nfs: { path: "/homeport", serve: { image: SERVE.image } },
      }),
      [
        "homeport:storage.nfs.serve.node is not set. Fix: set it to the host name of the node whose disk holds the share.",
      ],
    );
    assert.deepEqual(
      problems("swarm", {
        backend: "nfs",
        nfs: { path: "/homeport", serve: { ...SERVE, size: "lots" } },
      }),
      [
        'homeport:storage.nfs.serve.size is "lots": has the wrong format. Fix: write a size such as "100Gi" or "2Ti".',
      ],
    );
    assert.deepEqual(problems("swarm", { backend: "nfs", nfs: { path: "/", serve: SERVE } }), [
      'homeport:storage.nfs.path is "/": is the root of the NFSv4 pseudo file system, which the NFS server that homeport runs cannot export. Fix: name the export below it, e.g. /homeport.',
    ]);
  });
});
