/**
 * Every Nomad job of every Nomad stack file, checked by nomad-jobcheck (toolchain/nomad-jobcheck,
 * built by tools/engines.sh from the MPL github.com/hashicorp/nomad/api module): decoded strictly
 * into api.Job, canonicalized with the module's own Canonicalize, and checked for what the API
 * types can tell. No Nomad agent runs; docs/e2e.md says what that leaves unchecked.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, it, TestContext } from "node:test";
import { run } from "../lib/shell";
import { enginePath, ensureEngines, renderStackFile, seconds, stackFilesFor } from "./engines";

const JOB_TYPE = "pulumi-nodejs:dynamic/nomad:Job";

interface Job {
  readonly stack: string;
  readonly id: string;
  readonly jobspec: string;
}

const state: { blocked?: string; checker?: string; dir?: string; jobs: Job[] } = { jobs: [] };

function needsChecker(t: TestContext): string | undefined {
  if (state.blocked) {
    t.skip(state.blocked);
    return undefined;
  }
  return state.checker;
}

/** Runs the checker on jobspec texts, each written to its own file named after its job. */
async function check(specs: { name: string; text: string }[], print = false) {
  const files = specs.map(({ name, text }) => {
    const file = path.join(state.dir!, `${name}.json`);
    fs.writeFileSync(file, text);
    return file;
  });
  const r = await run(state.checker!, [...(print ? ["-print"] : []), ...files]);
  const dir = `${state.dir}${path.sep}`;
  return { ...r, stderr: r.stderr.split(dir).join("") };
}

/** The parts of a jobspec that the failing cases edit; values are left loose on purpose. */
type Loose = Record<string, unknown>;
interface EditableJob {
  TaskGroups: (Loose & {
    Services: (Loose & { Checks: Loose[] })[];
    Tasks: Loose[];
  })[];
}

/** A job of the example stack with `edit` applied to a deep copy of its jobspec. */
function edited(id: string, edit: (job: EditableJob) => void): string {
  const job = state.jobs.find((j) => j.id === id);
  assert.ok(job, `no rendered job "${id}"`);
  const spec = JSON.parse(job.jobspec) as EditableJob;
  edit(spec);
  return JSON.stringify(spec);
}

