import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { Recorder, stackConfig, startRecorder, testParent } from "../../helpers/harness";
import { FakeAdapter, profileFor } from "../../helpers/platforms";

/**
 * The application tier against FakeAdapter, a stand-in that records workloads and creates none:
 * the tier's own decisions (cluster layout, single members, the worker's exemption) follow the
 * capabilities and strategies it is given, whatever the orchestrator.
 */
let rec: Recorder;
let clustered: FakeAdapter;
let single: FakeAdapter;

before(async () => {
  rec = await startRecorder("test");
  const { AppTier } = await import("../../../components/apps/app-tier");
  const { appTierArgs } = await import("../../../components/stack-args");
  const config = stackConfig({
    target: "kubernetes",
    environment: "production",
    domain: "home.example.org",
    parts: ["apps"],
  });
  const profile = profileFor(config);
  const parent = await testParent();
  clustered = new FakeAdapter(profile, {
    clusterLayout: (base, size) => ({
      workloads: Array.from({ length: size }, (_, i) => ({
        name: `${base}-m${i}`,
        replicas: 1,
        host: `${base}-m${i}.peers`,
        ordinal: i,
      })),
      peers: Array.from({ length: size }, (_, i) => `${base}-m${i}.peers`),
    }),
  });
  new AppTier("clustered", { ...appTierArgs(config), platform: clustered }, { parent });
  single = new FakeAdapter(profile, {
    capabilities: {
      ...profile.capabilities,
      commandChecks: false,
      stableMemberAddresses: false,
      prose: {
        orchestrator: "Elsewhere",
        serviceDiscovery: "Elsewhere's catalogue",
        serviceCatalogue: "Elsewhere's checks",
      },
    },
  });
  new AppTier("single", { ...appTierArgs(config), platform: single }, { parent });
  await rec.settle();
});

describe("AppTier on a stand-in adapter", () => {
  it("deploys the members the adapter's cluster layout names, each with its peers", () => {
    assert.deepEqual(
      clustered.deployed.map((d) => d.name),
      [
        "rabbitmq-m0",
        "rabbitmq-m1",
        "rabbitmq-m2",
        "minio-m0",
        "minio-m1",
        "minio-m2",
        "minio-m3",
        "bucket-init",
        "backend",
        "worker",
        "frontend",
      ],
    );
    assert.equal(
      clustered.workload("rabbitmq-m1").env.RABBITMQ_NODENAME,
      "rabbit@rabbitmq-m1.peers",
    );
    const minio = clustered.workload("minio-m0").command ?? [];
    const server = minio.indexOf("server");
    assert.deepEqual(minio.slice(server, server + 6), [
      "server",
      "http://minio-m0.peers:9000/data",
      "http://minio-m1.peers:9000/data",
      "http://minio-m2.peers:9000/data",
      "http://minio-m3.peers:9000/data",
      "--address",
    ]);
    assert.deepEqual(clustered.workload("worker").exemptions, []);
  });

  it("runs one member each where members get no stable addresses, and says why", () => {
    assert.deepEqual(
      single.deployed.map((d) => d.name),
      ["rabbitmq", "minio", "bucket-init", "backend", "worker", "frontend"],
    );
    assert.deepEqual(
      single.workload("rabbitmq").exemptions.map((e) => [e.rule, e.reason]),
      [
        [
          "stack-quorum-odd-members",
          "Elsewhere's catalogue has no DNS names for cluster peers, so RabbitMQ runs one member on Elsewhere",
        ],
        [
          "workload-read-only-root-filesystem",
          "rabbitmq-plugins writes /etc/rabbitmq/enabled_plugins, beside the image's own list, where peer discovery through Consul enables its plugin at start; the broker has not been run with a read-only root here",
        ],
        [
          "workload-run-as-non-root",
          "the image's entrypoint starts as root to give the data volume to the rabbitmq user, then runs the server as that user",
        ],
        [
          "workload-min-replicas",
          "a single RabbitMQ broker (dev); set homeport:sizes.rabbitmq to 3 for a cluster",
        ],
      ],
    );
    const reason =
      "a Celery worker listens on no port and Elsewhere's checks runs only HTTP and TCP checks; Elsewhere restarts a worker whose process exits";
    assert.deepEqual(
      single.workload("worker").exemptions.map((e) => [e.rule, e.reason]),
      [
        ["workload-require-health-check", reason],
        ["workload-require-readiness", reason],
      ],
    );
  });

  it("creates only the tier's own resources: the adapter deploys nothing", () => {
    assert.deepEqual([...new Set(rec.resources.map((r) => r.type))].sort(), [
      "homeport:apps:AppTier",
      "homeport:test:Parent",
      "random:index/randomPassword:RandomPassword",
    ]);
  });
});
