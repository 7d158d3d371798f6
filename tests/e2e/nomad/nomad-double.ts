/**
 * A stand-in for Nomad's HTTP API (not a Nomad agent: it schedules and runs nothing), for the
 * job and variable resources' contract tests. Paths, methods, request and response shapes follow
 * the MPL github.com/hashicorp/nomad/api module, which is what Nomad's own CLI speaks:
 *
 * - api/jobs.go: PUT /v1/validate/job (JobValidateRequest -> JobValidateResponse), PUT /v1/jobs
 *   (RegisterJobRequest -> JobRegisterResponse), GET /v1/job/:id (Job), PUT /v1/job/:id/plan
 *   (JobPlanRequest -> JobPlanResponse with a JobDiff of FieldDiff and TaskGroupDiff),
 *   DELETE /v1/job/:id?purge= (JobDeregisterResponse), GET /v1/job/:id/deployment (Deployment),
 *   /allocations (AllocationListStub) and /evaluations (Evaluation);
 * - api/evaluations.go: GET /v1/evaluation/:id (Evaluation);
 * - api/variables.go: PUT, GET, DELETE /v1/var/:path (Variable);
 * - api/csi.go: PUT /v1/volume/csi/:id (CSIVolumes.Register, CSIVolumeRegisterRequest),
 *   PUT /v1/volume/csi/:id/create (CSIVolumes.Create, CSIVolumeCreateRequest ->
 *   CSIVolumeCreateResponse), GET /v1/volume/csi/:id (CSIVolumes.Info, CSIVolume with its
 *   secrets redacted as the agent does), DELETE /v1/volume/csi/:id?force= (CSIVolumes.Deregister:
 *   the volume stays in the storage provider), GET /v1/plugin/csi/:id (CSIPlugin's health
 *   counts); a volume is validated as nomad/structs/csi.go CSIVolume.Validate does ("validation:
 *   missing volume id, missing plugin id, missing namespace"), a create needs a healthy
 *   controller, and plugins' health is scripted (`plugins`);
 * - api/api.go: the X-Nomad-Token header and the namespace and region query parameters.
 *
 * Like the agent it accepts POST wherever the module sends PUT. Validation is nomad-jobcheck's
 * (toolchain/nomad-jobcheck), whose messages come back as ValidationErrors; the plan compares the
 * canonical forms of the stored and the submitted job. An ACL can be switched on (a token and
 * the namespaces it may use: 403 "Permission denied" otherwise, as the agent answers), and the
 * evaluation, deployment and allocations that a registration produces are scripted per job.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";

type Json = Record<string, unknown>;

/** What Nomad would do after registering a job: scripted outcomes, applied in order. */
export interface Outcome {
  /** Evaluation statuses answered one after the other (the last one repeats). @default ["complete"] */
  readonly evaluation?: string[];
  /** Deployment statuses answered one after the other (the last one repeats); none when empty. */
  readonly deployment?: { Status: string; StatusDescription?: string }[];
  /** The evaluation is gone before it is read (garbage-collected): GET answers 404. */
  readonly evaluationGone?: boolean;
  /** Allocation client statuses of the job's current version (batch jobs). */
  readonly allocations?: string[];
}

export interface Call {
  readonly method: string;
  readonly path: string;
  readonly query: Record<string, string>;
  readonly token?: string;
  readonly body?: unknown;
}

/** Fields that the agent keeps about a job and that are not part of what was submitted. */
const SERVER_FIELDS = [
  "Version",
  "JobModifyIndex",
  "ModifyIndex",
  "CreateIndex",
  "SubmitTime",
  "Status",
  "StatusDescription",
  "Stable",
  "Stop",
] as const;

export class NomadDouble {
  readonly calls: Call[] = [];
  acl?: { token: string; namespaces: string[] };
  outcomes: Record<string, Outcome> = {};
  /** CSI plugins' health, by plugin ID: what their jobs would report (absent: not registered). */
  plugins: Record<
    string,
    { ControllerRequired: boolean; ControllersHealthy: number; NodesHealthy: number }
  > = {};
  /** Volumes as stored (secrets kept, as the agent keeps them), by "namespace/id". */
  readonly volumes = new Map<string, Json>();
  private jobs = new Map<string, Json>();
  private evals = new Map<string, { job: string; statuses: string[] }>();
  private deployments = new Map<string, { Status: string; StatusDescription?: string }[]>();
  private variables = new Map<string, Json>();
  private index = 100;
  private server?: http.Server;
  private dir = fs.mkdtempSync(path.join(os.tmpdir(), "homeport-nomad-double-"));
  address = "";

