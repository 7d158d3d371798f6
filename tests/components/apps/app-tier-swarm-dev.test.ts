import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import {
  Recorder,
  resource,
  resourcesOfType,
  stackConfig,
  startRecorder,
  testParent,
} from "../../helpers/harness";
import { TOKENS } from "../../helpers/types";

const SERVICE = TOKENS.swarmService;
const IMAGE = "docker:index/remoteImage:RemoteImage";
const CONTEXT = "https://github.com/a/b.git#19f0b350f427ae51cda7d5ad8a7954dcc9cbf1f1";
let rec: Recorder;

before(async () => {
  rec = await startRecorder("test");
  const { SwarmPlatform } = await import("../../../components/platforms/swarm/swarm-platform");
  const { AppTier } = await import("../../../components/apps/app-tier");
  const { appTierArgs } = await import("../../../components/stack-args");
  const config = stackConfig({
    target: "swarm",
    domain: "homeport.localhost",
    parts: ["apps"],
    apps: {
      images: { backend: "registry.lan/image-api:1.2.3" },
      build: {
        context: CONTEXT,
        args: { PYTHON_IMAGE: "registry.lan/python:3.12.8" },
        network: "none",
      },
      nodes: { rabbitmq: ["node-a"], minio: ["node-b"] },
    },
  });
  const parent = await testParent();
  const platform = new SwarmPlatform(
    "swarm",
    { config, routing: {}, namePrefix: "d-" },
    { parent },
  );
  new AppTier("apps", { ...appTierArgs(config), platform }, { parent });
  await rec.settle();
});

type Inputs = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const service = (name: string): Inputs => resource(rec, SERVICE, name).inputs as Inputs;
const spec = (name: string): Inputs => service(name).taskSpec.containerSpec;
const labels = (name: string): Record<string, unknown> =>
  Object.fromEntries(
    (service(name).labels as { label: string; value: unknown }[]).map((l) => [l.label, l.value]),
  );

describe("AppTier on Swarm (dev)", () => {
  it("builds the backend and the frontend on the engine, each from its Dockerfile and its part of the app, with the stack's build arguments and network", () => {
    assert.deepEqual(Object.keys(resourcesOfType(rec, IMAGE)).sort(), [
      "backend-image",
      "frontend-image",
    ]);
    const build = (name: string): Inputs => resource(rec, IMAGE, `${name}-image`).inputs as Inputs;
    assert.equal(build("backend").name, "registry.lan/image-api:1.2.3");
    assert.deepEqual(build("backend").build, {
      context: "apps/backend",
      builder: "default",
      additionalContexts: [`app=${CONTEXT}:api`, "entrypoint=apps/entrypoint"],
      buildArgs: { PYTHON_IMAGE: "registry.lan/python:3.12.8" },
      networkMode: "none",
    });
    assert.deepEqual(build("frontend").build, {
      context: "apps/frontend",
      builder: "default",
      additionalContexts: [`app=${CONTEXT}:web`, "entrypoint=apps/entrypoint"],
      buildArgs: { PYTHON_IMAGE: "registry.lan/python:3.12.8" },
      networkMode: "none",
    });
  });

  it("runs one broker and one MinIO, each a singleton whose reason is a visible exemption", () => {
    assert.deepEqual(Object.keys(resourcesOfType(rec, SERVICE)).sort(), [
      "backend",
      "frontend",
      "minio",
      "rabbitmq",
      "worker",
    ]);
    assert.equal(
      labels("rabbitmq")["policy.homeport.dev/exempt.workload-min-replicas"],
      "a single RabbitMQ broker (dev); set homeport:sizes.rabbitmq to 3 for a cluster",
    );
    assert.equal(
      labels("minio")["policy.homeport.dev/exempt.workload-min-replicas"],
      "a single MinIO server (dev); set homeport:sizes.minio to 4 or more to distribute it",
    );
    assert.equal(service("rabbitmq").updateConfig.order, "stop-first");
  });

  it("health-checks the single broker and MinIO: no peer has to find them while they start", () => {
    assert.deepEqual(spec("rabbitmq").healthcheck.tests, [
      "CMD",
      "rabbitmq-diagnostics",
      "-q",
      "ping",
    ]);
    assert.deepEqual(spec("minio").healthcheck.tests, ["CMD", "mc", "ready", "local"]);
    for (const name of ["rabbitmq", "minio"]) {
      assert.equal(spec(name).hostname, undefined, name);
      assert.equal(
        labels(name)["policy.homeport.dev/exempt.workload-require-health-check"],
        undefined,
      );
    }
  });

  it("points the app at the single broker and MinIO by their service names", () => {
    assert.equal(spec("backend").env.S3_ENDPOINT_URL, "http://minio:9000");
    // A fixed node name: the data directory stays the same when the task is replaced.
    assert.equal(spec("rabbitmq").env.RABBITMQ_NODENAME, "rabbit@localhost");
    assert.equal(spec("rabbitmq").env.RABBITMQ_USE_LONGNAME, undefined);
    assert.deepEqual((spec("minio").commands as string[]).slice(4), [
      "minio",
      "server",
      "/data",
      "--address",
      ":9000",
      "--console-address",
      ":9001",
    ]);
  });

  it("uses the configured images for the backend, worker and bucket job", () => {
    assert.equal(spec("backend").image, "registry.lan/image-api:1.2.3");
    assert.equal(spec("worker").image, "registry.lan/image-api:1.2.3");
    assert.equal(
      resource(rec, TOKENS.dockerContainer, "bucket-init").inputs.image,
      "registry.lan/image-api:1.2.3",
    );
    assert.equal(spec("rabbitmq").image, "rabbitmq:4.1.4-management");
    assert.equal(spec("frontend").image, "homeport/image-web:0.1.0");
  });

  it("pins the broker and MinIO to the nodes that hold their volumes", () => {
    assert.deepEqual(service("rabbitmq").taskSpec.placement.constraints, ["node.hostname==node-a"]);
    assert.deepEqual(service("minio").taskSpec.placement.constraints, ["node.hostname==node-b"]);
    assert.equal(service("backend").taskSpec.placement.constraints, undefined);
  });

  it("keeps the broker's and MinIO's data on their own volumes", () => {
    assert.deepEqual(
      (spec("minio").mounts as Inputs[]).map((m) => [m.source, m.target]),
      [
        ["d-minio-data", "/data"],
        // The scratch directory of its read-only root: $HOME of MinIO and its client.
        [undefined, "/tmp"],
      ],
    );
    assert.equal(spec("minio").env.HOME, "/tmp");
    assert.equal(spec("minio").readOnly, true);
    assert.equal(resource(rec, TOKENS.swarmVolume, "minio-data").inputs.name, "d-minio-data");
    assert.equal(labels("minio")["homeport.dev/state"], "stateful");
  });
});
