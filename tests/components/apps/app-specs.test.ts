import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import {
  appEnvironment,
  appSizes,
  AppWiring,
  backendSpec,
  bucketInitSpec,
  frontendConfig,
  frontendSpec,
  minioServerArgs,
  rabbitmqConf,
  rabbitmqSpec,
} from "../../../components/apps";
import { appsSettings } from "../../../components/config/parts/apps";
import { seconds } from "../../../components/model";
import { resolveWorkload } from "../../../components/model/resolve";
import { NOMAD_CAPABILITIES } from "../../../components/platforms/nomad/profile";
import { swarmCapabilities } from "../../../components/platforms/swarm/profile";
import { stackConfig } from "../../helpers/harness";

const settings = appsSettings.parse({});
const value = <T>(input: pulumi.Input<T>): Promise<T> =>
  new Promise((resolve) => {
    pulumi.output(input).apply((v) => {
      resolve(v as T);
      return v;
    });
  });

const wiring = (addresses: string[]): AppWiring => ({
  settings,
  s3: {
    endpoint: "http://minio:9000",
    accessKeyId: "ak",
    secretAccessKey: "sk",
    flow: { kind: "workload", to: "minio", ports: [9000] },
  },
  broker: { password: "pw", addresses },
});

describe("app sizes", () => {
  const base = { environment: "dev" as const, sizes: {}, apps: {} };
  const swarm = swarmCapabilities(
    stackConfig({ target: "swarm", domain: "home.example.org" }).swarm,
  );

  it("runs two of each stateless tier, one broker and one MinIO for dev", () => {
    assert.deepEqual(appSizes(base, swarm), {
      frontend: 2,
      backend: 2,
      worker: 2,
      rabbitmq: 1,
      minio: 1,
      notes: [],
      clamped: [],
    });
  });

  it("runs a three-node broker and four MinIO servers for production, sizes overriding", () => {
    const sizes = appSizes(
      {
        ...base,
        environment: "production",
        sizes: { worker: 5, backend: 0 },
      },
      swarm,
    );
    assert.deepEqual(sizes, {
      frontend: 2,
      backend: 0,
      worker: 5,
      rabbitmq: 3,
      minio: 4,
      notes: [],
      clamped: [],
    });
  });

  it("deploys no MinIO with an external S3", () => {
    assert.equal(appSizes({ ...base, apps: { s3: {} as never } }, swarm).minio, 0);
  });

  it("keeps clusters to one member on Nomad and says why", () => {
    const sizes = appSizes({ ...base, environment: "production" }, NOMAD_CAPABILITIES);
    assert.equal(sizes.rabbitmq, 1);
    assert.equal(sizes.minio, 1);
    assert.deepEqual(sizes.clamped, ["rabbitmq", "minio"]);
    assert.deepEqual(sizes.notes, [
      "rabbitmq runs as a single member on Nomad (asked: 3): its cluster peers need stable DNS names, which Nomad's built-in service discovery does not provide.",
      "minio runs as a single member on Nomad (asked: 4): its cluster peers need stable DNS names, which Nomad's built-in service discovery does not provide.",
    ]);
  });
});

describe("rendered configuration", () => {
  it("points the SPA at the API's public URL, always with a trailing slash", () => {
    assert.equal(
      frontendConfig("https://api.example.org"),
      '{\n  "endpoint": "https://api.example.org/"\n}\n',
    );
    assert.equal(
      frontendConfig("https://api.example.org/"),
      '{\n  "endpoint": "https://api.example.org/"\n}\n',
    );
  });

  it("configures a single broker without clustering", () => {
    assert.equal(
      rabbitmqConf([]),
      "# Written by homeport.\nlisteners.tcp.default = 5672\nloopback_users.guest = true\n",
    );
  });

  it("lists every cluster peer and makes queues quorum queues", () => {
    assert.equal(
      rabbitmqConf(["a.x", "b.x", "c.x"]),
      [
        "# Written by homeport.",
        "listeners.tcp.default = 5672",
        "loopback_users.guest = true",
        "cluster_formation.peer_discovery_backend = classic_config",
        "cluster_formation.classic_config.nodes.1 = rabbit@a.x",
        "cluster_formation.classic_config.nodes.2 = rabbit@b.x",
        "cluster_formation.classic_config.nodes.3 = rabbit@c.x",
        "cluster_partition_handling = pause_minority",
        "default_queue_type = quorum",
        "",
      ].join("\n"),
    );
  });

  it("starts MinIO on one drive, or on one drive per server", () => {
    assert.deepEqual(minioServerArgs([]), [
      "server",
      "/data",
      "--address",
      ":9000",
      "--console-address",
      ":9001",
    ]);
    assert.deepEqual(minioServerArgs(["m0", "m1", "m2", "m3"]).slice(0, 5), [
      "server",
      "http://m0:9000/data",
      "http://m1:9000/data",
      "http://m2:9000/data",
      "http://m3:9000/data",
    ]);
  });
});

