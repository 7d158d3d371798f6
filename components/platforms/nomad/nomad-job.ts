import * as pulumi from "@pulumi/pulumi";
import {
  deleteVariable,
  deregisterJob,
  NomadApiError,
  NomadConnection,
  nomadRequest,
  planJob,
  putVariable,
  readJob,
  readVariable,
  registerJob,
  validateJob,
} from "./nomad-api";

/** Inputs of a {@link NomadJob}, close to `nomad.Job` of the official provider. */
export interface NomadJobArgs {
  /** The job in Nomad's JSON format (the API's `Job` object). */
  readonly jobspec: pulumi.Input<string>;
  /** Nomad HTTP API address. */
  readonly address: pulumi.Input<string>;
  readonly region?: pulumi.Input<string>;
  readonly namespace?: pulumi.Input<string>;
  /** Purge the job from Nomad's state on destroy, instead of only stopping it. @default false */
  readonly purgeOnDestroy?: pulumi.Input<boolean>;
  /** Return as soon as Nomad accepted the job, instead of waiting for its deployment. @default true */
  readonly detach?: pulumi.Input<boolean>;
}

interface JobInputs {
  jobspec: string;
  address: string;
  region?: string;
  namespace?: string;
  purgeOnDestroy?: boolean;
  detach?: boolean;
}

const connectionOf = (inputs: JobInputs): NomadConnection => ({
  address: inputs.address,
  region: inputs.region,
  namespace: inputs.namespace,
});

/**
 * Waits for the job's latest deployment to finish; throws if it fails or times out.
 * @param evalId The evaluation that registering the job created: the scheduler creates the
 * deployment while it processes it, so until then the latest deployment is none (a new job) or
 * the previous version's (an update), and neither says anything about the job just registered.
 */
