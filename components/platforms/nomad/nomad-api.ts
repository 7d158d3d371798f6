/**
 * A small client for the parts of Nomad's HTTP API that the job and variable resources use.
 * It depends on nothing but Node's global `fetch`, because Pulumi serializes the dynamic
 * providers that call it into the stack's state.
 */

export interface NomadConnection {
  /** e.g. http://127.0.0.1:4646 */
  readonly address: string;
  readonly region?: string;
  readonly namespace?: string;
}

/** A Nomad API failure, phrased for the person running `pulumi up`. */
export class NomadApiError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = "NomadApiError";
  }
}

/** The token comes from the environment only, so it never lands in the stack's state. */
export function nomadToken(): string | undefined {
  const token = process.env.NOMAD_TOKEN;
  return token && token.length > 0 ? token : undefined;
}

function url(conn: NomadConnection, path: string, query: Record<string, string> = {}): string {
  const params = new URLSearchParams();
  if (conn.region) params.set("region", conn.region);
  if (conn.namespace) params.set("namespace", conn.namespace);
  for (const [k, v] of Object.entries(query)) params.set(k, v);
  const qs = params.toString();
  return `${conn.address.replace(/\/$/, "")}${path}${qs ? `?${qs}` : ""}`;
}

/**
 * Sends one request. Returns the parsed JSON body, or undefined for 404 when `allowNotFound`.
 * @throws NomadApiError naming the cause and the fix: unreachable API, ACL denial, invalid job.
 */
export async function nomadRequest(
  conn: NomadConnection,
  method: "GET" | "POST" | "PUT" | "DELETE",
  path: string,
  options: {
    body?: unknown;
    query?: Record<string, string>;
    allowNotFound?: boolean;
    what: string;
  } = { what: "request" },
): Promise<unknown> {
  const headers: Record<string, string> = { "Content-Type": "application/json" };
  const token = nomadToken();
  if (token) headers["X-Nomad-Token"] = token;
  let response: Response;
  try {
    response = await fetch(url(conn, path, options.query), {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: AbortSignal.timeout(30_000),
    });
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    const detail = cause?.code ?? cause?.message ?? (err as Error).message;
    throw new NomadApiError(
      `Nomad API at ${conn.address} is unreachable (${detail}) while trying to ${options.what}. ` +
        "Fix: start Nomad, or point homeport:nomad.address (or NOMAD_ADDR) at a running agent.",
    );
  }
  const text = await response.text();
  if (response.status === 404 && options.allowNotFound) return undefined;
  if (response.status === 403) {
    throw new NomadApiError(
      `Nomad denied permission to ${options.what} (403: ${text.trim() || "Permission denied"}). ` +
        `Fix: set NOMAD_TOKEN to a token whose ACL policy allows it in namespace "${conn.namespace ?? "default"}".`,
      403,
    );
  }
  if (!response.ok) {
    throw new NomadApiError(
      `Nomad refused to ${options.what} (${response.status}): ${text.trim()}`,
      response.status,
    );
  }
  return text.length > 0 ? JSON.parse(text) : {};
}

/** Checks a job with Nomad's own validator; throws with every validation error it reports. */
export async function validateJob(
  conn: NomadConnection,
  job: Record<string, unknown>,
): Promise<void> {
  const result = (await nomadRequest(conn, "POST", "/v1/validate/job", {
    body: { Job: job },
    what: `validate job "${String(job.ID)}"`,
  })) as { ValidationErrors?: string[] | null; Error?: string };
  const errors = result.ValidationErrors ?? [];
  if (errors.length > 0 || result.Error) {
    throw new NomadApiError(
      `Nomad rejected the jobspec of job "${String(job.ID)}": ${errors.length > 0 ? errors.join("; ") : result.Error}. ` +
        "Fix: correct the workload that produced this job.",
      400,
    );
  }
}

export async function registerJob(
  conn: NomadConnection,
  job: Record<string, unknown>,
): Promise<{ EvalID?: string; JobModifyIndex?: number }> {
  return (await nomadRequest(conn, "POST", "/v1/jobs", {
    body: { Job: job },
    what: `register job "${String(job.ID)}"`,
  })) as {
    EvalID?: string;
    JobModifyIndex?: number;
  };
}

export async function readJob(
  conn: NomadConnection,
  id: string,
): Promise<Record<string, unknown> | undefined> {
  return (await nomadRequest(conn, "GET", `/v1/job/${encodeURIComponent(id)}`, {
    allowNotFound: true,
    what: `read job "${id}"`,
  })) as Record<string, unknown> | undefined;
}

/** Nomad's plan of `job` against what runs now: "None" when nothing would change. */
export async function planJob(
  conn: NomadConnection,
  job: Record<string, unknown>,
): Promise<{ type: string; fields: string[] }> {
  const result = (await nomadRequest(
    conn,
    "POST",
    `/v1/job/${encodeURIComponent(String(job.ID))}/plan`,
    {
      body: { Job: job, Diff: true },
      what: `plan job "${String(job.ID)}"`,
    },
  )) as {
    Diff?: {
      Type?: string;
      Fields?: { Name: string }[] | null;
      TaskGroups?: { Name: string; Type: string }[] | null;
    };
  };
  const diff = result.Diff ?? {};
  const fields = [
    ...(diff.Fields ?? []).map((f) => f.Name),
    ...(diff.TaskGroups ?? []).filter((g) => g.Type !== "None").map((g) => `TaskGroups.${g.Name}`),
  ];
  return { type: diff.Type ?? "None", fields };
}

export async function deregisterJob(
  conn: NomadConnection,
  id: string,
  purge: boolean,
): Promise<void> {
  await nomadRequest(conn, "DELETE", `/v1/job/${encodeURIComponent(id)}`, {
    query: purge ? { purge: "true" } : {},
    allowNotFound: true,
    what: `deregister job "${id}"`,
  });
}

export async function putVariable(
  conn: NomadConnection,
  path: string,
  items: Record<string, string>,
): Promise<void> {
  await nomadRequest(conn, "PUT", `/v1/var/${path}`, {
    body: { Namespace: conn.namespace ?? "default", Path: path, Items: items },
    what: `write variable "${path}"`,
  });
}

export async function readVariable(
  conn: NomadConnection,
  path: string,
): Promise<Record<string, string> | undefined> {
  const result = (await nomadRequest(conn, "GET", `/v1/var/${path}`, {
    allowNotFound: true,
    what: `read variable "${path}"`,
  })) as { Items?: Record<string, string> } | undefined;
  return result?.Items;
}

export async function deleteVariable(conn: NomadConnection, path: string): Promise<void> {
  await nomadRequest(conn, "DELETE", `/v1/var/${path}`, {
    allowNotFound: true,
    what: `delete variable "${path}"`,
  });
}
