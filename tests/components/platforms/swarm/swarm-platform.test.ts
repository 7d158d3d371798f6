import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import {
  Recorder,
  resource,
  resourcesOfType,
  stackConfig,
  startRecorder,
  testParent,
} from "../../../helpers/harness";
import { dbWorkload, exporterWorkload, webWorkload } from "../../../helpers/workloads";
import { TOKENS } from "../../../helpers/types";

const SERVICE = TOKENS.swarmService;
let rec: Recorder;

before(async () => {
  rec = await startRecorder("test");
  const { SwarmPlatform } = await import("../../../../components/platforms/swarm/swarm-platform");
  const config = stackConfig({
    target: "swarm",
    domain: "home.example.org",
    parts: [],
    storage: { backend: "nfs", nfs: { server: "nas.lan", path: "/export/homeport" } },
  });
  const parent = await testParent();
  const platform = new SwarmPlatform(
    "swarm",
    { config, routing: { certResolver: "acme" }, namePrefix: "t-" },
    { parent },
  );
  platform.deploy(
    "web",
    "apps",
    { ...webWorkload, flows: [{ kind: "workload", to: "db", ports: [5432] }] },
    { parent },
  );
  platform.deploy("db", "apps", dbWorkload, { parent });
  platform.deploy("exporter", "monitoring", exporterWorkload, { parent });
  // The proxy and the scraper join the networks of what they reach once every workload is known.
  const wide = { image: "registry.example/wide:1.0.0", ports: [{ name: "http", port: 9090 }] };
  platform.deploy("proxy", "proxy", { ...wide, flows: [{ kind: "routes" }] }, { parent });
  platform.deploy("scraper", "monitoring", { ...wide, flows: [{ kind: "metrics" }] }, { parent });
  platform.complete();
  await rec.settle();
});

type Inputs = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const labels = (svc: Inputs): Record<string, unknown> =>
  Object.fromEntries(
    (svc.labels as { label: string; value: unknown }[]).map((l) => [l.label, l.value]),
  );