async function awaitDeployment(
  conn: NomadConnection,
  jobId: string,
  timeoutMs: number,
  evalId?: string,
): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  while (evalId) {
    const evaluation = (await nomadRequest(
      conn,
      "GET",
      `/v1/evaluation/${encodeURIComponent(evalId)}`,
      { what: `read the evaluation of job "${jobId}"` },
    )) as { Status?: string; StatusDescription?: string };
    // An evaluation the scheduler could not complete schedules nothing, so no deployment follows
    // (nomad/structs/structs.go EvalStatusFailed, EvalStatusCancelled).
    if (evaluation.Status === "failed" || evaluation.Status === "canceled") {
      throw new NomadApiError(
        `Nomad's evaluation of job "${jobId}" ${evaluation.Status}${evaluation.StatusDescription ? `: ${evaluation.StatusDescription}` : ""}; see: nomad eval status ${evalId}`,
      );
    }
    if (evaluation.Status !== "pending") break;
    if (Date.now() > deadline)
      throw new NomadApiError(`Nomad did not evaluate job "${jobId}" in time.`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  for (;;) {
    const deployment = (await nomadRequest(
      conn,
      "GET",
      `/v1/job/${encodeURIComponent(jobId)}/deployment`,
      {
        allowNotFound: true,
        what: `read the deployment of job "${jobId}"`,
      },
    )) as { Status?: string; StatusDescription?: string } | undefined | null;
    const status = deployment?.Status;
    if (!deployment || status === "successful") return status ?? "none";
    if (status === "failed" || status === "cancelled") {
      throw new NomadApiError(
        `Deployment of job "${jobId}" ${status}: ${deployment.StatusDescription ?? ""}`,
      );
    }
    if (Date.now() > deadline)
      throw new NomadApiError(
        `Deployment of job "${jobId}" did not finish in time (last status: ${status}).`,
      );
    await new Promise((resolve) => setTimeout(resolve, 2000));
  }
}

/** Why Nomad cannot place a job, from its blocked evaluation; undefined when nothing blocks it. */
async function placementProblem(conn: NomadConnection, jobId: string): Promise<string | undefined> {
  type Metrics = {
    ConstraintFiltered?: Record<string, number>;
    DimensionExhausted?: Record<string, number>;
  };
  const evaluations = ((await nomadRequest(
    conn,
    "GET",
    `/v1/job/${encodeURIComponent(jobId)}/evaluations`,
    { what: `read the evaluations of job "${jobId}"` },
  )) ?? []) as { Status?: string; FailedTGAllocs?: Record<string, Metrics> | null }[];
  const blocked = evaluations.find((e) => e.Status === "blocked" && e.FailedTGAllocs);
  if (!blocked?.FailedTGAllocs) return undefined;
  const reasons = Object.entries(blocked.FailedTGAllocs).flatMap(([group, m]) => [
    ...Object.entries(m.ConstraintFiltered ?? {}).map(
      ([constraint, n]) => `group ${group}: ${n} node(s) fail ${constraint}`,
    ),
    ...Object.entries(m.DimensionExhausted ?? {}).map(
      ([dimension, n]) => `group ${group}: ${n} node(s) short of ${dimension}`,
    ),
  ]);
  return reasons.length > 0 ? reasons.join("; ") : "no node can run it";
}

/**
 * Waits until every allocation of the job's current version has completed; throws as soon as one
 * has failed (batch jobs run to completion and have no deployment to watch), and on timeout says
 * why Nomad could not place the job, if it could not.
 */
export async function awaitCompletion(
  conn: NomadConnection,
  jobId: string,
  timeoutMs: number,
  pollMs = 2000,
): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  const path = `/v1/job/${encodeURIComponent(jobId)}`;
  for (;;) {
    const job = (await nomadRequest(conn, "GET", path, { what: `read job "${jobId}"` })) as {
      Version?: number;
      TaskGroups?: { Count?: number }[];
    };
    const expected = (job.TaskGroups ?? []).reduce((sum, g) => sum + (g.Count ?? 1), 0);
    const allocations = (
      ((await nomadRequest(conn, "GET", `${path}/allocations`, {
        what: `read the allocations of job "${jobId}"`,
      })) ?? []) as { JobVersion?: number; ClientStatus?: string; ID?: string }[]
    ).filter((a) => a.JobVersion === job.Version);
    const failed = allocations.find(
      (a) => a.ClientStatus === "failed" || a.ClientStatus === "lost",
    );
    if (failed) {
      throw new NomadApiError(
        `Job "${jobId}" failed (allocation ${failed.ID ?? "?"} is ${failed.ClientStatus}); see: nomad alloc logs ${failed.ID ?? ""}`,
      );
    }
    const complete = allocations.filter((a) => a.ClientStatus === "complete").length;
    if (complete >= expected) return "complete";
    if (Date.now() > deadline) {
      const problem = allocations.length === 0 ? await placementProblem(conn, jobId) : undefined;
      throw new NomadApiError(
        `Job "${jobId}" did not complete in time (${complete} of ${expected} allocations complete)` +
          (problem ? `; Nomad cannot place it: ${problem}.` : "."),
      );
    }
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}

/** Waits for what a job runs: its completion (batch) or its deployment (service). */
const awaitJob = (
  conn: NomadConnection,
  job: Record<string, unknown>,
  evalId?: string,
): Promise<string> =>
  job.Type === "batch"
    ? awaitCompletion(conn, String(job.ID), 10 * 60_000)
    : awaitDeployment(conn, String(job.ID), 5 * 60_000, evalId);

/** How the engine hands a dynamic provider a value that is not known yet (during a preview). */
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** True for a jobspec that is known: a preview may not know it yet, which is not an error. */
const isKnown = (value: unknown): value is string => typeof value === "string" && value !== UNKNOWN;

/** The CRUD operations of a Nomad job, over Nomad's HTTP API. */
export const nomadJobProvider: pulumi.dynamic.ResourceProvider = {
  async check(_olds: JobInputs, news: JobInputs) {
    const failures: pulumi.dynamic.CheckFailure[] = [];
    if (isKnown(news.jobspec)) {
      try {
        const job = JSON.parse(news.jobspec) as Record<string, unknown>;
        if (typeof job.ID !== "string" || job.ID.length === 0)
          failures.push({ property: "jobspec", reason: "the jobspec has no ID" });
      } catch (err) {
        failures.push({
          property: "jobspec",
          reason: `the jobspec is not valid JSON: ${(err as Error).message}`,
        });
      }
    }
    return { inputs: news, failures };
  },

  async create(inputs: JobInputs) {
    const conn = connectionOf(inputs);
    const job = JSON.parse(inputs.jobspec) as Record<string, unknown>;
    await validateJob(conn, job);
    const result = await registerJob(conn, job);
    const deploymentStatus =
      inputs.detach === false ? await awaitJob(conn, job, result.EvalID) : undefined;
    return {
      id: String(job.ID),
      outs: { ...inputs, jobId: job.ID, modifyIndex: result.JobModifyIndex ?? 0, deploymentStatus },
    };
  },

  async read(id: string, props: JobInputs & Record<string, unknown>) {
    const live = await readJob(connectionOf(props), id);
    if (!live) return {};
    return { id, props: { ...props, modifyIndex: live.JobModifyIndex ?? props.modifyIndex } };
  },

  async diff(id: string, olds: JobInputs, news: JobInputs) {
    const replaces: string[] = [];
    if (olds.address !== news.address) replaces.push("address");
    if ((olds.namespace ?? "") !== (news.namespace ?? "")) replaces.push("namespace");
    if ((olds.region ?? "") !== (news.region ?? "")) replaces.push("region");
    if (!isKnown(news.jobspec)) return { changes: true, replaces };
    const job = JSON.parse(news.jobspec) as Record<string, unknown>;
    if (job.ID !== id) replaces.push("jobspec");
    if (replaces.length > 0) return { changes: true, replaces, deleteBeforeReplace: true };
    let drift = false;
    try {
      // Nomad's plan compares the desired job with what runs now, so changes made outside
      // Pulumi (a `nomad job run`, a scale) show up as a diff too.
      drift = (await planJob(connectionOf(news), job)).type !== "None";
    } catch (err) {
      // Without access to Nomad (a preview in a pull request), fall back to comparing specs.
      if (!(err instanceof NomadApiError) || err.status !== undefined) throw err;
    }
    const changes =
      drift ||
      olds.jobspec !== news.jobspec ||
      olds.purgeOnDestroy !== news.purgeOnDestroy ||
      olds.detach !== news.detach;
    return { changes, replaces: [] };
  },

  async update(_id: string, _olds: JobInputs, news: JobInputs) {
    const conn = connectionOf(news);
    const job = JSON.parse(news.jobspec) as Record<string, unknown>;
    await validateJob(conn, job);
    const result = await registerJob(conn, job);
    const deploymentStatus =
      news.detach === false ? await awaitJob(conn, job, result.EvalID) : undefined;
    return {
      outs: { ...news, jobId: job.ID, modifyIndex: result.JobModifyIndex ?? 0, deploymentStatus },
    };
  },

  async delete(id: string, props: JobInputs) {
    await deregisterJob(connectionOf(props), id, props.purgeOnDestroy === true);
  },
};

/** A Nomad job registered through Nomad's HTTP API. */
export class NomadJob extends pulumi.dynamic.Resource {
  public readonly jobId!: pulumi.Output<string>;
  public readonly modifyIndex!: pulumi.Output<number>;
  public readonly jobspec!: pulumi.Output<string>;

  constructor(name: string, args: NomadJobArgs, opts: pulumi.CustomResourceOptions = {}) {
    super(
      nomadJobProvider,
      name,
      {
        purgeOnDestroy: false,
        detach: true,
        ...args,
        jobId: undefined,
        modifyIndex: undefined,
        deploymentStatus: undefined,
      },
      opts,
      "nomad",
      "Job",
    );
  }
}

interface VariableInputs {
  path: string;
  items: Record<string, string>;
  address: string;
  region?: string;
  namespace?: string;
}

/** The CRUD operations of a Nomad variable (where a job's secrets live). */
export const nomadVariableProvider: pulumi.dynamic.ResourceProvider = {
  async create(inputs: VariableInputs) {
    await putVariable(connectionOf({ ...inputs, jobspec: "" }), inputs.path, inputs.items);
    return { id: inputs.path, outs: inputs };
  },
  async read(id: string, props: VariableInputs) {
    const items = await readVariable(connectionOf({ ...props, jobspec: "" }), id);
    return items ? { id, props: { ...props, items } } : {};
  },
  async diff(_id: string, olds: VariableInputs, news: VariableInputs) {
    const replaces = (["path", "address", "namespace", "region"] as const).filter(
      (k) => (olds[k] ?? "") !== (news[k] ?? ""),
    );
    const changes =
      replaces.length > 0 || JSON.stringify(olds.items) !== JSON.stringify(news.items);
    return { changes, replaces, deleteBeforeReplace: true };
  },
  async update(_id: string, _olds: VariableInputs, news: VariableInputs) {
    await putVariable(connectionOf({ ...news, jobspec: "" }), news.path, news.items);
    return { outs: news };
  },
  async delete(id: string, props: VariableInputs) {
    await deleteVariable(connectionOf({ ...props, jobspec: "" }), id);
  },
};

export interface NomadVariableArgs {
  readonly path: pulumi.Input<string>;
  /** Secret values; stored encrypted in the stack's state. */
  readonly items: pulumi.Input<Record<string, pulumi.Input<string>>>;
  readonly address: pulumi.Input<string>;
  readonly region?: pulumi.Input<string>;
  readonly namespace?: pulumi.Input<string>;
}

/** A Nomad variable holding a job's secrets. */
export class NomadVariable extends pulumi.dynamic.Resource {
  public readonly path!: pulumi.Output<string>;

  constructor(name: string, args: NomadVariableArgs, opts: pulumi.CustomResourceOptions = {}) {
    super(
      nomadVariableProvider,
      name,
      { ...args, items: pulumi.secret(args.items) },
      { ...opts, additionalSecretOutputs: ["items"] },
      "nomad",
      "Variable",
    );
  }
}
