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

const JOB = TOKENS.nomadJob;
const VARIABLE = TOKENS.nomadVariable;
let rec: Recorder;

before(async () => {
  rec = await startRecorder("test");
  const { NomadPlatform } = await import("../../../components/platforms/nomad/nomad-platform");
  const { AppTier } = await import("../../../components/apps/app-tier");
  const { appTierArgs } = await import("../../../components/stack-args");
  const config = stackConfig(
    {
      target: "nomad",
      environment: "production",
      domain: "lab.example.net",
      parts: ["apps"],
      sizes: { rabbitmq: 3, frontend: 3 },
      nomad: { address: "http://nomad.lab.example.net:4646" },
      apps: {
        s3: {
          endpoint: "https://s3.lab.example.net",
          accessKeyId: "homeport-photos",
          secretAccessKey: "external-s3-key",
        },
      },
    },
    ["apps"],
  );
  const parent = await testParent();
  const platform = new NomadPlatform("nomad", { config, routing: {} }, { parent });
  new AppTier("apps", { ...appTierArgs(config), platform }, { parent });
  await rec.settle();
});

type Inputs = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const jobspec = (name: string): Inputs =>
  JSON.parse(resource(rec, JOB, name).inputs.jobspec as string);
const task = (name: string): Inputs => jobspec(name).TaskGroups[0].Tasks[0];
const template = (name: string, dest: string): string =>
  (task(name).Templates as Inputs[]).find((t) => t.DestPath === dest)?.EmbeddedTmpl;

describe("AppTier on Nomad (production, external S3)", () => {
  it("uses the external S3 instead of deploying MinIO, and runs one broker", () => {
    assert.deepEqual(Object.keys(resourcesOfType(rec, JOB)).sort(), [
      "backend",
      "bucket-init",
      "frontend",
      "rabbitmq",
      "worker",
    ]);
    assert.equal(jobspec("rabbitmq").TaskGroups[0].Count, 1);
  });

  it("wires the app through the job's variable: secrets stay out of the jobspec", () => {
    for (const name of ["backend", "worker", "bucket-init"]) {
      assert.deepEqual(task(name).Env, {
        AWS_REGION_NAME: "us-east-1",
        S3_BUCKET_NAME: "images",
        S3_ENDPOINT_URL: "https://s3.lab.example.net",
        // The API drains before gunicorn stops (apps/entrypoint/docker-entrypoint.sh).
        ...(name === "backend" ? { SHUTDOWN_DELAY_SECONDS: "10" } : {}),
      });
      assert.equal(
        template(name, "secrets/env.env"),
        [
          `{{ with nomadVar "nomad/jobs/${name}" }}`,
          'CELERY_BROKER_URL=amqp://homeport:{{ .broker_url }}@{{ with nomadService "rabbitmq" }}{{ with index . 0 }}{{ .Address }}:{{ .Port }}{{ end }}{{ end }}//',
          "AWS_ACCESS_KEY_ID={{ .s3_access_key | toJSON }}",
          "AWS_SECRET_ACCESS_KEY={{ .s3_secret_key | toJSON }}",
          "{{ end }}",
          "",
        ].join("\n"),
      );
      assert.equal(resource(rec, VARIABLE, `${name}-secrets`).inputs.items, "[secret]");
    }
    const rendered = JSON.stringify(rec.resources);
    assert.ok(!rendered.includes("external-s3-key"), "the S3 key leaked");
    assert.ok(!rendered.includes("homeport-photos"), "the S3 access key id leaked");
    assert.ok(!rendered.includes("rendered-apps-"), "a generated password leaked");
  });

  it("runs the bucket step as a batch job that is awaited before the backend and worker", () => {
    const init = resource(rec, JOB, "bucket-init");
    assert.equal(jobspec("bucket-init").Type, "batch");
    assert.equal(jobspec("bucket-init").Update, undefined);
    assert.deepEqual(jobspec("bucket-init").TaskGroups[0].ReschedulePolicy, {
      Attempts: 0,
      Unlimited: false,
    });
    assert.equal(init.inputs.detach, false);
    for (const name of ["backend", "worker"]) {
      const deps = resource(rec, JOB, name).dependsOn;
      assert.ok(deps.includes(init.urn), `${name} waits for the bucket job`);
      assert.ok(deps.includes(resource(rec, JOB, "rabbitmq").urn));
      assert.equal(jobspec(name).Type, "service");
    }
  });

  it("scales and spreads the stateless tiers", () => {
    assert.equal(jobspec("frontend").TaskGroups[0].Count, 3);
    assert.equal(jobspec("backend").TaskGroups[0].Count, 2);
    assert.equal(jobspec("worker").TaskGroups[0].Count, 2);
    for (const name of ["frontend", "backend", "worker"])
      assert.deepEqual(jobspec(name).Spreads, [{ Attribute: "${node.unique.id}", Weight: 100 }]);
  });

  it("checks the backend on /health, the frontend on / and the broker's AMQP port", () => {
    const check = (name: string) => jobspec(name).TaskGroups[0].Services[0].Checks[0];
    assert.equal(check("backend").Type, "http");
    assert.equal(check("backend").Path, "/health");
    assert.equal(check("frontend").Path, "/");
    // Nomad's catalogue cannot run rabbitmq-diagnostics: it checks the AMQP port instead.
    assert.deepEqual(check("rabbitmq"), {
      Name: "rabbitmq-health",
      Type: "tcp",
      PortLabel: "amqp",
      Interval: 30e9,
      Timeout: 20e9,
    });
    assert.equal(jobspec("rabbitmq").Update.HealthCheck, "checks");
  });

  it("records why the worker has no check and the broker one member, as visible exemptions", () => {
    assert.equal(jobspec("worker").TaskGroups[0].Services, undefined);
    const meta = (name: string) => jobspec(name).Meta as Record<string, string>;
    const reason =
      "a Celery worker listens on no port and Nomad's built-in service catalogue runs only HTTP and TCP checks; Nomad restarts a worker whose process exits";
    assert.equal(meta("worker").policy_homeport_dev_exempt_workload_require_health_check, reason);
    assert.equal(meta("worker").policy_homeport_dev_exempt_workload_require_readiness, reason);
    assert.equal(
      meta("rabbitmq").policy_homeport_dev_exempt_stack_quorum_odd_members,
      "Nomad's built-in service discovery has no DNS names for cluster peers, so RabbitMQ runs one member on Nomad",
    );
    assert.equal(
      meta("backend").policy_homeport_dev_exempt_workload_require_health_check,
      undefined,
    );
  });

  it("routes the frontend and API through Traefik tags on their own hosts", () => {
    const tags = (name: string) => jobspec(name).TaskGroups[0].Services[0].Tags as string[];
    assert.ok(
      tags("frontend").includes("traefik.http.routers.frontend.rule=Host(`app.lab.example.net`)"),
    );
    assert.ok(
      tags("backend").includes("traefik.http.routers.backend.rule=Host(`api.lab.example.net`)"),
    );
    assert.equal(
      template("frontend", "local/config"),
      '{\n  "endpoint": "https://api.lab.example.net/"\n}\n',
    );
  });
});