  constructor(private readonly checker: string) {}

  async start(): Promise<string> {
    this.server = http.createServer((req, res) => {
      let raw = "";
      req.on("data", (c) => (raw += c));
      req.on("end", () => {
        const url = new URL(req.url ?? "/", "http://double");
        const call: Call = {
          method: req.method ?? "",
          path: url.pathname,
          query: Object.fromEntries(url.searchParams),
          token: req.headers["x-nomad-token"] as string | undefined,
          body: raw ? (JSON.parse(raw) as unknown) : undefined,
        };
        this.calls.push(call);
        const [status, body] = this.answer(call);
        res.writeHead(status, {
          "Content-Type": typeof body === "string" ? "text/plain" : "application/json",
          "X-Nomad-Index": String(this.index),
        });
        res.end(typeof body === "string" ? body : JSON.stringify(body));
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
    this.address = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.address;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) =>
      this.server ? this.server.close(() => resolve()) : resolve(),
    );
    fs.rmSync(this.dir, { recursive: true, force: true });
  }

  /** The stored job, as GET /v1/job/:id returns it; undefined when there is none. */
  job(id: string, namespace = "default"): Json | undefined {
    return this.jobs.get(`${namespace}/${id}`);
  }

  /** Changes a stored job behind the resource's back, as `nomad job scale` would. */
  edit(id: string, namespace: string, change: (job: Json) => void): void {
    const job = this.job(id, namespace);
    if (!job) throw new Error(`no job ${namespace}/${id}`);
    change(job);
    job.Version = Number(job.Version) + 1;
    job.JobModifyIndex = ++this.index;
  }

  private answer(call: Call): [number, unknown] {
    const ns = call.query.namespace ?? "default";
    if (this.acl && (call.token !== this.acl.token || !this.acl.namespaces.includes(ns))) {
      return [403, "Permission denied"];
    }
    const write = call.method === "PUT" || call.method === "POST";
    const body = (call.body ?? {}) as { Job?: Json; Diff?: boolean };
    let m: RegExpExecArray | null;
    if (write && call.path === "/v1/validate/job") return [200, this.validate(body.Job)];
    if (write && call.path === "/v1/jobs") return this.register(ns, body.Job);
    if (write && (m = /^\/v1\/job\/([^/]+)\/plan$/.exec(call.path))) {
      return this.plan(ns, decodeURIComponent(m[1]), body.Job);
    }
    if ((m = /^\/v1\/job\/([^/]+)(\/[a-z]+)?$/.exec(call.path))) {
      const id = decodeURIComponent(m[1]);
      const key = `${ns}/${id}`;
      const job = this.jobs.get(key);
      if (!job) return [404, "job not found"];
      const sub = m[2] ?? "";
      if (call.method === "GET" && sub === "") return [200, job];
      if (call.method === "DELETE" && sub === "")
        return this.deregister(key, call.query.purge === "true");
      if (call.method === "GET" && sub === "/deployment") {
        const list = this.deployments.get(key);
        if (!list || list.length === 0) return [200, null];
        const d = list.length > 1 ? list.shift()! : list[0];
        return [200, { ID: `deploy-${id}`, JobID: id, Namespace: ns, ...d }];
      }
      if (call.method === "GET" && sub === "/allocations") {
        return [
          200,
          (this.outcomes[id]?.allocations ?? []).map((status, i) => ({
            ID: `alloc-${id}-${i}`,
            JobID: id,
            JobVersion: job.Version,
            ClientStatus: status,
          })),
        ];
      }
      if (call.method === "GET" && sub === "/evaluations") {
        return [
          200,
          [...this.evals.entries()].filter(([, e]) => e.job === key).map(([ID]) => ({ ID })),
        ];
      }
    }
    if (call.method === "GET" && (m = /^\/v1\/evaluation\/([^/]+)$/.exec(call.path))) {
      const e = this.evals.get(m[1]);
      if (!e) return [404, "eval not found"];
      const Status = e.statuses.length > 1 ? e.statuses.shift()! : e.statuses[0];
      return [200, { ID: m[1], Status, JobID: e.job.split("/")[1], Namespace: ns }];
    }
    if (call.method === "GET" && (m = /^\/v1\/plugin\/csi\/([^/]+)$/.exec(call.path))) {
      const id = decodeURIComponent(m[1]);
      const plugin = this.plugins[id];
      return plugin ? [200, { ID: id, ...plugin }] : [404, "plugin not found"];
    }
    if ((m = /^\/v1\/volume\/csi\/([^/]+)(\/create)?$/.exec(call.path))) {
      return this.volume(call, ns, decodeURIComponent(m[1]), m[2] === "/create");
    }
    if ((m = /^\/v1\/var\/(.+)$/.exec(call.path))) {
      const key = `${ns}/${m[1]}`;
      if (write) {
        const v = { ...(call.body as Json), Namespace: ns, Path: m[1], ModifyIndex: ++this.index };
        this.variables.set(key, v);
        return [200, v];
      }
      if (call.method === "GET") {
        const v = this.variables.get(key);
        return v ? [200, v] : [404, "variable not found"];
      }
      if (call.method === "DELETE") {
        this.variables.delete(key);
        return [200, {}];
      }
    }
    return [404, `no such path in the Nomad API stand-in: ${call.method} ${call.path}`];
  }

  /** The CSI volume endpoints of api/csi.go. */
  private volume(call: Call, ns: string, id: string, create: boolean): [number, unknown] {
    const key = `${ns}/${id}`;
    if (call.method === "GET" && !create) {
      const v = this.volumes.get(key);
      if (!v) return [404, "volume not found"];
      const secrets = Object.fromEntries(
        Object.keys((v.Secrets as Json | undefined) ?? {}).map((k) => [k, "[REDACTED]"]),
      );
      return [200, { ...v, Secrets: secrets }];
    }
    if (call.method === "DELETE" && !create) {
      if (!this.volumes.has(key)) return [500, `volume not found: ${id}`];
      this.volumes.delete(key);
      return [200, {}];
    }
    if (call.method !== "PUT" && call.method !== "POST") return [405, "method not allowed"];
    const volumes = ((call.body as { Volumes?: Json[] } | undefined)?.Volumes ?? []) as Json[];
    if (volumes.length !== 1) return [400, "exactly one volume must be provided"];
    const v: Json = { ...volumes[0], Namespace: volumes[0].Namespace ?? ns };
    const errs = [
      ...(v.ID ? [] : ["missing volume id"]),
      ...(v.PluginID ? [] : ["missing plugin id"]),
      ...(v.Namespace ? [] : ["missing namespace"]),
    ];
    if (errs.length > 0) return [500, `validation: ${errs.join(", ")}`];
    if (v.ID !== id) return [400, `volume ID "${String(v.ID)}" does not match the path "${id}"`];
    const plugin = this.plugins[String(v.PluginID)];
    if (!plugin) return [500, `no CSI plugin named: ${String(v.PluginID)} could be found`];
    if (create && plugin.ControllersHealthy < 1)
      return [500, `plugin ${String(v.PluginID)} has no healthy controllers`];
    if (!create && !v.ExternalID) return [500, "validation: missing external id"];
    const stored = {
      ...v,
      ExternalID: v.ExternalID ?? `${String(v.PluginID)}/${id}`,
      Capacity: v.RequestedCapacityMin ?? 0,
      Schedulable: plugin.NodesHealthy > 0,
      ModifyIndex: ++this.index,
    };
    this.volumes.set(key, stored);
    return [200, create ? { Volumes: [stored] } : {}];
  }

  /** nomad-jobcheck on one job: its canonical form, or its problems without the file prefix. */
  private check(job: unknown): { canonical?: Json; errors: string[] } {
    const file = path.join(this.dir, `job-${++this.index}.json`);
    fs.writeFileSync(file, JSON.stringify(job ?? null));
    const r = spawnSync(this.checker, ["-print", file], { encoding: "utf8" });
    fs.rmSync(file, { force: true });
    const errors = r.stderr
      .split("\n")
      .filter((l) => l.length > 0)
      .map((l) => l.replace(/^.*?: job [^:]*: /, ""));
    if (r.status === 0) return { canonical: JSON.parse(r.stdout) as Json, errors: [] };
    return { errors: errors.length > 0 ? errors : [`nomad-jobcheck exited ${r.status}`] };
  }

  private validate(job: unknown) {
    const { errors } = this.check(job);
    return {
      DriverConfigValidated: errors.length === 0,
      ValidationErrors: errors.length > 0 ? errors : null,
      Error:
        errors.length > 0 ? `${errors.length} error(s) occurred:\n\n* ${errors.join("\n* ")}` : "",
      Warnings: "",
    };
  }

  private register(ns: string, job: Json | undefined): [number, unknown] {
    const { canonical, errors } = this.check(job);
    if (!canonical) return [500, `1 error occurred:\n\t* ${errors.join("\n\t* ")}\n`];
    const id = String(canonical.ID);
    const key = `${ns}/${id}`;
    const old = this.jobs.get(key);
    const changed = !old || JSON.stringify(strip(old)) !== JSON.stringify(strip(canonical));
    const stored: Json = {
      ...canonical,
      Namespace: ns,
      Stop: false,
      Status: "pending",
      Version: old ? Number(old.Version) + (changed ? 1 : 0) : 0,
      JobModifyIndex: ++this.index,
      SubmitTime: Date.now() * 1e6,
    };
    this.jobs.set(key, stored);
    const outcome = this.outcomes[id] ?? {};
    const evalId = `eval-${this.index}`;
    if (!outcome.evaluationGone) {
      this.evals.set(evalId, { job: key, statuses: [...(outcome.evaluation ?? ["complete"])] });
    }
    this.deployments.set(key, [...(outcome.deployment ?? [])]);
    return [
      200,
      { EvalID: evalId, EvalCreateIndex: this.index, JobModifyIndex: this.index, Warnings: "" },
    ];
  }

  private plan(ns: string, id: string, job: Json | undefined): [number, unknown] {
    const { canonical, errors } = this.check(job);
    if (!canonical) return [500, `1 error occurred:\n\t* ${errors.join("\n\t* ")}\n`];
    if (String(canonical.ID) !== id) return [400, "Job ID does not match"];
    const old = this.jobs.get(`${ns}/${id}`);
    const next = strip({ ...canonical, Namespace: ns });
    const diff = old
      ? jobDiff(strip(old), next)
      : { Type: "Added", ID: id, Fields: [], TaskGroups: [] };
    return [200, { JobModifyIndex: old?.JobModifyIndex ?? 0, Diff: diff, Warnings: "" }];
  }

  private deregister(key: string, purge: boolean): [number, unknown] {
    if (purge) this.jobs.delete(key);
    else this.jobs.get(key)!.Stop = true;
    const evalId = `eval-${++this.index}`;
    return [200, { EvalID: evalId, EvalCreateIndex: this.index, JobModifyIndex: this.index }];
  }
}

function strip(job: Json): Json {
  const out = { ...job };
  for (const f of SERVER_FIELDS) delete out[f];
  return out;
}

/** A JobDiff (api/jobs.go) of two canonical jobs: top-level fields and task groups by name. */
function jobDiff(old: Json, next: Json) {
  const fields = (a: Json, b: Json, skip: string[]) =>
    [...new Set([...Object.keys(a), ...Object.keys(b)])]
      .filter((k) => !skip.includes(k) && JSON.stringify(a[k]) !== JSON.stringify(b[k]))
      .sort()
      .map((Name) => ({
        Type: "Edited",
        Name,
        Old: JSON.stringify(a[Name]),
        New: JSON.stringify(b[Name]),
      }));
  const groups = (j: Json) =>
    new Map(((j.TaskGroups ?? []) as Json[]).map((g) => [String(g.Name), g]));
  const before = groups(old);
  const after = groups(next);
  const TaskGroups = [...new Set([...before.keys(), ...after.keys()])].sort().map((Name) => {
    const a = before.get(Name);
    const b = after.get(Name);
    if (!a) return { Type: "Added", Name, Fields: [] };
    if (!b) return { Type: "Deleted", Name, Fields: [] };
    const Fields = fields(a, b, []);
    return { Type: Fields.length > 0 ? "Edited" : "None", Name, Fields };
  });
  const Fields = fields(old, next, ["TaskGroups"]);
  const edited = Fields.length > 0 || TaskGroups.some((g) => g.Type !== "None");
  return { Type: edited ? "Edited" : "None", ID: String(next.ID), Fields, TaskGroups };
}
