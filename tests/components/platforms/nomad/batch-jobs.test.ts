import assert from "node:assert/strict";
import * as http from "node:http";
import { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { parseStackConfig } from "../../../../components/config/load";
import { resolveWorkload } from "../../../../components/model/resolve";
import { nomadJobspec } from "../../../../components/platforms/nomad/jobspec";
import { awaitCompletion } from "../../../../components/platforms/nomad/nomad-job";

const settings = parseStackConfig({
  "homeport:target": "nomad",
  "homeport:domain": "lab.example.net",
}).nomad;

describe("Nomad jobspec for run-to-completion jobs", () => {
  const job = resolveWorkload("bucket-init", "apps", {
    image: "app:1.0.0",
    command: ["python", "-c", "print(1)"],
    scheduling: { mode: "job" },
  });
  const spec = nomadJobspec(job, {
    jobId: "bucket-init",
    settings,
    storageBackend: "local",
    env: {},
    files: {},
    tags: {},
  });
  const group = (spec.TaskGroups as Record<string, unknown>[])[0];

  it("is a batch job of one allocation, without update, canary or migration", () => {
    assert.equal(spec.Type, "batch");
    assert.equal(spec.Update, undefined);
    assert.equal(group.Count, 1);
    assert.equal(group.Migrate, undefined);
  });

  it("is not rescheduled once failed, so the failure is reported at once", () => {
    assert.deepEqual(group.ReschedulePolicy, { Attempts: 0, Unlimited: false });
  });

  it("records its scheduling mode for the policies", () => {
    assert.equal((spec.Meta as Record<string, string>).homeport_dev_scheduling, "job");
  });
});

describe("Nomad templates for secrets with plain prefixes and suffixes", () => {
  const w = resolveWorkload("backend", "apps", {
    image: "app:1.0.0",
    secrets: [
      { name: "broker-url", env: "CELERY_BROKER_URL", value: "pw", prefix: "amqp://u:" },
      { name: "token", env: "TOKEN", value: "t" },
      { name: "dsn", path: "/run/secrets/dsn", value: "pw", prefix: "db://u:", suffix: "@db" },
    ],
  });
  const spec = nomadJobspec(w, {
    jobId: "backend",
    settings,
    storageBackend: "local",
    env: {},
    files: {},
    tags: {},
    secretAffixes: {
      "broker-url": {
        prefix: "amqp://u:",
        suffix: '@{{ range nomadService "mq" }}{{ .Address }}{{ end }}//',
      },
      token: { prefix: "", suffix: "" },
      dsn: { prefix: "db://u:", suffix: "@db" },
    },
  });
  const templates = (
    (spec.TaskGroups as Record<string, unknown>[])[0].Tasks as Record<string, unknown>[]
  )[0].Templates as Record<string, unknown>[];

  it("assembles the variable around the secret item, so addresses resolve at task start", () => {
    assert.equal(
      templates.find((t) => t.DestPath === "secrets/env.env")?.EmbeddedTmpl,
      [
        '{{ with nomadVar "nomad/jobs/backend" }}',
        'CELERY_BROKER_URL=amqp://u:{{ .broker_url }}@{{ range nomadService "mq" }}{{ .Address }}{{ end }}//',
        "TOKEN={{ .token | toJSON }}",
        "{{ end }}",
        "",
      ].join("\n"),
    );
    assert.equal(
      templates.find((t) => t.DestPath === "secrets/dsn")?.EmbeddedTmpl,
      '{{ with nomadVar "nomad/jobs/backend" }}db://u:{{ .dsn }}@db{{ end }}',
    );
  });
});

/** A stand-in for Nomad's job and allocation endpoints, answering from a script of states. */
describe("awaiting a batch job", () => {
  let server: http.Server;
  let address: string;
  let allocations: unknown[][] = [];
  let polls = 0;
  let evaluations: unknown[] = [];

  before(async () => {
    server = http.createServer((req, res) => {
      const path = new URL(req.url ?? "/", "http://x").pathname;
      res.writeHead(200, { "Content-Type": "application/json" });
      if (path === "/v1/job/init") {
        res.end(JSON.stringify({ ID: "init", Version: 2, TaskGroups: [{ Count: 1 }] }));
      } else if (path === "/v1/job/init/evaluations") {
        res.end(JSON.stringify(evaluations));
      } else if (path === "/v1/job/init/allocations") {
        res.end(JSON.stringify(allocations[Math.min(polls, allocations.length - 1)]));
        polls += 1;
      } else {
        res.writeHead(404);
        res.end("{}");
      }
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    address = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => server.close());

  const script = (states: unknown[][]) => {
    allocations = states;
    polls = 0;
  };

  it("returns once the current version's allocation has completed, ignoring older versions", async () => {
    script([
      [{ ID: "old", JobVersion: 1, ClientStatus: "failed" }],
      [
        { ID: "old", JobVersion: 1, ClientStatus: "failed" },
        { ID: "a1", JobVersion: 2, ClientStatus: "running" },
      ],
      [{ ID: "a1", JobVersion: 2, ClientStatus: "complete" }],
    ]);
    assert.equal(await awaitCompletion({ address }, "init", 5000, 5), "complete");
    assert.equal(polls, 3);
  });

  it("fails as soon as an allocation of the current version has failed", async () => {
    script([
      [{ ID: "a1", JobVersion: 2, ClientStatus: "pending" }],
      [{ ID: "a1", JobVersion: 2, ClientStatus: "failed" }],
    ]);
    await assert.rejects(awaitCompletion({ address }, "init", 5000, 5), {
      name: "NomadApiError",
      message: 'Job "init" failed (allocation a1 is failed); see: nomad alloc logs a1',
    });
  });

  it("says why Nomad cannot place the job when it gives up", async () => {
    script([[]]);
    evaluations = [
      { Status: "complete", FailedTGAllocs: null },
      {
        Status: "blocked",
        FailedTGAllocs: {
          init: {
            ConstraintFiltered: { "${attr.plugins.cni.version.bridge} semver >= 0.4.0": 1 },
            DimensionExhausted: { memory: 2 },
          },
        },
      },
    ];
    await assert.rejects(awaitCompletion({ address }, "init", 30, 5), {
      name: "NomadApiError",
      message:
        'Job "init" did not complete in time (0 of 1 allocations complete); Nomad cannot place it: group init: 1 node(s) fail ${attr.plugins.cni.version.bridge} semver >= 0.4.0; group init: 2 node(s) short of memory.',
    });
    evaluations = [];
  });

  it("gives up after its deadline", async () => {
    script([[{ ID: "a1", JobVersion: 2, ClientStatus: "running" }]]);
    await assert.rejects(awaitCompletion({ address }, "init", 30, 5), {
      name: "NomadApiError",
      message: 'Job "init" did not complete in time (0 of 1 allocations complete).',
    });
  });
});
