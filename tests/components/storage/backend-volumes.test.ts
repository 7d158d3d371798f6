import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { StackConfig, Target } from "../../../components/config/schema";
import { ResolvedVolume, ResolvedWorkload, StorageBackend } from "../../../components/model";
import { stackConfig, startRecorder, testParent } from "../../helpers/harness";
import { FakeAdapter, profileFor } from "../../helpers/platforms";

/**
 * Every stateful workload of every part asks for a volume class; the stack's storage backend
 * decides where it lives. The parts run against FakeAdapter (a stand-in that records workloads)
 * with each target's real profile; each recorded volume then goes through the real adapter's own
 * translation (the functions its `deploy` calls): Swarm's volume driver, Kubernetes' claim shape,
 * Nomad's group volume.
 */

const STORAGE: Record<StorageBackend, Record<string, unknown>> = {
  local: { backend: "local" },
  nfs: { backend: "nfs", nfs: { server: "nas.example.org", path: "/export/homeport" } },
  ceph: {
    backend: "ceph",
    ceph: { monitors: ["10.0.0.11:6789", "10.0.0.12:6789", "10.0.0.13:6789"], user: "homeport" },
  },
};
const BACKENDS = Object.keys(STORAGE) as StorageBackend[];
const TARGETS: Target[] = ["swarm", "kubernetes", "nomad"];

const config = (target: Target, backend: StorageBackend): StackConfig =>
  stackConfig({
    target,
    environment: "production",
    domain: "home.example.org",
    parts: ["proxy", "monitoring", "apps"],
    proxy: { acme: { email: "ops@example.org" } },
    sizes: { proxy: 1 },
    storage: STORAGE[backend],
    ...(target === "nomad" ? { nomad: { address: "http://nomad.example.org:4646" } } : {}),
  });

/** The persistent volumes of every workload the parts deploy on a target, by workload name. */
const deployed: Partial<Record<Target, Map<string, ResolvedWorkload>>> = {};

before(async () => {
  await startRecorder("test");
  const { PART_BUILDERS } = await import("../../../components/parts");
  const parent = await testParent();
  for (const target of TARGETS) {
    const cfg = config(target, "local");
    const fake = new FakeAdapter(profileFor(cfg));
    for (const part of cfg.parts)
      PART_BUILDERS[part]!({ config: cfg, platform: fake, built: {} }, { parent });
    deployed[target] = new Map(
      fake.deployed
        .filter((d) => d.workload.volumes.some((v) => v.class === "shared" || v.class === "block"))
        .map((d) => [d.name, d.workload]),
    );
  }
});

const persistent = (w: ResolvedWorkload): ResolvedVolume =>
  w.volumes.find((v) => v.class === "shared" || v.class === "block")!;

/** The stateful workloads of every part on each target, with their volume's class. */
const STATEFUL: Record<Target, Record<string, string>> = {
  swarm: {
    traefik: "acme:shared",
    prometheus: "data:block",
    alertmanager: "data:block",
    grafana: "data:block",
    "rabbitmq-0": "data:block",
    "rabbitmq-1": "data:block",
    "rabbitmq-2": "data:block",
    "minio-0": "data:block",
    "minio-1": "data:block",
    "minio-2": "data:block",
    "minio-3": "data:block",
  },
  // cert-manager holds the ACME account on Kubernetes: Traefik keeps no state there.
  kubernetes: {
    prometheus: "data:block",
    alertmanager: "data:block",
    grafana: "data:block",
    rabbitmq: "data:block",
    minio: "data:block",
  },
  nomad: {
    traefik: "acme:shared",
    prometheus: "data:block",
    alertmanager: "data:block",
    grafana: "data:block",
    rabbitmq: "data:block",
    minio: "data:block",
  },
};

describe("every stateful workload asks by class", () => {
  for (const target of TARGETS)
    it(`on ${target}: Traefik (where it holds the ACME account), Prometheus, Alertmanager, Grafana, RabbitMQ and MinIO`, () => {
      const found = Object.fromEntries(
        [...deployed[target]!].map(([name, w]) => {
          const v = persistent(w);
          return [name, `${v.name}:${v.class}`];
        }),
      );
      assert.deepEqual(found, STATEFUL[target]);
    });
});

