import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import {
  Recorder,
  resource,
  stackConfig,
  startRecorder,
  testParent,
} from "../../../helpers/harness";
import { dbWorkload, exporterWorkload, webWorkload } from "../../../helpers/workloads";
import { TOKENS } from "../../../helpers/types";

type Inputs = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const JOB = TOKENS.nomadJob;
let rec: Recorder;
let rabbitAddress: string;

before(async () => {
  rec = await startRecorder("test");
  const { NomadPlatform } = await import("../../../../components/platforms/nomad/nomad-platform");
  const config = stackConfig({
    target: "nomad",
    domain: "home.example.org",
    parts: [],
    nomad: {
      address: "http://nomad.lan:4646",
      namespace: "homeport",
      datacenters: ["lab"],
      cpuMhzPerCore: 2000,
    },
  });
  const parent = await testParent();
  const platform = new NomadPlatform(
    "nomad",
    { config, routing: { certResolver: "acme" } },
    { parent },
  );
  const db = platform.deploy("db", "apps", dbWorkload, { parent });
  await new Promise<void>((resolve) =>
    db.address("sql").apply((a) => {
      rabbitAddress = a;
      resolve();
    }),
  );
  platform.deploy(
    "web",
    "apps",
    { ...webWorkload, env: { ...webWorkload.env, DB_ADDR: db.address("sql") } },
    { parent },
  );
  platform.deploy("exporter", "monitoring", exporterWorkload, { parent });
  await rec.settle();
});

const jobspec = (name: string): Inputs =>
  JSON.parse(resource(rec, JOB, name).inputs.jobspec as string);