describe("Swarm adapter", () => {
  it("creates one overlay network per flow group, labelled with the group and the stack", () => {
    const nets = resourcesOfType(rec, TOKENS.swarmNetwork);
    assert.deepEqual(Object.keys(nets).sort(), [
      "swarm-flow-db",
      "swarm-flow-exporter",
      "swarm-flow-proxy",
      "swarm-flow-scraper",
      "swarm-flow-web",
    ]);
    const db = nets["swarm-flow-db"].inputs;
    assert.equal(db.name, "t-flow-db");
    assert.equal(db.driver, "overlay");
    assert.equal(db.attachable, true);
    assert.deepEqual(db.labels, [
      { label: "homeport.dev/flow-group", value: "db" },
      { label: "homeport.dev/stack", value: "test" },
    ]);
  });

  it("joins a workload to its own network (answering to its name) and its flows' networks only", () => {
    const networks = (service: string) =>
      (resource(rec, SERVICE, service).inputs as Inputs).taskSpec.networksAdvanceds;
    const id = (group: string) => `swarm-flow-${group}-id`;
    assert.deepEqual(networks("web"), [{ id: id("web"), aliases: ["web"] }, { id: id("db") }]);
    assert.deepEqual(networks("db"), [{ id: id("db"), aliases: ["db"] }]);
    assert.deepEqual(networks("exporter"), [{ id: id("exporter"), aliases: ["exporter"] }]);
    // The proxy reaches the routed web, the scraper the web's metrics port: never the database.
    assert.deepEqual(networks("proxy"), [
      { id: id("proxy"), aliases: ["proxy"] },
      { id: id("web") },
    ]);
    assert.deepEqual(networks("scraper"), [
      { id: id("scraper"), aliases: ["scraper"] },
      { id: id("web") },
    ]);
    assert.equal(
      labels(resource(rec, SERVICE, "db").inputs as Inputs)["homeport.dev/flow-group"],
      "db",
    );
  });

  it("runs the replicated workload with its replicas, health check, resources and update strategy", () => {
    const svc = resource(rec, SERVICE, "web").inputs as Inputs;
    assert.equal(svc.name, "t-web");
    assert.deepEqual(svc.mode, { replicated: { replicas: 3 } });
    const spec = svc.taskSpec.containerSpec;
    assert.equal(spec.image, "registry.example/web:1.4.2");
    assert.deepEqual(spec.args, ["--port", "8080"]);
    assert.deepEqual(spec.healthcheck, {
      tests: ["CMD", "curl", "-fsS", "-o", "/dev/null", "http://127.0.0.1:8080/health"],
      interval: "15s",
      timeout: "3s",
      retries: 4,
      startPeriod: "20s",
    });
    assert.deepEqual(svc.taskSpec.resources, {
      reservation: { nanoCpus: 250_000_000, memoryBytes: 128 * 1024 ** 2 },
      limits: { nanoCpus: 1_000_000_000, memoryBytes: 512 * 1024 ** 2 },
    });
    assert.deepEqual(svc.updateConfig, {
      parallelism: 1,
      delay: "5s",
      monitor: "10s",
      failureAction: "rollback",
      maxFailureRatio: "0",
      order: "start-first",
    });
    assert.deepEqual(svc.taskSpec.restartPolicy, {
      condition: "any",
      delay: "5s",
      maxAttempts: 5,
      window: "2m",
    });
    assert.deepEqual(svc.taskSpec.placement, { prefs: ["spread=node.labels.homeport.zone"] });
    assert.deepEqual(spec.capDrops, ["ALL"]);
    assert.deepEqual(svc.convergeConfig, { delay: "5s", timeout: "5m" });
  });

  it("delivers secrets as Swarm secrets, never as environment text", () => {
    const svc = resource(rec, SERVICE, "web").inputs as Inputs;
    const spec = svc.taskSpec.containerSpec;
    assert.deepEqual(spec.env, { LOG_LEVEL: "info", API_KEY_FILE: "/run/secrets/api-key" });
    assert.equal(spec.secrets.length, 1);
    assert.equal(spec.secrets[0].fileName, "/run/secrets/api-key");
    assert.equal(spec.secrets[0].fileMode, 0o400);
    const secret = resource(rec, TOKENS.swarmSecret, "web-api-key").inputs;
    assert.equal(secret.data, "[secret]");
    assert.ok(
      !JSON.stringify(rec.resources).includes("s3cr3t-value"),
      "the secret value leaked into inputs",
    );
  });

  it("mounts files as Swarm configs and shared volumes from the NFS backend", () => {
    const svc = resource(rec, SERVICE, "web").inputs as Inputs;
    const spec = svc.taskSpec.containerSpec;
    assert.deepEqual(
      spec.configs.map((c: Inputs) => [c.fileName, c.fileMode]),
      [["/etc/web/settings.json", 0o444]],
    );
    const config = resource(rec, TOKENS.swarmConfig, "web-settings").inputs;
    assert.equal(config.data, Buffer.from('{"mode":"prod"}').toString("base64"));
    const nfs = {
      type: "nfs",
      o: "addr=nas.lan,nfsvers=4.1,rw,noatime",
      device: ":/export/homeport/media",
    };
    assert.deepEqual(spec.mounts, [
      {
        type: "volume",
        source: "t-media",
        target: "/data",
        readOnly: false,
        volumeOptions: { driverName: "local", driverOptions: nfs },
      },
      { type: "tmpfs", target: "/tmp", tmpfsOptions: { sizeBytes: 64 * 1024 ** 2 } },
    ]);
    const volume = resource(rec, TOKENS.swarmVolume, "shared-media").inputs;
    assert.deepEqual(volume.driverOpts, nfs);
  });

  it("routes through Traefik's Swarm provider with TLS and the auth middleware", () => {
    const l = labels(resource(rec, SERVICE, "web").inputs as Inputs);
    assert.equal(l["traefik.enable"], "true");
    assert.equal(l["traefik.swarm.network"], "t-flow-web");
    assert.equal(l["traefik.http.routers.web.rule"], "Host(`web.home.example.org`)");
    assert.equal(l["traefik.http.routers.web.entrypoints"], "websecure");
    assert.equal(l["traefik.http.routers.web.tls.certresolver"], "acme");
    assert.equal(l["traefik.http.routers.web.middlewares"], "web-retry,web-basic-auth");
    assert.equal(l["traefik.http.middlewares.web-retry.retry.attempts"], "3");
    assert.equal(l["traefik.http.services.web.loadbalancer.healthcheck.path"], "/health");
    assert.equal(l["traefik.http.services.web.loadbalancer.healthcheck.interval"], "2s");
    assert.equal(l["traefik.http.services.web.loadbalancer.healthcheck.timeout"], "1s");
    assert.equal(l["traefik.http.services.web.loadbalancer.healthcheck.port"], undefined);
    assert.equal(l["traefik.http.middlewares.web-basic-auth.basicauth.users"], "admin:$2y$05$hash");
    assert.equal(l["traefik.http.services.web.loadbalancer.server.port"], "8080");
    assert.equal(l["homeport.dev/metrics-port"], "8080");
  });

  it("keeps the singleton database on one replica, stop-first, with its reason as an exemption", () => {
    const svc = resource(rec, SERVICE, "db").inputs as Inputs;
    assert.deepEqual(svc.mode, { replicated: { replicas: 1 } });
    assert.equal(svc.updateConfig.order, "stop-first");
    const l = labels(svc);
    assert.equal(l["homeport.dev/state"], "stateful");
    assert.equal(l["policy.homeport.dev/exempt.workload-min-replicas"], "single-writer database");
    assert.equal(svc.taskSpec.containerSpec.user, "999:999");
    assert.deepEqual(svc.taskSpec.containerSpec.healthcheck.tests, [
      "CMD",
      "nc",
      "-z",
      "127.0.0.1",
      "5432",
    ]);
    const volume = resource(rec, TOKENS.swarmVolume, "db-data").inputs;
    assert.equal(volume.name, "t-db-data");
  });

  it("runs the exporter globally with its host path read-only", () => {
    const svc = resource(rec, SERVICE, "exporter").inputs as Inputs;
    assert.deepEqual(svc.mode, { global: true });
    assert.deepEqual(svc.taskSpec.containerSpec.mounts, [
      { type: "bind", source: "/proc", target: "/host/proc", readOnly: true },
    ]);
    assert.equal(svc.taskSpec.placement.prefs, undefined);
    assert.equal(
      svc.convergeConfig,
      undefined,
      "the provider rejects a convergence wait on a global service",
    );
    assert.equal(
      labels(svc)["policy.homeport.dev/exempt.workload-no-sensitive-host-paths"],
      "reads host metrics from /proc",
    );
  });
});
