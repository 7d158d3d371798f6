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

  it("homeport runs Ceph only where it can (Rook on Kubernetes)", () => {
    const message = (where: string) =>
      `homeport:storage.ceph.cluster is "create": asks homeport to run the Ceph cluster, which it cannot do on ${where} in this version. Fix: set it to existing and list the cluster's monitors in homeport:storage.ceph.monitors.`;
    assert.deepEqual(problems("swarm", { backend: "ceph", ceph: { cluster: "create" } }), [
      message("Swarm"),
    ]);
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
