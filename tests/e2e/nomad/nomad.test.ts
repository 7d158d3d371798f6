/**
 * End-to-end: our Nomad job and variable resources against a real `nomad agent -dev`
 * (tools/engines.sh start-nomad). See docs/e2e.md, "Nomad and Kubernetes engines".
 *
 * - Every job of the Nomad example stack goes through our provider (create, diff, delete, called
 *   directly): Nomad's own validation, registration, no diff when nothing changed, a diff for a
 *   changed jobspec, drift for a job changed behind Pulumi's back, deregistration and purge.
 * - A tiny program (./program) runs with the real Pulumi CLI: `pulumi up` runs a raw_exec job
 *   that must become running and healthy, `preview` shows drift, `destroy` purges it.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, it, TestContext } from "node:test";
import * as api from "../../../components/platforms/nomad/nomad-api";
import * as jobs from "../../../components/platforms/nomad/nomad-job";
import type { RenderedResource } from "../../../tools/render-lib";
import { ROOT, toolchainEnv } from "../lib/pulumi";
import { run, RunResult, tail, waitFor } from "../lib/shell";
import {
  Engine,
  ensureEngines,
  renderStackFile,
  seconds,
  startEngine,
  stopEngine,
} from "./engines";

const STACK_FILE = path.join(ROOT, "Pulumi.nomad-example.yaml");
const JOB_TYPE = "pulumi-nodejs:dynamic/nomad:Job";
const VARIABLE_TYPE = "pulumi-nodejs:dynamic/nomad:Variable";
const WEB_JOB = "homeport-e2e-web";

interface JobInputs {
  jobspec: string;
  address: string;
  region?: string;
  namespace?: string;
  purgeOnDestroy?: boolean;
  detach?: boolean;
}
interface VariableInputs {
  path: string;
  items: Record<string, string>;
  address: string;
  region?: string;
  namespace?: string;
}

const state: {
  blocked?: string;
  engine?: Engine;
  address?: string;
  datacenter?: string;
  jobs: JobInputs[];
  variables: VariableInputs[];
  registered: string[];
} = { jobs: [], variables: [], registered: [] };

function needsAgent(t: TestContext): string | undefined {
  if (state.blocked) {
    t.skip(state.blocked);
    return undefined;
  }
  if (!state.address) {
    t.skip("the Nomad agent did not start (see the failing start-up check)");
    return undefined;
  }
  return state.address;
}

async function nomad(
  method: "GET" | "POST" | "PUT" | "DELETE",
  p: string,
  body?: unknown,
  query: Record<string, string> = {},
): Promise<{ status: number; body: unknown }> {
  const qs = new URLSearchParams(query).toString();
  const r = await fetch(`${state.address}${p}${qs ? `?${qs}` : ""}`, {
    method,
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await r.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON: keep the text
  }
  return { status: r.status, body: parsed };
}

/**
 * The example stack's job inputs, pointed at the dev agent. `detach` is forced on: the example's
 * batch job (bucket-init) is awaited to completion by default, and its docker task cannot run on
 * a test agent, so registration would wait out the provider's 10-minute timeout.
 */
const atAgent = (inputs: JobInputs): JobInputs => ({
  ...inputs,
  address: state.address!,
  detach: true,
});
const jobIdOf = (inputs: JobInputs): string => String(JSON.parse(inputs.jobspec).ID);
const connOf = (inputs: JobInputs) => ({
  address: state.address!,
  region: inputs.region,
  namespace: inputs.namespace,
});