describe("Nomad adapter", () => {
  it("registers one job per workload at the configured address and namespace", () => {
    const job = resource(rec, JOB, "web").inputs as Inputs;
    assert.equal(job.address, "http://nomad.lan:4646");
    assert.equal(job.namespace, "homeport");
    assert.equal(job.region, "global");
    assert.equal(job.purgeOnDestroy, true);
    assert.equal(job.__provider, "[dynamic provider]");
    const spec = jobspec("web");
    assert.equal(spec.ID, "web");
    assert.equal(spec.Type, "service");
    assert.deepEqual(spec.Datacenters, ["lab"]);
  });

  it("runs the replicated workload with count, checks, resources, spread and a canary rollout with auto-revert", () => {
    const spec = jobspec("web");
    const group = spec.TaskGroups[0];
    assert.equal(group.Count, 3);
    assert.deepEqual(group.Services[0].Checks, [
      {
        Name: "web-health",
        Type: "http",
        Path: "/health",
        PortLabel: "http",
        Interval: 15_000_000_000,
        Timeout: 3_000_000_000,
      },
    ]);
    assert.deepEqual(group.Tasks[0].Resources, { CPU: 500, MemoryMB: 128, MemoryMaxMB: 512 });
    assert.deepEqual(spec.Spreads, [{ Attribute: "${node.unique.id}", Weight: 100 }]);
    assert.deepEqual(spec.Update, {
      MaxParallel: 1,
      HealthCheck: "checks",
      MinHealthyTime: 10_000_000_000,
      HealthyDeadline: 300_000_000_000,
      ProgressDeadline: 600_000_000_000,
      AutoRevert: true,
      Stagger: 5_000_000_000,
      Canary: 1,
      AutoPromote: true,
    });
    assert.deepEqual(group.RestartPolicy, {
      Attempts: 5,
      Interval: 120_000_000_000,
      Delay: 5_000_000_000,
      Mode: "fail",
    });
    assert.deepEqual(group.Tasks[0].Config.cap_drop, ["all"]);
  });

  it("keeps secrets out of the jobspec: a Nomad variable feeds an env template", () => {
    const spec = jobspec("web");
    const task = spec.TaskGroups[0].Tasks[0];
    assert.deepEqual(task.Env, { LOG_LEVEL: "info" });
    assert.deepEqual(task.Templates[0], {
      EmbeddedTmpl: `{{ with nomadVar "nomad/jobs/web" }}\nAPI_KEY={{ .api_key | toJSON }}\n{{ end }}\nDB_ADDR=${rabbitAddress}\n`,
      DestPath: "secrets/env.env",
      Envvars: true,
      ChangeMode: "restart",
    });
    const variable = resource(rec, TOKENS.nomadVariable, "web-secrets").inputs as Inputs;
    assert.equal(variable.path, "nomad/jobs/web");
    assert.equal(variable.items, "[secret]");
    assert.ok(!JSON.stringify(rec.resources).includes("s3cr3t-value"));
  });

  it("resolves other workloads' addresses through Nomad's service catalogue", () => {
    assert.equal(
      rabbitAddress,
      '{{ with nomadService "db" }}{{ with index . 0 }}{{ .Address }}:{{ .Port }}{{ end }}{{ end }}',
    );
  });

  it("copies files verbatim through templates with delimiters that never occur in them", () => {
    const task = jobspec("web").TaskGroups[0].Tasks[0];
    assert.deepEqual(task.Templates[1], {
      EmbeddedTmpl: '{"mode":"prod"}',
      DestPath: "local/settings",
      ChangeMode: "restart",
      Perms: "0444",
      LeftDelim: "[[homeport-literal[[",
      RightDelim: "]]homeport-literal]]",
    });
    assert.deepEqual(task.Config.mount[0], {
      type: "bind",
      source: "local/settings",
      target: "/etc/web/settings.json",
      readonly: true,
    });
  });

  it("publishes routes as Traefik tags, and the metrics port's keys as tags, on the service", () => {
    const tags = jobspec("web").TaskGroups[0].Services[0].Tags as string[];
    assert.deepEqual(tags, [
      "traefik.enable=true",
      "traefik.http.routers.web.rule=Host(`web.home.example.org`)",
      "traefik.http.routers.web.entrypoints=websecure",
      "traefik.http.routers.web.tls=true",
      "traefik.http.routers.web.tls.certresolver=acme",
      "traefik.http.middlewares.web-basic-auth.basicauth.users=admin:$2y$05$hash",
      "traefik.http.middlewares.web-basic-auth.basicauth.removeHeader=true",
      "traefik.http.middlewares.web-retry.retry.attempts=3",
      "traefik.http.middlewares.web-retry.retry.initialInterval=100ms",
      "traefik.http.services.web.loadbalancer.healthcheck.path=/health",
      "traefik.http.services.web.loadbalancer.healthcheck.interval=2s",
      "traefik.http.services.web.loadbalancer.healthcheck.timeout=1s",
      "traefik.http.routers.web.middlewares=web-retry,web-basic-auth",
      "traefik.http.routers.web.service=web",
      // Prometheus' Nomad discovery sees tags, not meta.
      "homeport_dev_workload=web",
      "homeport_dev_part=apps",
      "homeport_dev_metrics_path=/metrics",
    ]);
  });

  it("writes model metadata and exemptions as job meta", () => {
    const spec = jobspec("db");
    assert.equal(spec.Meta.homeport_dev_state, "stateful");
    assert.equal(
      spec.Meta.policy_homeport_dev_exempt_workload_min_replicas,
      "single-writer database",
    );
    assert.equal(spec.TaskGroups[0].Count, 1);
    assert.equal(spec.Update.Canary, undefined, "a stop-first singleton gets no canary");
    assert.deepEqual(spec.TaskGroups[0].Volumes, {
      data: { Name: "data", Type: "host", Source: "db-data", ReadOnly: false },
    });
    assert.deepEqual(spec.TaskGroups[0].Services[0].Checks[0].Type, "tcp");
  });

  it("runs the exporter as a system job of high priority with a read-only host path", () => {
    const spec = jobspec("exporter");
    assert.equal(spec.Type, "system");
    // Above the default 50: the system scheduler preempts lower-priority allocations for it.
    assert.equal(spec.Priority, 90);
    assert.equal(jobspec("web").Priority, 50);
    assert.equal(spec.Spreads, undefined);
    assert.deepEqual(spec.TaskGroups[0].Tasks[0].Config.volumes, ["/proc:/host/proc:ro"]);
  });
});
