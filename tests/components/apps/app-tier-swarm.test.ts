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
const CONTAINER = TOKENS.dockerContainer;
let rec: Recorder;
let urls: { frontend: string; api: string };

before(async () => {
  rec = await startRecorder("test");
  const { SwarmPlatform } = await import("../../../components/platforms/swarm/swarm-platform");
  const { AppTier } = await import("../../../components/apps/app-tier");
  const { appTierArgs } = await import("../../../components/stack-args");
  const config = stackConfig({
    target: "swarm",
    environment: "production",
    domain: "home.example.org",
    parts: ["apps"],
    sizes: { backend: 3, worker: 4 },
  });
  const parent = await testParent();
  const platform = new SwarmPlatform(
    "swarm",
    { config, routing: { certResolver: "acme" }, namePrefix: "t-" },
    { parent },
  );
  const tier = new AppTier("apps", { ...appTierArgs(config), platform }, { parent });
  await rec.settle();
  const value = (o: { apply: (f: (v: string) => void) => unknown }) =>
    new Promise<string>((resolve) => o.apply(resolve));
  urls = { frontend: await value(tier.frontendUrl), api: await value(tier.apiUrl) };
});

type Inputs = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const service = (name: string): Inputs => resource(rec, SERVICE, name).inputs as Inputs;
const spec = (name: string): Inputs => service(name).taskSpec.containerSpec;
const labels = (svc: Inputs): Record<string, unknown> =>
  Object.fromEntries(
    (svc.labels as { label: string; value: unknown }[]).map((l) => [l.label, l.value]),
  );
const urn = (type: string, name: string) => resource(rec, type, name).urn;
const configText = (name: string): string =>
  Buffer.from(resource(rec, TOKENS.swarmConfig, name).inputs.data as string, "base64").toString(
    "utf8",
  );

const APP_ENV = {
  S3_ENDPOINT_URL: "http://minio-0:9000",
  AWS_REGION_NAME: "us-east-1",
  S3_BUCKET_NAME: "images",
  CELERY_BROKER_URL_FILE: "/run/secrets/broker-url",
  AWS_ACCESS_KEY_ID_FILE: "/run/secrets/s3-access-key",
  AWS_SECRET_ACCESS_KEY_FILE: "/run/secrets/s3-secret-key",
};