describe("e2e: rendered Nomad jobs against the nomad/api types (nomad-jobcheck)", () => {
  before(async () => {
    const started = Date.now();
    state.blocked = await ensureEngines(["nomad-jobcheck"]);
    if (state.blocked) return;
    state.checker = await enginePath("nomad-jobcheck");
    state.dir = fs.mkdtempSync(path.join(os.tmpdir(), "homeport-jobcheck-"));
    process.stderr.write(`# nomad-jobcheck ready in ${seconds(Date.now() - started)}\n`);
  });
  after(() => {
    if (state.dir) fs.rmSync(state.dir, { recursive: true, force: true });
  });

  it("renders every Nomad stack file", async (t) => {
    if (!needsChecker(t)) return;
    const stacks = stackFilesFor("nomad");
    assert.ok(stacks.length > 0, "no stack file has homeport:target: nomad");
    const started = Date.now();
    for (const stackFile of stacks) {
      const rendered = await renderStackFile(stackFile);
      for (const r of rendered.resources.filter((res) => res.type === JOB_TYPE)) {
        const jobspec = (r.inputs as { jobspec: string }).jobspec;
        state.jobs.push({
          stack: path.basename(stackFile),
          id: String((JSON.parse(jobspec) as { ID: unknown }).ID),
          jobspec,
        });
      }
    }
    t.diagnostic(
      `figure nomad.jobcheck.render: ${stacks.map((s) => path.basename(s)).join(", ")}: ${state.jobs.length} jobs in ${seconds(Date.now() - started)}`,
    );
    assert.ok(state.jobs.length > 0, "the Nomad stacks render no job");
  });

  it("renders the storage part's own jobs: the NFS server and ceph-csi's plugins", async (t) => {
    if (!needsChecker(t)) return;
    // Stacks beside the examples, for the jobs no example deploys.
    const stacks: Record<string, string> = {
      "storage-nfs-serve": [
        "  homeport:storage:",
        "    backend: nfs",
        "    nfs:",
        "      path: /homeport",
        "      serve: {node: nomad-1, image: registry.lan/nfs-ganesha:4.3}",
      ].join("\n"),
      "storage-ceph": [
        "  homeport:storage:",
        "    backend: ceph",
        "    ceph:",
        "      monitors: [10.0.0.11:6789, 10.0.0.12:6789, 10.0.0.13:6789]",
        "      clusterId: b3f5c2a0-0000-4000-8000-000000000001",
        // A secret in the stack file, as `pulumi config set --secret` writes it.
        "      key: {secure: AAABAKEYKEYKEY}",
      ].join("\n"),
    };
    const before = state.jobs.length;
    for (const [name, storage] of Object.entries(stacks)) {
      const file = path.join(state.dir!, `Pulumi.${name}.yaml`);
      fs.writeFileSync(
        file,
        [
          "config:",
          "  homeport:target: nomad",
          "  homeport:environment: production",
          "  homeport:domain: lab.example.net",
          "  homeport:parts: [proxy]",
          "  homeport:nomad: {address: http://nomad.lab.example.net:4646, namespace: homeport}",
          storage,
          "",
        ].join("\n"),
      );
      const rendered = await renderStackFile(file);
      for (const r of rendered.resources.filter((res) => res.type === JOB_TYPE)) {
        const jobspec = (r.inputs as { jobspec: string }).jobspec;
        const id = String((JSON.parse(jobspec) as { ID: unknown }).ID);
        if (id === "traefik") continue;
        state.jobs.push({ stack: name, id, jobspec });
      }
    }
    assert.deepEqual(
      state.jobs.slice(before).map((j) => `${j.stack} ${j.id}`),
      [
        "storage-nfs-serve nfs-server",
        "storage-nfs-serve homeport-nfs-node",
        "storage-nfs-serve homeport-nfs-controller",
        "storage-ceph homeport-rbd-node",
        "storage-ceph homeport-rbd-controller",
        "storage-ceph homeport-cephfs-node",
        "storage-ceph homeport-cephfs-controller",
      ],
    );
  });

  it("every rendered job decodes strictly into api.Job and passes every check", async (t) => {
    if (!needsChecker(t)) return;
    if (state.jobs.length === 0) return t.skip("no job was rendered");
    const started = Date.now();
    const r = await check(
      state.jobs.map((j) => ({ name: `${j.stack}-${j.id}`, text: j.jobspec })),
      true,
    );
    t.diagnostic(
      `figure nomad.jobcheck.check: ${state.jobs.length} jobs in ${seconds(Date.now() - started)}`,
    );
    assert.equal(r.stderr, "");
    assert.equal(r.status, 0);
    // -print writes one canonical job per input: what Nomad's API client would send.
    const canonical = r.stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as { ID: string; Priority: number; TaskGroups: unknown[] });
    assert.deepEqual(
      canonical.map((j) => j.ID),
      state.jobs.map((j) => j.id),
    );
    // Canonicalize keeps the priority the job sets (node agents 90), else Nomad's default, 50.
    for (const [i, j] of canonical.entries()) {
      const rendered = (JSON.parse(state.jobs[i].jobspec) as { Priority?: number }).Priority;
      assert.equal(j.Priority, rendered ?? 50, `job ${j.ID}: the priority after Canonicalize`);
      assert.ok(j.TaskGroups.length > 0);
    }
    assert.ok(
      canonical.some((j) => j.Priority === 90) && canonical.some((j) => j.Priority === 50),
      "the stacks render node agents (priority 90) and other jobs (50)",
    );
  });

  describe("the checker can fail", () => {
    it("an unknown field is an error", async (t) => {
      if (!needsChecker(t)) return;
      const r = await check([
        {
          name: "unknown-field",
          text: edited("frontend", (j) => (j.TaskGroups[0].Countt = 2)),
        },
      ]);
      assert.equal(r.status, 1);
      assert.equal(
        r.stderr,
        'unknown-field.json: job frontend: decode: json: unknown field "Countt"\n',
      );
    });

    it("a wrong type is an error: a duration as a string, a count as a string", async (t) => {
      if (!needsChecker(t)) return;
      const r = await check([
        {
          name: "duration",
          text: edited("frontend", (j) => (j.TaskGroups[0].Services[0].Checks[0].Interval = "10s")),
        },
        { name: "count", text: edited("frontend", (j) => (j.TaskGroups[0].Count = "2")) },
      ]);
      assert.equal(r.status, 1);
      assert.equal(
        r.stderr,
        "duration.json: job frontend: decode: field TaskGroups.Services.Checks.Interval: a JSON string cannot be a Go time.Duration (api.ServiceCheck)\n" +
          "count.json: job frontend: decode: field TaskGroups.Count: a JSON string cannot be a Go int (api.TaskGroup)\n",
      );
    });

    it("trailing data after the job is an error", async (t) => {
      if (!needsChecker(t)) return;
      const r = await check([{ name: "trailing", text: `${edited("frontend", () => {})} {}` }]);
      assert.equal(r.status, 1);
      assert.equal(r.stderr, "trailing.json: job frontend: decode: trailing data after the job\n");
    });

    it("what the types allow but Nomad refuses: driver, provider, check, template, volume, constraint", async (t) => {
      if (!needsChecker(t)) return;
      const r = await check([
        {
          name: "semantic",
          text: edited("frontend", (j) => {
            const group = j.TaskGroups[0];
            const task = group.Tasks[0];
            task.Driver = "dockr";
            group.Count = -1;
            group.Services[0].Provider = "etcd";
            group.Services[0].Checks[0].Type = "script";
            group.Services.push({ ...group.Services[0], Name: "frontend_2", Provider: "nomad" });
            group.Services[1].Checks = [{ Type: "http", Interval: 0, Timeout: 1e9 }];
            task.Templates = [{ DestPath: "local/x", ChangeMode: "reload" }];
            group.Volumes = { data: { Type: "nfs", Source: "" } };
            task.VolumeMounts = [{ Volume: "cache", Destination: "/cache" }];
            group.Constraints = [{ LTarget: "${node.class}", Operand: "like", RTarget: "x" }];
          }),
        },
      ]);
      assert.equal(r.status, 1);
      assert.deepEqual(r.stderr.trim().split("\n"), [
        'semantic.json: job frontend: group "frontend": Count -1 is negative',
        'semantic.json: job frontend: group "frontend" constraint[0]: operator "like" is unknown',
        'semantic.json: job frontend: group "frontend" volume "data": Type "nfs" is not one of csi, host',
        'semantic.json: job frontend: group "frontend" volume "data": Source is missing',
        'semantic.json: job frontend: group "frontend" task "frontend": Driver "dockr" is not one of docker, exec, exec2, java, podman, qemu, raw_exec',
        'semantic.json: job frontend: group "frontend" task "frontend" volume_mount[0]: Volume "cache" is not declared by the group',
        'semantic.json: job frontend: group "frontend" task "frontend" template[0]: neither SourcePath nor EmbeddedTmpl is set',
        'semantic.json: job frontend: group "frontend" task "frontend" template[0]: ChangeMode "reload" is not one of noop, restart, script, signal',
        'semantic.json: job frontend: group "frontend" service[0]: Provider "etcd" is not one of consul, nomad',
        'semantic.json: job frontend: group "frontend" service[0] check[0]: a script check needs a Command',
        'semantic.json: job frontend: group "frontend" service[0] check[0]: a script check of a group service needs the TaskName it runs in',
        'semantic.json: job frontend: group "frontend" service[1]: Name "frontend_2" is not a valid service name (letters, digits and dashes, 1 to 63, no leading or trailing dash)',
        'semantic.json: job frontend: group "frontend" service[1] check[0]: Interval 0s is below 1s',
        'semantic.json: job frontend: group "frontend" service[1] check[0]: an http check needs a Path',
        'semantic.json: job frontend: group "frontend": services use providers "etcd" and "nomad": every service of a group must use the same one',
      ]);
    });

    it("a script check with the nomad provider is refused (the built-in catalogue runs none)", async (t) => {
      if (!needsChecker(t)) return;
      const r = await check([
        {
          name: "script-on-nomad",
          text: edited("frontend", (j) => {
            const service = j.TaskGroups[0].Services[0];
            service.Provider = "nomad";
            Object.assign(service.Checks[0], {
              Type: "script",
              Command: "/bin/true",
              TaskName: "frontend",
            });
          }),
        },
      ]);
      assert.equal(r.status, 1);
      assert.equal(
        r.stderr,
        'script-on-nomad.json: job frontend: group "frontend" service[0] check[0]: Type "script" does not run with provider nomad (only http, tcp); use provider consul\n',
      );
    });
  });
});
