import assert from "node:assert/strict";
import * as http from "node:http";
import { AddressInfo } from "node:net";
import { after, before, beforeEach, describe, it } from "node:test";
import {
  nomadJobProvider,
  nomadVariableProvider,
} from "../../../../components/platforms/nomad/nomad-job";
import { freePort } from "../../../helpers/net";

/** A stand-in for Nomad's HTTP API that records every call and answers from a script. */
interface Call {
  method: string;
  path: string;
  query: Record<string, string>;
  token?: string;
  body?: unknown;
}
type Reply = { status: number; body?: unknown };

let server: http.Server;
let address: string;
let calls: Call[] = [];
let replies: Record<string, Reply> = {};
let closedAddress: string;

/** An address where nothing listens: a port that was free a moment ago. */
const freeAddress = async (): Promise<string> => `http://127.0.0.1:${await freePort()}`;

before(async () => {
  server = http.createServer((req, res) => {
    let raw = "";
    req.on("data", (chunk) => (raw += chunk));
    req.on("end", () => {
      const url = new URL(req.url ?? "/", "http://x");
      calls.push({
        method: req.method ?? "",
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        token: req.headers["x-nomad-token"] as string | undefined,
        body: raw ? JSON.parse(raw) : undefined,
      });
      const reply = replies[`${req.method} ${url.pathname}`] ?? {
        status: 500,
        body: "unexpected call",
      };
      res.writeHead(reply.status, { "Content-Type": "application/json" });
      res.end(typeof reply.body === "string" ? reply.body : JSON.stringify(reply.body ?? {}));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  address = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  closedAddress = await freeAddress();
});
after(() => server.close());
beforeEach(() => {
  calls = [];
  replies = {};
  process.env.NOMAD_TOKEN = "test-token";
});

const job = { ID: "web", Name: "web", Type: "service", TaskGroups: [] };
const inputs = () => ({
  jobspec: JSON.stringify(job),
  address,
  region: "global",
  namespace: "apps",
  purgeOnDestroy: true,
  detach: true,
});
const scope = { region: "global", namespace: "apps" };

describe("Nomad job resource", () => {
  it("validates, then registers the job with the token, region and namespace", async () => {
    replies = {
      "POST /v1/validate/job": { status: 200, body: { ValidationErrors: [], Error: "" } },
      "POST /v1/jobs": { status: 200, body: { EvalID: "e1", JobModifyIndex: 42 } },
    };
    const result = await nomadJobProvider.create(inputs());
    assert.deepEqual(calls, [
      {
        method: "POST",
        path: "/v1/validate/job",
        query: scope,
        token: "test-token",
        body: { Job: job },
      },
      { method: "POST", path: "/v1/jobs", query: scope, token: "test-token", body: { Job: job } },
    ]);
    assert.equal(result.id, "web");
    assert.equal(result.outs.modifyIndex, 42);
  });

  it("without detach, reads the deployment only once Nomad has evaluated the registration", async () => {
    replies = {
      "POST /v1/validate/job": { status: 200, body: { ValidationErrors: [], Error: "" } },
      "POST /v1/jobs": { status: 200, body: { EvalID: "e1", JobModifyIndex: 42 } },
      "GET /v1/evaluation/e1": { status: 200, body: { ID: "e1", Status: "complete" } },
      "GET /v1/job/web/deployment": { status: 200, body: { Status: "successful" } },
    };
    const result = await nomadJobProvider.create({ ...inputs(), detach: false });
    assert.deepEqual(
      calls.map((c) => `${c.method} ${c.path}`),
      [
        "POST /v1/validate/job",
        "POST /v1/jobs",
        "GET /v1/evaluation/e1",
        "GET /v1/job/web/deployment",
      ],
    );
    assert.equal(result.outs.deploymentStatus, "successful");
  });

  it("without detach, fails at an evaluation that failed, which no deployment follows", async () => {
    replies = {
      "POST /v1/validate/job": { status: 200, body: { ValidationErrors: [], Error: "" } },
      "POST /v1/jobs": { status: 200, body: { EvalID: "e1", JobModifyIndex: 42 } },
      "GET /v1/evaluation/e1": {
        status: 200,
        body: { ID: "e1", Status: "failed", StatusDescription: "maximum attempts reached (5)" },
      },
      "GET /v1/job/web/deployment": { status: 200, body: null },
    };
    await assert.rejects(nomadJobProvider.create({ ...inputs(), detach: false }), {
      name: "NomadApiError",
      message:
        'Nomad\'s evaluation of job "web" failed: maximum attempts reached (5); see: nomad eval status e1',
    });
    assert.deepEqual(
      calls.map((c) => `${c.method} ${c.path}`),
      ["POST /v1/validate/job", "POST /v1/jobs", "GET /v1/evaluation/e1"],
    );
  });

  it("reports no change when the plan is empty and the spec is the same", async () => {
    replies = { "POST /v1/job/web/plan": { status: 200, body: { Diff: { Type: "None" } } } };
    const diff = await nomadJobProvider.diff!("web", inputs(), inputs());
    assert.deepEqual(diff, { changes: false, replaces: [] });
    assert.deepEqual(calls, [
      {
        method: "POST",
        path: "/v1/job/web/plan",
        query: scope,
        token: "test-token",
        body: { Job: job, Diff: true },
      },
    ]);
  });

  it("sees a job changed behind Pulumi's back through the plan", async () => {
    replies = {
      "POST /v1/job/web/plan": {
        status: 200,
        body: { Diff: { Type: "Edited", TaskGroups: [{ Name: "web", Type: "Edited" }] } },
      },
    };
    const diff = await nomadJobProvider.diff!("web", inputs(), inputs());
    assert.deepEqual(diff, { changes: true, replaces: [] });
  });

  it("replaces the job when its ID or namespace changes", async () => {
    const moved = { ...inputs(), namespace: "other" };
    const diff = await nomadJobProvider.diff!("web", inputs(), moved);
    assert.deepEqual(diff, { changes: true, replaces: ["namespace"], deleteBeforeReplace: true });
    assert.equal(calls.length, 0);
  });

  it("reads a purged job as gone", async () => {
    replies = { "GET /v1/job/web": { status: 404, body: "job not found" } };
    assert.deepEqual(await nomadJobProvider.read!("web", inputs()), {});
  });

  it("deregisters and purges on destroy", async () => {
    replies = { "DELETE /v1/job/web": { status: 200, body: { EvalID: "e2" } } };
    await nomadJobProvider.delete!("web", inputs());
    assert.deepEqual(calls, [
      {
        method: "DELETE",
        path: "/v1/job/web",
        query: { ...scope, purge: "true" },
        token: "test-token",
        body: undefined,
      },
    ]);
  });

  it("explains an ACL denial and the fix", async () => {
    replies = { "POST /v1/validate/job": { status: 403, body: "Permission denied" } };
    await assert.rejects(nomadJobProvider.create(inputs()), {
      message:
        'Nomad denied permission to validate job "web" (403: Permission denied). Fix: set NOMAD_TOKEN to a token whose ACL policy allows it in namespace "apps".',
    });
  });

  it("explains an invalid jobspec with Nomad's own validation errors", async () => {
    replies = {
      "POST /v1/validate/job": {
        status: 200,
        body: {
          ValidationErrors: ["Task group web validation failed", "Missing tasks"],
          Error: "2 errors",
        },
      },
    };
    await assert.rejects(nomadJobProvider.create(inputs()), {
      message:
        'Nomad rejected the jobspec of job "web": Task group web validation failed; Missing tasks. Fix: correct the workload that produced this job.',
    });
    assert.equal(calls.length, 1, "nothing is registered after a failed validation");
  });

  it("explains an unreachable API and the fix", async () => {
    const closed = { ...inputs(), address: closedAddress };
    await assert.rejects(nomadJobProvider.create(closed), {
      message: `Nomad API at ${closedAddress} is unreachable (ECONNREFUSED) while trying to validate job "web". Fix: start Nomad, or point homeport:nomad.address (or NOMAD_ADDR) at a running agent.`,
    });
  });

  it("falls back to comparing specs when Nomad cannot be reached during a preview", async () => {
    const closed = { ...inputs(), address: closedAddress };
    assert.deepEqual(await nomadJobProvider.diff!("web", closed, closed), {
      changes: false,
      replaces: [],
    });
    const changed = { ...closed, jobspec: JSON.stringify({ ...job, Type: "batch" }) };
    assert.deepEqual(await nomadJobProvider.diff!("web", closed, changed), {
      changes: true,
      replaces: [],
    });
  });

  it("treats a jobspec that a preview does not know yet as a change, not an error", async () => {
    const unknown = { ...inputs(), jobspec: "04da6b54-80e4-46f7-96ec-b56ff0331ba9" };
    assert.deepEqual((await nomadJobProvider.check!({}, unknown)).failures, []);
    assert.deepEqual(await nomadJobProvider.diff!("web", inputs(), unknown), {
      changes: true,
      replaces: [],
    });
    assert.equal(calls.length, 0);
  });

  it("rejects a jobspec that is not JSON or has no ID at check time", async () => {
    const notJson = await nomadJobProvider.check!({}, { ...inputs(), jobspec: "job {" });
    assert.equal(notJson.failures?.[0].property, "jobspec");
    assert.match(notJson.failures?.[0].reason ?? "", /^the jobspec is not valid JSON: /);
    const noId = await nomadJobProvider.check!({}, { ...inputs(), jobspec: "{}" });
    assert.deepEqual(noId.failures, [{ property: "jobspec", reason: "the jobspec has no ID" }]);
  });
});

describe("Nomad variable resource", () => {
  it("writes the secrets under the job's variable path", async () => {
    replies = { "PUT /v1/var/nomad/jobs/web": { status: 200, body: {} } };
    const vars = {
      path: "nomad/jobs/web",
      items: { api_key: "v" },
      address,
      region: "global",
      namespace: "apps",
    };
    const result = await nomadVariableProvider.create(vars);
    assert.equal(result.id, "nomad/jobs/web");
    assert.deepEqual(calls, [
      {
        method: "PUT",
        path: "/v1/var/nomad/jobs/web",
        query: scope,
        token: "test-token",
        body: { Namespace: "apps", Path: "nomad/jobs/web", Items: { api_key: "v" } },
      },
    ]);
  });
});
