/**
 * The Nomad job and variable resources (components/platforms/nomad/nomad-job.ts, nomad-api.ts)
 * against a stand-in for Nomad's HTTP API (./nomad-double.ts, shaped after the MPL
 * github.com/hashicorp/nomad/api module; no Nomad agent runs), with every job of the Nomad
 * example stack and every error path: unreachable API, ACL denial, a jobspec refused by
 * /v1/validate/job, drift seen by the plan, deregistration with and without purge, a failed
 * deployment, a failed batch allocation and an evaluation that cannot be read; then a small
 * program (./program) with the real Pulumi CLI: up, preview with drift, destroy.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, beforeEach, describe, it, TestContext } from "node:test";
import * as api from "../../../components/platforms/nomad/nomad-api";
import * as jobs from "../../../components/platforms/nomad/nomad-job";
import { freePort } from "../../helpers/net";
import { ROOT, toolchainEnv } from "../lib/pulumi";
import { run, RunResult, tail } from "../lib/shell";
import { enginePath, ensureEngines, renderStackFile, seconds } from "./engines";
import { NomadDouble } from "./nomad-double";

const STACK_FILE = path.join(ROOT, "Pulumi.nomad-example.yaml");
const JOB_TYPE = "pulumi-nodejs:dynamic/nomad:Job";
const VARIABLE_TYPE = "pulumi-nodejs:dynamic/nomad:Variable";

/** The rendered inputs of a job (the resource's own type is not exported). */
type JobInputs = { jobspec: string; address: string; region?: string; namespace?: string };
interface VariableInputs {
  path: string;
  items: Record<string, string>;
  address: string;
  namespace?: string;
}

const state: {
  blocked?: string;
  double?: NomadDouble;
  jobs: JobInputs[];
  variables: VariableInputs[];
} = { jobs: [], variables: [] };

const idOf = (inputs: JobInputs): string => String(JSON.parse(inputs.jobspec).ID);
const at = (inputs: JobInputs): JobInputs => ({ ...inputs, address: state.double!.address });
const connOf = (inputs: JobInputs): api.NomadConnection => ({
  address: state.double!.address,
  region: inputs.region,
  namespace: inputs.namespace,
});
/** The example's job `id`, registered afresh (detached) at the stand-in. */
async function registered(id: string): Promise<JobInputs> {
  const inputs = state.jobs.map(at).find((j) => idOf(j) === id);
  assert.ok(inputs, `the example renders no job "${id}"`);
  await jobs.nomadJobProvider.create!({ ...inputs, detach: true });
  return inputs;
}

function ready(t: TestContext): boolean {
  if (state.blocked) t.skip(state.blocked);
  return !state.blocked;
}