describe("e2e: Nomad jobs on a real Nomad agent", { concurrency: false }, () => {
  before(async () => {
    const missing = await ensureEngines(["nomad"]);
    if (missing) {
      state.blocked = missing;
      return;
    }
    // The agent runs without ACLs; a token from the caller's environment must not leak into it.
    delete process.env.NOMAD_TOKEN;
  });

  after(async () => {
    if (state.engine) await stopEngine(state.engine.dir);
  });

  it("starts nomad agent -dev", async (t) => {
    if (state.blocked) return t.skip(state.blocked);
    state.engine = await startEngine("nomad");
    state.address = state.engine.env.NOMAD_ADDR;
    const self = (await nomad("GET", "/v1/agent/self")).body as {
      config: { Datacenter: string; Version: { Version: string } };
    };
    state.datacenter = self.config.Datacenter;
    t.diagnostic(`figure nomad.startup: ${seconds(state.engine.startMs)} (${state.engine.report})`);
    t.diagnostic(`nomad ${self.config.Version.Version}, datacenter ${state.datacenter}`);
    assert.match(state.address ?? "", /^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it("renders the Nomad example stack's jobs and variables", async (t) => {
    if (!needsAgent(t)) return;
    const rendered = await renderStackFile(STACK_FILE);
    const of = (type: string): RenderedResource[] =>
      rendered.resources.filter((r) => r.type === type);
    state.jobs = of(JOB_TYPE).map((r) => r.inputs as unknown as JobInputs);
    state.variables = of(VARIABLE_TYPE).map((r) => r.inputs as unknown as VariableInputs);
    t.diagnostic(
      `figure nomad.example: ${state.jobs.length} jobs, ${state.variables.length} variables`,
    );
    assert.ok(state.jobs.length > 0, "the Nomad example stack renders no job");
    for (const job of state.jobs) assert.equal(typeof job.jobspec, "string");
  });

  it("every example job passes Nomad's validation and registers through our provider", async (t) => {
    if (!needsAgent(t)) return;
    if (state.jobs.length === 0) return t.skip("the example stack did not render");
    // The example's namespace has to exist on the agent, as on any real cluster. Besides the API
    // address and `detach` (see atAgent), nothing is adjusted: the datacenters ("lab") stay, so
    // the docker jobs are accepted and wait for a client in that datacenter instead of running.
    const namespaces = [...new Set(state.jobs.map((j) => j.namespace ?? "default"))];
    for (const ns of namespaces.filter((n) => n !== "default")) {
      const r = await nomad("PUT", `/v1/namespace/${ns}`, { Name: ns, Description: "e2e" });
      assert.equal(r.status, 200, `creating namespace ${ns}: ${JSON.stringify(r.body)}`);
    }
    const failures: string[] = [];
    const started = Date.now();
    for (const inputs of state.jobs) {
      const id = jobIdOf(inputs);
      try {
        await api.validateJob(connOf(inputs), JSON.parse(inputs.jobspec));
        const created = await jobs.nomadJobProvider.create!(atAgent(inputs));
        assert.equal(created.id, id);
        state.registered.push(id);
        const live = await api.readJob(connOf(inputs), id);
        assert.ok(live, `job ${id} is not readable after registration`);
        assert.equal(live.Namespace, inputs.namespace ?? "default");
        assert.equal(live.Version, 0);
        assert.equal(live.Stop, false);
      } catch (err) {
        failures.push(`${id}: ${(err as Error).message}`);
      }
    }
    t.diagnostic(
      `figure nomad.registered: ${state.registered.length} of ${state.jobs.length} jobs in ${seconds(Date.now() - started)}`,
    );
    assert.deepEqual(failures, []);
  });

  it("the checks can fail: Nomad's validation refuses a broken job through our provider", async (t) => {
    if (!needsAgent(t)) return;
    const broken = {
      ID: "homeport-e2e-broken",
      Name: "homeport-e2e-broken",
      Type: "service",
      Datacenters: ["dc1"],
      TaskGroups: [{ Name: "g", Count: -1, Tasks: [] }],
    };
    await assert.rejects(
      jobs.nomadJobProvider.create!({ jobspec: JSON.stringify(broken), address: state.address! }),
      (err: Error) => {
        assert.equal(err.name, "NomadApiError");
        assert.match(err.message, /^Nomad rejected the jobspec of job "homeport-e2e-broken": /);
        assert.match(err.message, /count can't be negative/i);
        return true;
      },
    );
    assert.equal((await nomad("GET", "/v1/job/homeport-e2e-broken")).status, 404);
  });

  it("an unchanged example job shows no diff; a changed jobspec does", async (t) => {
    if (!needsAgent(t)) return;
    if (state.registered.length === 0) return t.skip("no example job was registered");
    const noisy: string[] = [];
    for (const inputs of state.jobs.map(atAgent)) {
      const id = jobIdOf(inputs);
      if (!state.registered.includes(id)) continue;
      const diff = await jobs.nomadJobProvider.diff!(id, inputs, inputs);
      if (diff.changes) noisy.push(`${id}: ${JSON.stringify(diff)}`);
    }
    assert.deepEqual(noisy, [], "Nomad's plan reports changes for jobs that did not change");

    const inputs = atAgent(state.jobs.find((j) => state.registered.includes(jobIdOf(j)))!);
    const id = jobIdOf(inputs);
    const spec = JSON.parse(inputs.jobspec) as { Meta?: Record<string, string> };
    const changed = {
      ...inputs,
      jobspec: JSON.stringify({ ...spec, Meta: { ...spec.Meta, homeport_e2e: "changed" } }),
    };
    assert.deepEqual(await jobs.nomadJobProvider.diff!(id, inputs, changed), {
      changes: true,
      replaces: [],
    });
    const renamed = { ...inputs, jobspec: JSON.stringify({ ...spec, ID: `${id}-renamed` }) };
    assert.deepEqual(await jobs.nomadJobProvider.diff!(id, inputs, renamed), {
      changes: true,
      replaces: ["jobspec"],
      deleteBeforeReplace: true,
    });
  });

  it("a job changed behind Pulumi's back shows as drift", async (t) => {
    if (!needsAgent(t)) return;
    const inputs = state.jobs
      .map(atAgent)
      .find(
        (j) => state.registered.includes(jobIdOf(j)) && JSON.parse(j.jobspec).Type === "service",
      );
    if (!inputs) return t.skip("no example service job was registered");
    const id = jobIdOf(inputs);
    const before = (await jobs.nomadJobProvider.read!(id, inputs)).props as { modifyIndex: number };
    const live = (await api.readJob(connOf(inputs), id)) as {
      TaskGroups: { Count: number }[];
    };
    live.TaskGroups[0].Count += 2;
    const outside = await nomad("POST", "/v1/jobs", { Job: live }, {});
    assert.equal(outside.status, 200, JSON.stringify(outside.body));

    const diff = await jobs.nomadJobProvider.diff!(id, inputs, inputs);
    assert.deepEqual(diff, { changes: true, replaces: [] });
    const plan = await api.planJob(connOf(inputs), JSON.parse(inputs.jobspec));
    assert.equal(plan.type, "Edited");
    assert.ok(
      plan.fields.some((f) => f.startsWith("TaskGroups.")),
      `plan fields: ${plan.fields.join(", ")}`,
    );
    const after = (await jobs.nomadJobProvider.read!(id, inputs)).props as { modifyIndex: number };
    assert.ok(after.modifyIndex > before.modifyIndex, "read does not see the new modify index");

    // Our update puts the declared job back: no drift afterwards.
    await jobs.nomadJobProvider.update!(id, inputs, inputs);
    assert.equal((await jobs.nomadJobProvider.diff!(id, inputs, inputs)).changes, false);
  });

  it("writes, reads and deletes the example stack's variables", async (t) => {
    if (!needsAgent(t)) return;
    if (state.variables.length === 0) return t.skip("the example stack renders no variable");
    for (const v of state.variables) {
      const inputs = { ...v, address: state.address! };
      const created = await jobs.nomadVariableProvider.create!(inputs);
      assert.equal(created.id, v.path);
      const read = await jobs.nomadVariableProvider.read!(v.path, inputs);
      assert.deepEqual((read.props as VariableInputs).items, v.items, `variable ${v.path}`);
      await jobs.nomadVariableProvider.delete!(v.path, inputs);
      assert.deepEqual(await jobs.nomadVariableProvider.read!(v.path, inputs), {});
    }
    t.diagnostic(`figure nomad.variables: ${state.variables.length} written, read back, deleted`);
  });

  it("deregisters and purges every example job (GET afterwards is 404)", async (t) => {
    if (!needsAgent(t)) return;
    if (state.registered.length === 0) return t.skip("no example job was registered");
    const byId = new Map(state.jobs.map((j) => [jobIdOf(j), atAgent(j)]));
    const [first, ...rest] = state.registered;
    // Without purge the job stays, stopped; with purge it is gone.
    const firstInputs = byId.get(first)!;
    await jobs.nomadJobProvider.delete!(first, { ...firstInputs, purgeOnDestroy: false });
    const stopped = await api.readJob(connOf(firstInputs), first);
    assert.equal(stopped?.Stop, true);
    for (const id of [first, ...rest]) {
      const inputs = byId.get(id)!;
      await jobs.nomadJobProvider.delete!(id, { ...inputs, purgeOnDestroy: true });
      const r = await nomad("GET", `/v1/job/${id}`, undefined, {
        namespace: inputs.namespace ?? "default",
      });
      assert.equal(r.status, 404, `job ${id} is still there after purge`);
    }
    t.diagnostic(`figure nomad.purged: ${state.registered.length} jobs`);
  });

  describe("the real Pulumi CLI with a program that uses NomadJob", { concurrency: false }, () => {
    const cli: { env?: NodeJS.ProcessEnv; dir?: string; blocked?: string; up?: boolean } = {};
    const TOKEN = `e2e-token-${process.pid}-${Date.now()}`;

    async function pulumi(args: string[], timeoutMs = 10 * 60_000): Promise<RunResult> {
      return run("pulumi", [...args, "--stack", "e2e", "--non-interactive"], {
        cwd: path.join(cli.dir!, "project"),
        env: cli.env,
        timeoutMs,
      });
    }
    const output = (r: RunResult) => `${tail(r.stdout)}\n${tail(r.stderr)}`;

    function needsCli(t: TestContext): boolean {
      if (!needsAgent(t)) return false;
      if (cli.blocked) {
        t.skip(cli.blocked);
        return false;
      }
      return true;
    }

    before(async () => {
      if (state.blocked || !state.address) return;
      const env = toolchainEnv();
      if (typeof env === "string") {
        cli.blocked = env;
        return;
      }
      cli.dir = fs.mkdtempSync(path.join(os.tmpdir(), "homeport-e2e-nomad-cli-"));
      const project = path.join(cli.dir, "project");
      fs.mkdirSync(project);
      fs.mkdirSync(path.join(cli.dir, "state"));
      fs.writeFileSync(
        path.join(project, "Pulumi.yaml"),
        "name: homeport-nomad-e2e\nruntime:\n  name: nodejs\n  options:\n    typescript: true\n",
      );
      fs.symlinkSync(path.join(__dirname, "program", "index.ts"), path.join(project, "index.ts"));
      for (const entry of ["node_modules", "package.json", "tsconfig.json"]) {
        fs.symlinkSync(path.join(ROOT, entry), path.join(project, entry));
      }
      cli.env = {
        ...env,
        PULUMI_BACKEND_URL: `file://${path.join(cli.dir, "state")}`,
        PULUMI_CONFIG_PASSPHRASE: "homeport-e2e",
        PULUMI_SKIP_UPDATE_CHECK: "true",
        PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
        PULUMI_NODEJS_TRANSPILE_ONLY: "true",
        NOMAD_TOKEN: "",
      };
      const init = await pulumi(["stack", "init"], 120_000);
      if (init.status !== 0) {
        cli.blocked = `pulumi stack init failed: ${output(init)}`;
        return;
      }
      for (const [key, value, secret] of [
        ["address", state.address, false],
        ["datacenter", state.datacenter ?? "dc1", false],
        ["token", TOKEN, true],
      ] as const) {
        const r = await pulumi(
          ["config", "set", ...(secret ? ["--secret"] : []), key, value],
          60_000,
        );
        if (r.status !== 0) cli.blocked = `pulumi config set ${key} failed: ${output(r)}`;
      }
    });

    after(async () => {
      if (cli.up) await pulumi(["destroy", "--yes"]);
      if (cli.dir) fs.rmSync(cli.dir, { recursive: true, force: true });
    });

    it("pulumi up runs the raw_exec job: allocation running and healthy, check passing", async (t) => {
      if (!needsCli(t)) return;
      const started = Date.now();
      const up = await pulumi(["up", "--yes", "--skip-preview"]);
      cli.up = true;
      assert.equal(up.status, 0, `pulumi up failed:\n${output(up)}`);
      t.diagnostic(
        `figure nomad.pulumi-up: ${seconds(Date.now() - started)} (job deployed, healthy)`,
      );

      const allocs = (await nomad("GET", `/v1/job/${WEB_JOB}/allocations`)).body as {
        ID: string;
        ClientStatus: string;
        DeploymentStatus?: { Healthy?: boolean };
      }[];
      assert.equal(allocs.length, 1);
      assert.equal(allocs[0].ClientStatus, "running");
      assert.equal(allocs[0].DeploymentStatus?.Healthy, true);
      const deployment = (await nomad("GET", `/v1/job/${WEB_JOB}/deployment`)).body as {
        Status: string;
      };
      assert.equal(deployment.Status, "successful");

      // Nomad's own service catalogue holds the task with its port; its check passes.
      const services = (await nomad("GET", `/v1/service/${WEB_JOB}`)).body as {
        Address: string;
        Port: number;
        AllocID: string;
      }[];
      assert.equal(services.length, 1);
      assert.equal(services[0].AllocID, allocs[0].ID);
      const checks = (await nomad("GET", `/v1/client/allocation/${allocs[0].ID}/checks`))
        .body as Record<string, { Status: string; Check: string }>;
      assert.deepEqual(
        Object.values(checks).map((c) => [c.Check, c.Status]),
        [["web-http", "success"]],
      );
      const page = await fetch(`http://${services[0].Address}:${services[0].Port}/`);
      assert.equal(page.status, 200);

      // The variable holds the secret; the stack's state holds it only encrypted.
      const variable = (await nomad("GET", `/v1/var/nomad/jobs/${WEB_JOB}`)).body as {
        Items: Record<string, string>;
      };
      assert.deepEqual(variable.Items, { token: TOKEN });
      const stateDir = path.join(cli.dir!, "state");
      const stateFiles = (fs.readdirSync(stateDir, { recursive: true }) as string[])
        .map((f) => path.join(stateDir, f))
        .filter((f) => fs.statSync(f).isFile());
      assert.ok(stateFiles.length > 0, "the stack has no state files");
      assert.deepEqual(
        stateFiles.filter((f) => fs.readFileSync(f, "utf8").includes(TOKEN)),
        [],
        "the token is in the stack's state in plain text",
      );
    });

    it("pulumi preview: no changes, then drift after a change behind Pulumi's back", async (t) => {
      if (!needsCli(t)) return;
      if (!cli.up) return t.skip("pulumi up did not run");
      const clean = await pulumi(["preview", "--expect-no-changes", "--diff"]);
      assert.equal(
        clean.status,
        0,
        `preview of an unchanged stack shows changes:\n${output(clean)}`,
      );

      const live = (await nomad("GET", `/v1/job/${WEB_JOB}`)).body as {
        TaskGroups: { Count: number }[];
      };
      live.TaskGroups[0].Count = 2;
      assert.equal((await nomad("POST", "/v1/jobs", { Job: live })).status, 200);
      const drift = await pulumi(["preview", "--expect-no-changes", "--diff"]);
      assert.notEqual(drift.status, 0, `preview did not see the drift:\n${output(drift)}`);
      assert.match(drift.stdout, /~ pulumi-nodejs:dynamic\/nomad:Job: \(update\)/);
      assert.match(drift.stdout, /1 to update/);

      // pulumi up puts the declared count back.
      const up = await pulumi(["up", "--yes", "--skip-preview"]);
      assert.equal(up.status, 0, `pulumi up failed:\n${output(up)}`);
      const restored = (await nomad("GET", `/v1/job/${WEB_JOB}`)).body as {
        TaskGroups: { Count: number }[];
      };
      assert.equal(restored.TaskGroups[0].Count, 1);
    });

    it("pulumi destroy purges the job and deletes the variable", async (t) => {
      if (!needsCli(t)) return;
      if (!cli.up) return t.skip("pulumi up did not run");
      const destroy = await pulumi(["destroy", "--yes", "--skip-preview"]);
      assert.equal(destroy.status, 0, `pulumi destroy failed:\n${output(destroy)}`);
      cli.up = false;
      assert.equal((await nomad("GET", `/v1/job/${WEB_JOB}`)).status, 404);
      assert.equal((await nomad("GET", `/v1/var/nomad/jobs/${WEB_JOB}`)).status, 404);
      // The process it ran is gone too.
      await waitFor(
        "the allocation to stop",
        async () => {
          const r = await nomad("GET", "/v1/allocations", undefined, {
            filter: `JobID == "${WEB_JOB}"`,
          });
          const list = r.body as { ClientStatus: string }[];
          return list.every((a) => a.ClientStatus !== "running") ? true : undefined;
        },
        60_000,
      );
    });
  });
});