describe("on Swarm the backend picks each volume's Docker driver", () => {
  const NFS = (dir: string) => ({
    driver: "local",
    options: {
      type: "nfs",
      o: "addr=nas.example.org,nfsvers=4.1,rw,noatime",
      device: `:/export/homeport/${dir}`,
    },
  });
  // A bind of the volume's directory in the node's own CephFS mount: no key in Docker's options.
  const CEPHFS = (dir: string) => ({
    driver: "local",
    options: { type: "none", o: "bind", device: `/mnt/homeport-cephfs/${dir}` },
    labels: { "homeport.dev/store": "cephfs" },
  });
  const expected: Record<StorageBackend, (w: string, v: ResolvedVolume) => unknown> = {
    local: () => undefined,
    nfs: (_w, v) => (v.class === "shared" ? NFS(v.name) : undefined),
    // Docker's local driver cannot map an RBD image: block stays on the node's disk.
    ceph: (_w, v) => (v.class === "shared" ? CEPHFS(v.name) : undefined),
  };
  for (const backend of BACKENDS)
    it(`storage.backend ${backend}`, async () => {
      const { swarmVolumeDriver } =
        await import("../../../components/platforms/swarm/service-spec");
      const storage = config("swarm", backend).storage;
      for (const [name, w] of deployed.swarm!) {
        const v = persistent(w);
        assert.deepEqual(swarmVolumeDriver(v, storage), expected[backend](name, v), name);
      }
    });
  it("the profile says where each class lives", () => {
    const stores = (b: StorageBackend) => {
      const volumes = profileFor(config("swarm", b)).volumes;
      return [volumes.shared.store, volumes.block.store, volumes.local.store];
    };
    assert.deepEqual(stores("local"), ["node", "node", "node"]);
    assert.deepEqual(stores("nfs"), ["nfs", "node", "node"]);
    assert.deepEqual(stores("ceph"), ["cephfs", "node", "node"]);
    assert.deepEqual(profileFor(config("swarm", "local")).volumes.shared, {
      persistent: true,
      multiNode: false,
      pinsToNode: true,
      store: "node",
    });
  });
});

describe("on Kubernetes the backend picks each claim's access mode and StorageClass", () => {
  const expected: Record<StorageBackend, (v: ResolvedVolume) => [string, string | undefined]> = {
    local: () => ["ReadWriteOnce", undefined],
    nfs: (v) =>
      v.class === "shared" ? ["ReadWriteMany", "homeport-nfs"] : ["ReadWriteOnce", undefined],
    ceph: (v) =>
      v.class === "shared"
        ? ["ReadWriteMany", "homeport-cephfs"]
        : ["ReadWriteOnce", "homeport-rbd"],
  };
  for (const backend of BACKENDS)
    it(`storage.backend ${backend}`, async () => {
      const { claimShape } = await import("../../../components/platforms/kubernetes/claims");
      const cfg = config("kubernetes", backend);
      for (const [name, w] of deployed.kubernetes!) {
        const v = persistent(w);
        const shape = claimShape(v, cfg.kubernetes, cfg.storage.backend);
        const [mode, cls] = expected[backend](v);
        assert.deepEqual(shape.accessModes, [mode], name);
        assert.equal(shape.storageClassName, cls, name);
      }
    });
  it("a class named in homeport:kubernetes.storageClasses wins over the storage part's", async () => {
    const { claimShape } = await import("../../../components/platforms/kubernetes/claims");
    const cfg = config("kubernetes", "ceph");
    const settings = { ...cfg.kubernetes, storageClasses: { block: "ceph-rbd" } };
    const prometheus = persistent(deployed.kubernetes!.get("prometheus")!);
    assert.equal(claimShape(prometheus, settings, "ceph").storageClassName, "ceph-rbd");
    const shared: ResolvedVolume = { ...prometheus, name: "media", class: "shared" };
    assert.equal(claimShape(shared, settings, "ceph").storageClassName, "homeport-cephfs");
  });
});

describe("on Nomad the backend picks host volumes or CSI volumes", () => {
  const host = (source: string) => ({ Type: "host", Source: source });
  const csi = (source: string, mode: string, perAlloc: boolean) => ({
    Type: "csi",
    Source: source,
    AccessMode: mode,
    AttachmentMode: "file-system",
    ...(perAlloc ? { PerAlloc: true } : {}),
  });
  const source = (w: string, v: ResolvedVolume) =>
    v.class === "shared" ? v.name : `${w}-${v.name}`;
  const expected: Record<
    StorageBackend,
    (w: string, v: ResolvedVolume, replicas: number) => unknown
  > = {
    local: (w, v) => host(source(w, v)),
    nfs: (w, v) =>
      v.class === "shared" ? csi(v.name, "multi-node-multi-writer", false) : host(source(w, v)),
    ceph: (w, v, replicas) =>
      v.class === "shared"
        ? csi(v.name, "multi-node-multi-writer", false)
        : csi(source(w, v), "single-node-writer", replicas > 1),
  };
  for (const backend of BACKENDS)
    it(`storage.backend ${backend}`, async () => {
      const { nomadJobspec } = await import("../../../components/platforms/nomad/jobspec");
      const cfg = config("nomad", backend);
      for (const [name, w] of deployed.nomad!) {
        const v = persistent(w);
        const job = nomadJobspec(w, {
          jobId: name,
          settings: cfg.nomad,
          storageBackend: cfg.storage.backend,
          env: {},
          files: {},
          tags: {},
        }) as unknown as {
          TaskGroups: { Count: number; Volumes: Record<string, Record<string, unknown>> }[];
        };
        const group = job.TaskGroups[0];
        const { Name, ReadOnly, ...volume } = group.Volumes[v.name];
        assert.equal(Name, v.name);
        assert.equal(ReadOnly, false);
        assert.deepEqual(volume, expected[backend](name, v, group.Count), name);
      }
    });
});