describe(
  "e2e: Nomad job resource against a stand-in for Nomad's HTTP API",
  { concurrency: false },
  () => {
    before(async () => {
      state.blocked = await ensureEngines(["nomad-jobcheck"]);
      if (state.blocked) return;
      state.double = new NomadDouble(await enginePath("nomad-jobcheck"));
      await state.double.start();
      const rendered = await renderStackFile(STACK_FILE);
      const of = (type: string) => rendered.resources.filter((r) => r.type === type);
      state.jobs = of(JOB_TYPE).map((r) => r.inputs as unknown as JobInputs);
      state.variables = of(VARIABLE_TYPE).map((r) => r.inputs as unknown as VariableInputs);
    });
    after(async () => state.double?.stop());
    beforeEach(() => {
      delete process.env.NOMAD_TOKEN;
      if (state.double) {
        state.double.acl = undefined;
        state.double.outcomes = {};
      }
    });

    it("every example job validates, registers, reads back and shows no diff", async (t) => {
      if (!ready(t)) return;
      assert.ok(state.jobs.length > 0, "the Nomad example stack renders no job");
      const started = Date.now();
      for (const inputs of state.jobs.map(at)) {
        const id = idOf(inputs);
        const created = await jobs.nomadJobProvider.create!({ ...inputs, detach: true });
        assert.equal(created.id, id);
        const live = await api.readJob(connOf(inputs), id);
        assert.equal(live?.Namespace, inputs.namespace ?? "default", id);
        assert.equal(live?.Version, 0, id);
        const diff = await jobs.nomadJobProvider.diff!(id, inputs, inputs);
        assert.deepEqual(diff, { changes: false, replaces: [] }, id);
      }
      t.diagnostic(
        `figure nomad.contract.jobs: ${state.jobs.length} jobs registered in ${seconds(Date.now() - started)}`,
      );
      const registrations = state.double!.calls.filter((c) => c.path === "/v1/jobs");
      assert.equal(registrations.length, state.jobs.length);
      // Validation always comes before registration.
      const order = state
        .double!.calls.map((c) => c.path)
        .filter((p) => p === "/v1/jobs" || p === "/v1/validate/job");
      assert.deepEqual(
        order,
        state.jobs.flatMap(() => ["/v1/validate/job", "/v1/jobs"]),
      );
    });

    it("a changed jobspec is a change; a new ID replaces the job", async (t) => {
      if (!ready(t)) return;
      const inputs = await registered("frontend");
      const spec = JSON.parse(inputs.jobspec) as { Meta?: Record<string, string> };
      const changed = {
        ...inputs,
        jobspec: JSON.stringify({ ...spec, Meta: { ...spec.Meta, e2e: "changed" } }),
      };
      assert.deepEqual(await jobs.nomadJobProvider.diff!("frontend", inputs, changed), {
        changes: true,
        replaces: [],
      });
      const plan = await api.planJob(connOf(inputs), JSON.parse(changed.jobspec));
      assert.deepEqual(plan, { type: "Edited", fields: ["Meta"] });
      const renamed = { ...inputs, jobspec: JSON.stringify({ ...spec, ID: "frontend-2" }) };
      assert.deepEqual(await jobs.nomadJobProvider.diff!("frontend", inputs, renamed), {
        changes: true,
        replaces: ["jobspec"],
        deleteBeforeReplace: true,
      });
    });

    it("a job scaled behind Pulumi's back shows as drift, and update puts it back", async (t) => {
      if (!ready(t)) return;
      const inputs = await registered("backend");
      const ns = inputs.namespace ?? "default";
      const before = (await jobs.nomadJobProvider.read!("backend", inputs)).props as {
        modifyIndex: number;
      };
      state.double!.edit("backend", ns, (job) => {
        (job.TaskGroups as { Count: number }[])[0].Count += 2;
      });
      assert.deepEqual(await jobs.nomadJobProvider.diff!("backend", inputs, inputs), {
        changes: true,
        replaces: [],
      });
      assert.deepEqual(await api.planJob(connOf(inputs), JSON.parse(inputs.jobspec)), {
        type: "Edited",
        fields: ["TaskGroups.backend"],
      });
      const after = (await jobs.nomadJobProvider.read!("backend", inputs)).props as {
        modifyIndex: number;
      };
      assert.ok(after.modifyIndex > before.modifyIndex, "read does not see the new modify index");
      await jobs.nomadJobProvider.update!("backend", inputs, inputs);
      assert.deepEqual(await jobs.nomadJobProvider.diff!("backend", inputs, inputs), {
        changes: false,
        replaces: [],
      });
    });

    it("deregisters without purge (the job stays, stopped), then purges (GET is 404)", async (t) => {
      if (!ready(t)) return;
      const inputs = await registered("grafana");
      const lastDelete = () => state.double!.calls.filter((c) => c.method === "DELETE").at(-1)!;
      await jobs.nomadJobProvider.delete!("grafana", { ...inputs, purgeOnDestroy: false });
      assert.deepEqual(
        [lastDelete().path, lastDelete().query.purge],
        ["/v1/job/grafana", undefined],
      );
      assert.equal((await api.readJob(connOf(inputs), "grafana"))?.Stop, true);
      await jobs.nomadJobProvider.delete!("grafana", { ...inputs, purgeOnDestroy: true });
      assert.equal(lastDelete().query.purge, "true");
      assert.equal(await api.readJob(connOf(inputs), "grafana"), undefined);
      assert.deepEqual(await jobs.nomadJobProvider.read!("grafana", inputs), {});
      // Deleting what is already gone is not an error.
      await jobs.nomadJobProvider.delete!("grafana", { ...inputs, purgeOnDestroy: true });
    });

    it("an invalid jobspec is refused with the validation errors, and nothing is registered", async (t) => {
      if (!ready(t)) return;
      const broken = {
        ID: "broken",
        Name: "broken",
        Type: "service",
        Datacenters: ["dc1"],
        TaskGroups: [{ Name: "g", Count: -1, Tasks: [] }],
      };
      await assert.rejects(
        jobs.nomadJobProvider.create!({
          jobspec: JSON.stringify(broken),
          address: state.double!.address,
        }),
        {
          name: "NomadApiError",
          message:
            'Nomad rejected the jobspec of job "broken": group "g": Count -1 is negative; group "g": Tasks is empty: a group needs at least one task. Fix: correct the workload that produced this job.',
        },
      );
      assert.equal(state.double!.job("broken"), undefined);
      assert.equal(
        state.double!.calls.filter(
          (c) => c.path === "/v1/jobs" && (c.body as { Job: { ID: string } }).Job.ID === "broken",
        ).length,
        0,
      );
    });

    it("an ACL denial names the token and the namespace to fix", async (t) => {
      if (!ready(t)) return;
      const inputs = state.jobs.map(at).find((j) => idOf(j) === "backend")!;
      state.double!.acl = { token: "right-token", namespaces: ["default"] };
      process.env.NOMAD_TOKEN = "wrong-token";
      await assert.rejects(jobs.nomadJobProvider.create!(inputs), {
        name: "NomadApiError",
        status: 403,
        message: `Nomad denied permission to validate job "backend" (403: Permission denied). Fix: set NOMAD_TOKEN to a token whose ACL policy allows it in namespace "${inputs.namespace}".`,
      });
      assert.equal(state.double!.calls.at(-1)!.token, "wrong-token");
      // The right token in a namespace the policy does not cover is denied too.
      process.env.NOMAD_TOKEN = "right-token";
      await assert.rejects(jobs.nomadJobProvider.read!("backend", inputs), {
        status: 403,
        message: `Nomad denied permission to read job "backend" (403: Permission denied). Fix: set NOMAD_TOKEN to a token whose ACL policy allows it in namespace "${inputs.namespace}".`,
      });
      state.double!.acl = { token: "right-token", namespaces: [inputs.namespace ?? "default"] };
      await jobs.nomadJobProvider.create!(inputs);
      assert.equal(state.double!.calls.at(-1)!.token, "right-token");
    });

    it("an unreachable API names the address and the fix; a preview falls back to comparing specs", async (t) => {
      if (!ready(t)) return;
      const closed = `http://127.0.0.1:${await freePort()}`;
      const inputs = { ...state.jobs.find((j) => idOf(j) === "frontend")!, address: closed };
      await assert.rejects(jobs.nomadJobProvider.create!(inputs), {
        name: "NomadApiError",
        message: `Nomad API at ${closed} is unreachable (ECONNREFUSED) while trying to validate job "frontend". Fix: start Nomad, or point homeport:nomad.address (or NOMAD_ADDR) at a running agent.`,
      });
      assert.deepEqual(await jobs.nomadJobProvider.diff!("frontend", inputs, inputs), {
        changes: false,
        replaces: [],
      });
    });

    it("waits for the deployment and reports a failed one with Nomad's description", async (t) => {
      if (!ready(t)) return;
      const inputs = state.jobs.map(at).find((j) => idOf(j) === "frontend")!;
      state.double!.outcomes.frontend = {
        evaluation: ["pending", "complete"],
        deployment: [{ Status: "running" }, { Status: "successful" }],
      };
      const ok = await jobs.nomadJobProvider.create!({ ...inputs, detach: false });
      assert.equal((ok.outs as { deploymentStatus: string }).deploymentStatus, "successful");
      state.double!.outcomes.frontend = {
        deployment: [
          { Status: "failed", StatusDescription: "Failed due to unhealthy allocations" },
        ],
      };
      await assert.rejects(
        jobs.nomadJobProvider.update!("frontend", inputs, { ...inputs, detach: false }),
        {
          name: "NomadApiError",
          message: 'Deployment of job "frontend" failed: Failed due to unhealthy allocations',
        },
      );
    });

    it("an evaluation that cannot be read fails the wait with Nomad's answer", async (t) => {
      if (!ready(t)) return;
      const inputs = state.jobs.map(at).find((j) => idOf(j) === "frontend")!;
      state.double!.outcomes.frontend = { evaluationGone: true };
      await assert.rejects(
        jobs.nomadJobProvider.create!({ ...inputs, detach: false }),
        (err: Error) => {
          assert.equal(err.name, "NomadApiError");
          assert.match(
            err.message,
            /^Nomad refused to read the evaluation of job "frontend" \(404\): eval not found$/,
          );
          return true;
        },
      );
    });

    it("a failed or canceled evaluation fails the wait, naming the evaluation", async (t) => {
      if (!ready(t)) return;
      const inputs = state.jobs.map(at).find((j) => idOf(j) === "frontend")!;
      for (const status of ["failed", "canceled"]) {
        state.double!.outcomes.frontend = { evaluation: ["pending", status] };
        await assert.rejects(
          jobs.nomadJobProvider.create!({ ...inputs, detach: false }),
          (err: Error) => {
            assert.equal(err.name, "NomadApiError");
            assert.match(
              err.message,
              new RegExp(
                `^Nomad's evaluation of job "frontend" ${status}; see: nomad eval status \\S+$`,
              ),
            );
            return true;
          },
        );
      }
    });

    it("a batch job whose allocation failed is reported with the allocation to look at", async (t) => {
      if (!ready(t)) return;
      const batch = state.jobs.map(at).find((j) => JSON.parse(j.jobspec).Type === "batch");
      if (!batch) return t.skip("the example renders no batch job");
      const id = idOf(batch);
      state.double!.outcomes[id] = { allocations: ["failed"] };
      await assert.rejects(jobs.nomadJobProvider.create!({ ...batch, detach: false }), {
        name: "NomadApiError",
        message: `Job "${id}" failed (allocation alloc-${id}-0 is failed); see: nomad alloc logs alloc-${id}-0`,
      });
      state.double!.outcomes[id] = { allocations: ["complete"] };
      const done = await jobs.nomadJobProvider.create!({ ...batch, detach: false });
      assert.equal((done.outs as { deploymentStatus: string }).deploymentStatus, "complete");
    });

    it("writes, reads and deletes the example stack's variables", async (t) => {
      if (!ready(t)) return;
      assert.ok(state.variables.length > 0, "the example renders no variable");
      for (const v of state.variables) {
        const inputs = { ...v, address: state.double!.address };
        assert.equal((await jobs.nomadVariableProvider.create!(inputs)).id, v.path);
        const read = await jobs.nomadVariableProvider.read!(v.path, inputs);
        assert.deepEqual((read.props as VariableInputs).items, v.items);
        await jobs.nomadVariableProvider.delete!(v.path, inputs);
        assert.deepEqual(await jobs.nomadVariableProvider.read!(v.path, inputs), {});
      }
    });

    describe(
      "the real Pulumi CLI with a program that uses NomadJob",
      { concurrency: false },
      () => {
        const WEB_JOB = "homeport-e2e-web";
        const TOKEN = `e2e-token-${process.pid}-${Date.now()}`;
        const cli: { env?: NodeJS.ProcessEnv; dir?: string; blocked?: string; up?: boolean } = {};
        const pulumi = (args: string[], timeoutMs = 10 * 60_000): Promise<RunResult> =>
          run("pulumi", [...args, "--stack", "e2e", "--non-interactive"], {
            cwd: path.join(cli.dir!, "project"),
            env: cli.env,
            timeoutMs,
          });
        const output = (r: RunResult) => `${tail(r.stdout)}\n${tail(r.stderr)}`;
        function needsCli(t: TestContext): boolean {
          if (!ready(t)) return false;
          if (cli.blocked) t.skip(cli.blocked);
          return !cli.blocked;
        }

        before(async () => {
          if (state.blocked) return;
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
          fs.symlinkSync(
            path.join(__dirname, "program", "index.ts"),
            path.join(project, "index.ts"),
          );
          for (const entry of ["node_modules", "package.json", "tsconfig.json"]) {
            fs.symlinkSync(path.join(ROOT, entry), path.join(project, entry));
          }
          cli.env = {
            ...env,
            PULUMI_BACKEND_URL: `file://${path.join(cli.dir, "state")}`,
            PULUMI_CONFIG_PASSPHRASE: "homeport-e2e",
            PULUMI_NODEJS_TRANSPILE_ONLY: "true",
            NOMAD_TOKEN: "",
          };
          const init = await pulumi(["stack", "init"], 120_000);
          if (init.status !== 0) {
            cli.blocked = `pulumi stack init failed: ${output(init)}`;
            return;
          }
          for (const [key, value, secret] of [
            ["address", state.double!.address, false],
            ["datacenter", "dc1", false],
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

        it("pulumi up registers the job, waits for its deployment and writes the variable", async (t) => {
          if (!needsCli(t)) return;
          state.double!.outcomes[WEB_JOB] = {
            evaluation: ["pending", "complete"],
            deployment: [{ Status: "running" }, { Status: "successful" }],
          };
          const started = Date.now();
          const up = await pulumi(["up", "--yes", "--skip-preview"]);
          cli.up = true;
          assert.equal(up.status, 0, `pulumi up failed:\n${output(up)}`);
          t.diagnostic(`figure nomad.contract.pulumi-up: ${seconds(Date.now() - started)}`);
          const job = state.double!.job(WEB_JOB) as {
            Version: number;
            TaskGroups: { Count: number }[];
          };
          assert.equal(job.Version, 0);
          assert.equal(job.TaskGroups[0].Count, 1);
          // The deployment was read only after the evaluation had completed.
          const paths = state.double!.calls.map((c) => c.path);
          const firstDeployment = paths.indexOf(`/v1/job/${WEB_JOB}/deployment`);
          assert.ok(
            firstDeployment >
              paths.lastIndexOf(paths.find((p) => p.startsWith("/v1/evaluation/"))!),
          );
          const variable = (await fetch(
            `${state.double!.address}/v1/var/nomad/jobs/${WEB_JOB}`,
          ).then((r) => r.json())) as {
            Items: Record<string, string>;
          };
          assert.deepEqual(variable.Items, { token: TOKEN });
          const stateDir = path.join(cli.dir!, "state");
          const files = (fs.readdirSync(stateDir, { recursive: true }) as string[])
            .map((f) => path.join(stateDir, f))
            .filter((f) => fs.statSync(f).isFile());
          assert.ok(files.length > 0, "the stack has no state files");
          assert.deepEqual(
            files.filter((f) => fs.readFileSync(f, "utf8").includes(TOKEN)),
            [],
            "the token is in the stack's state in plain text",
          );
        });

        it("pulumi preview: no changes, then drift after a scale behind Pulumi's back; up restores it", async (t) => {
          if (!needsCli(t)) return;
          if (!cli.up) return t.skip("pulumi up did not run");
          const clean = await pulumi(["preview", "--expect-no-changes", "--diff"]);
          assert.equal(
            clean.status,
            0,
            `preview of an unchanged stack shows changes:\n${output(clean)}`,
          );
          state.double!.edit(WEB_JOB, "default", (job) => {
            (job.TaskGroups as { Count: number }[])[0].Count = 2;
          });
          const drift = await pulumi(["preview", "--expect-no-changes", "--diff"]);
          assert.notEqual(drift.status, 0, `preview did not see the drift:\n${output(drift)}`);
          assert.match(drift.stdout, /~ pulumi-nodejs:dynamic\/nomad:Job: \(update\)/);
          assert.match(drift.stdout, /1 to update/);
          const up = await pulumi(["up", "--yes", "--skip-preview"]);
          assert.equal(up.status, 0, `pulumi up failed:\n${output(up)}`);
          const job = state.double!.job(WEB_JOB) as { TaskGroups: { Count: number }[] };
          assert.equal(job.TaskGroups[0].Count, 1);
        });

        it("pulumi destroy purges the job and deletes the variable", async (t) => {
          if (!needsCli(t)) return;
          if (!cli.up) return t.skip("pulumi up did not run");
          const destroy = await pulumi(["destroy", "--yes", "--skip-preview"]);
          assert.equal(destroy.status, 0, `pulumi destroy failed:\n${output(destroy)}`);
          cli.up = false;
          assert.equal(state.double!.job(WEB_JOB), undefined);
          assert.equal(
            (await fetch(`${state.double!.address}/v1/var/nomad/jobs/${WEB_JOB}`)).status,
            404,
          );
        });
      },
    );
  },
);