describe("app environment", () => {
  it("sets plain settings as env and every credential as a secret", async () => {
    const { env, secrets } = appEnvironment(wiring(["rabbitmq:5672"]));
    assert.deepEqual(env, {
      S3_ENDPOINT_URL: "http://minio:9000",
      AWS_REGION_NAME: "us-east-1",
      S3_BUCKET_NAME: "images",
    });
    assert.deepEqual(
      secrets.map((s) => [s.name, s.env]),
      [
        ["broker-url", "CELERY_BROKER_URL"],
        ["s3-access-key", "AWS_ACCESS_KEY_ID"],
        ["s3-secret-key", "AWS_SECRET_ACCESS_KEY"],
      ],
    );
  });

  it("keeps a single broker's scheme and host apart from its password", async () => {
    const broker = appEnvironment(wiring(["rabbitmq:5672"])).secrets[0];
    assert.equal(broker.value, "pw");
    assert.equal(broker.prefix, "amqp://homeport:");
    assert.equal(await value(broker.suffix as pulumi.Input<string>), "@rabbitmq:5672//");
    const resolved = resolveWorkload("backend", "apps", {
      image: "app:1.0.0",
      secrets: [broker],
    }).secrets[0];
    assert.equal(await value(resolved.value), "amqp://homeport:pw@rabbitmq:5672//");
    assert.equal(await value(resolved.secret), "pw");
  });

  it("lists every member of a broker cluster for Celery's failover", async () => {
    const broker = appEnvironment(wiring(["r0:5672", "r1:5672", "r2:5672"])).secrets[0];
    assert.equal(broker.prefix, undefined);
    assert.equal(
      await value(broker.value),
      "amqp://homeport:pw@r0:5672//;amqp://homeport:pw@r1:5672//;amqp://homeport:pw@r2:5672//",
    );
  });
});

describe("workload specs", () => {
  it("makes the bucket step a run-to-completion job of the backend image", () => {
    const spec = bucketInitSpec({ image: "homeport/image-api:0.1.0" }, wiring(["rabbitmq:5672"]));
    assert.deepEqual(spec.scheduling, { mode: "job" });
    assert.equal(spec.image, "homeport/image-api:0.1.0");
    assert.equal(spec.routes, undefined);
    assert.equal(spec.health, undefined);
    assert.deepEqual(spec.command?.slice(-3, -1), ["python", "-c"]);
  });

  it("serves the API at the root of its own host, health-checked on /health", () => {
    const spec = backendSpec(
      {
        image: "homeport/image-api:0.1.0",
        replicas: 3,
        host: "api.example.org",
        platformDrains: false,
      },
      wiring(["rabbitmq:5672"]),
    );
    assert.deepEqual(spec.routes, [{ host: "api.example.org", port: "http" }]);
    assert.deepEqual(spec.ports, [{ name: "http", port: 8080 }]);
    assert.equal(spec.health?.kind === "http" && spec.health.path, "/health");
    assert.deepEqual(spec.scheduling, { mode: "replicated", replicas: 3 });
    assert.equal(spec.placement?.spread, true);
  });

  it("drains itself for 10 s before gunicorn stops where the platform does not drain, and only there", () => {
    const make = (platformDrains: boolean) =>
      backendSpec(
        { image: "homeport/image-api:0.1.0", replicas: 2, host: "api.example.org", platformDrains },
        wiring(["rabbitmq:5672"]),
      );
    const selfDraining = make(false);
    assert.equal(selfDraining.env?.SHUTDOWN_DELAY_SECONDS, "10");
    assert.deepEqual(selfDraining.stopGracePeriod, seconds(40));
    const platformDrained = make(true);
    assert.equal(platformDrained.env?.SHUTDOWN_DELAY_SECONDS, undefined);
    assert.deepEqual(platformDrained.stopGracePeriod, seconds(30));
    assert.deepEqual(platformDrained.env, appEnvironment(wiring(["rabbitmq:5672"])).env);
  });

  it("drains the frontend for 10 s before serve stops where the platform does not drain, and only there", () => {
    const make = (platformDrains: boolean) =>
      frontendSpec({
        image: "homeport/image-web:0.1.0",
        replicas: 2,
        host: "app.example.org",
        apiUrl: "https://api.example.org",
        platformDrains,
      });
    const selfDraining = make(false);
    assert.deepEqual(selfDraining.env, { SHUTDOWN_DELAY_SECONDS: "10" });
    assert.deepEqual(selfDraining.stopGracePeriod, seconds(20));
    const platformDrained = make(true);
    assert.equal(platformDrained.env, undefined);
    assert.deepEqual(platformDrained.stopGracePeriod, seconds(10));
  });

  it("runs a single broker as a singleton with its reason, its cookie shared by server and CLI", () => {
    const single = rabbitmqSpec({
      image: "rabbitmq:4.1.4-management",
      peers: [],
      replicas: 1,
      volumeSize: "8Gi",
      password: "pw",
      cookie: "c",
    });
    assert.deepEqual(single.scheduling, {
      mode: "singleton",
      reason: "a single RabbitMQ broker (dev); set homeport:sizes.rabbitmq to 3 for a cluster",
    });
    assert.deepEqual(single.env, {
      RABBITMQ_DEFAULT_USER: "homeport",
      RABBITMQ_NODENAME: "rabbit@localhost",
    });
    assert.deepEqual(
      single.ports?.map((p) => p.name),
      ["amqp", "metrics"],
    );
    assert.deepEqual(single.volumes?.[0], {
      name: "data",
      mountPath: "/var/lib/rabbitmq",
      class: "block",
      size: { kind: "memory", bytes: 8 * 1024 ** 3 },
    });
    const script = single.command?.[2] ?? "";
    assert.ok(
      script.includes('printf "%s" "$RABBITMQ_ERLANG_COOKIE" > /var/lib/rabbitmq/.erlang.cookie'),
    );
    assert.deepEqual(single.command?.slice(-2), ["docker-entrypoint.sh", "rabbitmq-server"]);
    assert.deepEqual(single.health, {
      kind: "command",
      command: ["rabbitmq-diagnostics", "-q", "ping"],
      port: "amqp",
      interval: { kind: "duration", ms: 30_000 },
      timeout: { kind: "duration", ms: 20_000 },
      startPeriod: { kind: "duration", ms: 60_000 },
    });
  });
});