describe("AppTier on Swarm (production)", () => {
  it("deploys every workload of the tier, with a member service per RabbitMQ and MinIO node", () => {
    const names = Object.keys(resourcesOfType(rec, SERVICE)).sort();
    assert.deepEqual(names, [
      "backend",
      "frontend",
      "minio-0",
      "minio-1",
      "minio-2",
      "minio-3",
      "rabbitmq-0",
      "rabbitmq-1",
      "rabbitmq-2",
      "worker",
    ]);
    assert.deepEqual(Object.keys(resourcesOfType(rec, CONTAINER)), ["bucket-init"]);
  });

  it("puts MinIO and RabbitMQ on networks of their own, joined by their clients and peers only", () => {
    const networks = (name: string) =>
      (service(name).taskSpec.networksAdvanceds as { id: string; aliases?: string[] }[]).map(
        (n) => `${n.id}${n.aliases ? ` as ${n.aliases.join(",")}` : ""}`,
      );
    const own = (group: string, alias: string) => `swarm-flow-${group}-id as ${alias}`;
    for (const client of ["backend", "worker"])
      assert.deepEqual(networks(client), [
        own(client, client),
        "swarm-flow-minio-id",
        "swarm-flow-rabbitmq-id",
      ]);
    for (const i of [0, 1, 2, 3])
      assert.deepEqual(networks(`minio-${i}`), [own("minio", `minio-${i}`)]);
    for (const i of [0, 1, 2])
      assert.deepEqual(networks(`rabbitmq-${i}`), [own("rabbitmq", `rabbitmq-${i}`)]);
    assert.deepEqual(networks("frontend"), [own("frontend", "frontend")]);
  });

  it("wires the backend and worker exactly as the app reads its settings", () => {
    // The API drains before gunicorn stops (apps/entrypoint/docker-entrypoint.sh).
    assert.deepEqual(spec("backend").env, { ...APP_ENV, SHUTDOWN_DELAY_SECONDS: "10" });
    assert.deepEqual(spec("worker").env, APP_ENV);
    // The frontend drains too; it holds no secret.
    assert.deepEqual(spec("frontend").env, { SHUTDOWN_DELAY_SECONDS: "10" });
    for (const name of ["backend", "worker"]) {
      assert.deepEqual(
        spec(name).secrets.map((s: Inputs) => [s.fileName, s.fileMode]),
        [
          ["/run/secrets/broker-url", 0o400],
          ["/run/secrets/s3-access-key", 0o400],
          ["/run/secrets/s3-secret-key", 0o400],
        ],
      );
    }
    assert.deepEqual(spec("backend").args, [
      "gunicorn",
      "--workers",
      "2",
      "--threads",
      "4",
      "--bind",
      "0.0.0.0:8080",
      "--access-logfile",
      "-",
      "image_api.web:app",
    ]);
    assert.deepEqual(spec("worker").args, [
      "celery",
      "--app",
      "image_api.worker.app",
      "worker",
      "--loglevel",
      "INFO",
    ]);
  });

  it("hands every credential over as a Swarm secret and never renders a generated password", () => {
    for (const name of [
      "backend-broker-url",
      "backend-s3-access-key",
      "backend-s3-secret-key",
      "rabbitmq-0-default-pass",
      "rabbitmq-0-erlang-cookie",
      "minio-0-root-user",
      "minio-0-root-password",
    ]) {
      assert.equal(resource(rec, TOKENS.swarmSecret, name).inputs.data, "[secret]");
    }
    const rendered = JSON.stringify(rec.resources);
    for (const generated of [
      "rabbitmq-password",
      "rabbitmq-cookie",
      "minio-user",
      "minio-password",
    ]) {
      assert.ok(!rendered.includes(`rendered-apps-${generated}`), `${generated} leaked`);
    }
    for (const pw of Object.values(resourcesOfType(rec, TOKENS.randomPassword))) {
      assert.ok(
        pw.additionalSecretOutputs.includes("result"),
        `${pw.name} is stored in plain text`,
      );
    }
  });

  it("creates the bucket with a run-to-completion container before any backend or worker starts", () => {
    const init = resource(rec, CONTAINER, "bucket-init");
    assert.equal(init.inputs.attach, true);
    assert.equal(init.inputs.mustRun, false);
    // Its secrets are copied in before it starts, which a read-only root refuses: the reason
    // is on the container.
    assert.equal(init.inputs.readOnly, false);
    assert.deepEqual(
      (init.inputs.labels as { label: string; value: string }[]).find(
        (l: { label: string }) =>
          l.label === "policy.homeport.dev/exempt.workload-read-only-root-filesystem",
      ),
      {
        label: "policy.homeport.dev/exempt.workload-read-only-root-filesystem",
        value:
          "Docker copies the job's files and secrets into its container before it starts, which a read-only root refuses",
      },
    );
    // Its own network, and MinIO's: the job talks to S3 only, never to the broker.
    assert.deepEqual(init.inputs.networksAdvanced, [
      { name: "t-flow-bucket-init", aliases: ["bucket-init"] },
      { name: "t-flow-minio" },
    ]);
    assert.deepEqual(init.inputs.envs, [
      "AWS_ACCESS_KEY_ID_FILE=/run/secrets/s3-access-key",
      "AWS_REGION_NAME=us-east-1",
      "AWS_SECRET_ACCESS_KEY_FILE=/run/secrets/s3-secret-key",
      "CELERY_BROKER_URL_FILE=/run/secrets/broker-url",
      "S3_BUCKET_NAME=images",
      "S3_ENDPOINT_URL=http://minio-0:9000",
    ]);
    const uploads = init.inputs.uploads as Inputs[];
    assert.deepEqual(
      uploads.map((u) => [u.file, u.content, u.permissions]),
      [
        // Root-owned, readable by the job's non-root user (see job-spec.ts).
        ["/run/secrets/broker-url", "[secret]", "0444"],
        ["/run/secrets/s3-access-key", "[secret]", "0444"],
        ["/run/secrets/s3-secret-key", "[secret]", "0444"],
      ],
    );
    const entrypoint = init.inputs.entrypoints as string[];
    assert.deepEqual(entrypoint.slice(3, 5), ["sh", "python"]);
    assert.match(entrypoint[6], /bucket\.create\(\)/);
    // It waits for every MinIO server, and the backend and worker wait for it.
    for (const member of ["minio-0", "minio-1", "minio-2", "minio-3"])
      assert.ok(init.dependsOn.includes(urn(SERVICE, member)), `bucket-init waits for ${member}`);
    for (const name of ["backend", "worker"]) {
      const deps = resource(rec, SERVICE, name).dependsOn;
      assert.ok(deps.includes(init.urn), `${name} starts after bucket-init`);
      assert.ok(deps.includes(urn(SERVICE, "rabbitmq-0")), `${name} starts after the broker`);
    }
    assert.ok(!resource(rec, SERVICE, "frontend").dependsOn.includes(init.urn));
  });

  it("starts the backend and worker after every broker member, with the broker URL a secret", () => {
    assert.equal(resource(rec, TOKENS.swarmSecret, "worker-broker-url").inputs.data, "[secret]");
    for (const name of ["backend", "worker"])
      for (const member of ["rabbitmq-0", "rabbitmq-1", "rabbitmq-2"])
        assert.ok(resource(rec, SERVICE, name).dependsOn.includes(urn(SERVICE, member)));
  });

  it("scales the stateless tiers from homeport:sizes and spreads them across nodes", () => {
    const replicas = (name: string) => service(name).mode.replicated.replicas;
    assert.equal(replicas("frontend"), 2);
    assert.equal(replicas("backend"), 3);
    assert.equal(replicas("worker"), 4);
    for (const name of ["frontend", "backend", "worker"]) {
      assert.deepEqual(service(name).taskSpec.placement.prefs, [
        "spread=node.labels.homeport.zone",
      ]);
      assert.equal(service(name).updateConfig.order, "start-first");
    }
  });

  it("health-checks every workload from inside its container", () => {
    assert.deepEqual(spec("backend").healthcheck.tests, [
      "CMD",
      "python",
      "-c",
      'import urllib.request; urllib.request.urlopen("http://127.0.0.1:8080/health", timeout=4)',
    ]);
    assert.deepEqual(spec("frontend").healthcheck.tests, [
      "CMD",
      "wget",
      "-q",
      "-O",
      "/dev/null",
      "http://127.0.0.1:3000/",
    ]);
    // Swarm replaces a task whose check fails: the worker's one check is its local liveness
    // check, never Celery's ping through the broker.
    assert.deepEqual(spec("worker").healthcheck.tests, [
      "CMD",
      "python",
      "-c",
      'import sys; state = open("/proc/1/stat").read().rsplit(")", 1)[1].split()[0]; sys.exit(state in "ZTt")',
    ]);
    assert.deepEqual(spec("worker").readOnly, true);
  });

  it("runs cluster members without a health check, each under its own member host name", () => {
    // Swarm's DNS has a task only once it is healthy, and members look each other up by name
    // while they start: a health check would keep every member from finding the others.
    const exemption = "policy.homeport.dev/exempt.workload-require-health-check";
    for (const [name, host] of [
      ...[0, 1, 2].map((i) => [`rabbitmq-${i}`, `tasks.t-rabbitmq-${i}`]),
      ...[0, 1, 2, 3].map((i) => [`minio-${i}`, `tasks.t-minio-${i}`]),
    ]) {
      assert.equal(spec(name).healthcheck, undefined, name);
      assert.equal(spec(name).hostname, host, name);
      assert.equal(
        labels(service(name))[exemption],
        "a cluster member must be in Swarm's DNS while it starts, and Swarm adds a task with a health check only once it is healthy",
        name,
      );
    }
    assert.equal(spec("backend").hostname, undefined);
    assert.equal(labels(service("backend"))[exemption], undefined);
  });

  it("routes the frontend and the API on hosts of their own, and tells the SPA where the API is", () => {
    const front = labels(service("frontend"));
    assert.equal(front["traefik.http.routers.frontend.rule"], "Host(`app.home.example.org`)");
    assert.equal(front["traefik.http.services.frontend.loadbalancer.server.port"], "3000");
    const api = labels(service("backend"));
    assert.equal(api["traefik.http.routers.backend.rule"], "Host(`api.home.example.org`)");
    assert.equal(api["traefik.http.routers.backend.tls.certresolver"], "acme");
    assert.equal(api["traefik.http.services.backend.loadbalancer.server.port"], "8080");
    assert.equal(labels(service("worker"))["traefik.enable"], undefined);
    assert.equal(
      configText("frontend-config"),
      '{\n  "endpoint": "https://api.home.example.org/"\n}\n',
    );
    assert.deepEqual(
      spec("frontend").configs.map((c: Inputs) => c.fileName),
      ["/app/dist/config.json"],
    );
    assert.deepEqual(urls, {
      frontend: "https://app.home.example.org/",
      api: "https://api.home.example.org/",
    });
  });

  it("forms a three-member RabbitMQ cluster from the members' task names, with quorum queues", () => {
    for (const i of [0, 1, 2]) {
      const env = spec(`rabbitmq-${i}`).env;
      assert.equal(env.RABBITMQ_NODENAME, `rabbit@tasks.t-rabbitmq-${i}`);
      assert.equal(env.RABBITMQ_USE_LONGNAME, "true");
      assert.equal(env.RABBITMQ_DEFAULT_USER, "homeport");
      assert.equal(env.RABBITMQ_DEFAULT_PASS_FILE, "/run/secrets/default-pass");
      assert.deepEqual(service(`rabbitmq-${i}`).mode, { replicated: { replicas: 1 } });
      assert.equal(labels(service(`rabbitmq-${i}`))["homeport.dev/state"], "stateful");
      // Not pinned unless homeport:apps.nodes says where each member's volume lives.
      assert.equal(service(`rabbitmq-${i}`).taskSpec.placement.constraints, undefined);
    }
    const conf = configText("rabbitmq-0-conf");
    assert.ok(conf.includes("cluster_formation.peer_discovery_backend = classic_config\n"));
    assert.ok(
      conf.includes(
        "cluster_formation.classic_config.nodes.1 = rabbit@tasks.t-rabbitmq-0\n" +
          "cluster_formation.classic_config.nodes.2 = rabbit@tasks.t-rabbitmq-1\n" +
          "cluster_formation.classic_config.nodes.3 = rabbit@tasks.t-rabbitmq-2\n",
      ),
    );
    assert.ok(conf.includes("default_queue_type = quorum\n"));
    const mounts = spec("rabbitmq-1").mounts as Inputs[];
    assert.deepEqual(
      mounts.map((m) => [m.type, m.source, m.target]),
      [["volume", "t-rabbitmq-1-data", "/var/lib/rabbitmq"]],
    );
  });

  it("distributes MinIO over four servers, one drive each, named by their task names", () => {
    const command = spec("minio-2").commands as string[];
    assert.deepEqual(command.slice(4), [
      "minio",
      "server",
      "http://tasks.t-minio-0:9000/data",
      "http://tasks.t-minio-1:9000/data",
      "http://tasks.t-minio-2:9000/data",
      "http://tasks.t-minio-3:9000/data",
      "--address",
      ":9000",
      "--console-address",
      ":9001",
    ]);
    assert.deepEqual(spec("minio-2").env, {
      HOME: "/tmp",
      MINIO_ROOT_USER_FILE: "/run/secrets/root-user",
      MINIO_ROOT_PASSWORD_FILE: "/run/secrets/root-password",
    });
  });
});
