/**
 * Checks of the proxy part on a real deployment, the same on every orchestrator: routing by
 * host, the redirect to HTTPS, the dashboard's basic auth, and Grafana's data source through the
 * proxy. A suite passes where the proxy listens (`opts.address`, loopback by default).
 */
import assert from "node:assert/strict";
import { checkGrafanaDatasource } from "./monitoring";
import { request, RequestOptions, tryRequest } from "./https";
import { waitFor } from "./shell";

/** The stand-in each route reaches (its X-Standin header names its role). */
const EXPECTED_ROLES: Record<string, string> = {
  "proxy-whoami": "whoami",
  "apps.frontend": "frontend",
  "apps.api": "backend",
  grafana: "grafana",
};
/** The path each route's own health check uses (the stand-ins answer /health too). */
const HEALTH_PATHS: Record<string, string> = { grafana: "/api/health" };

/** Host names of the stack's routes, from its `urls` output: name -> host. */
export function routeHosts(outputs: Record<string, unknown>): Record<string, string> {
  const urls = (outputs.urls ?? {}) as Record<string, string>;
  return Object.fromEntries(Object.entries(urls).map(([k, u]) => [k, new URL(u).hostname]));
}

/** Each host reaches its own service on its health path; an unknown host gets 404. */
export async function checkRoutes(
  hosts: Record<string, string>,
  opts: RequestOptions = {},
): Promise<void> {
  const routed = Object.entries(hosts).filter(([name]) => name !== "proxy-dashboard");
  assert.ok(
    routed.length >= 2,
    `expected at least two routed services, got ${JSON.stringify(hosts)}`,
  );
  for (const [name, host] of routed) {
    // The proxy's providers watch or poll: a route appears within their refresh interval.
    const reply = await waitFor(
      `https://${host}/ to answer`,
      async () => {
        const r = await tryRequest(host, HEALTH_PATHS[name] ?? "/health", opts);
        return r && r.status === 200 ? r : undefined;
      },
      60_000,
    );
    const role = String(reply.headers["x-standin"] ?? "").split("/")[0];
    if (EXPECTED_ROLES[name]) {
      assert.equal(role, EXPECTED_ROLES[name], `${host} reached the wrong service`);
    }
    console.log(`# ${host} -> ${role || reply.headers.server || "?"} (HTTP ${reply.status})`);
  }
  const unknown = await request("nowhere.example.invalid", "/", opts);
  assert.equal(unknown.status, 404, "a host without a route must not reach any service");
}

/** `http://` gets a permanent redirect to the same URL on `https://`. */
export async function checkRedirect(host: string, opts: RequestOptions = {}): Promise<void> {
  const r = await request(host, "/some/path?q=1", { ...opts, scheme: "http" });
  assert.ok([301, 308].includes(r.status), `expected a permanent redirect, got ${r.status}`);
  assert.match(
    String(r.headers.location),
    new RegExp(`^https://${host.replace(/\./g, "\\.")}(:443)?/some/path\\?q=1$`),
  );
}

/** The dashboard's API: 401 without and with a wrong password, 200 with the generated one. */
export async function checkDashboard(
  host: string,
  auth: string | undefined,
  opts: RequestOptions = {},
): Promise<void> {
  assert.ok(auth, "the stack exports no dashboard password");
  const anonymous = await waitFor(
    "the dashboard route",
    async () => {
      const r = await tryRequest(host, "/api/overview", opts);
      return r && r.status !== 404 ? r : undefined;
    },
    60_000,
  );
  assert.equal(anonymous.status, 401);
  const wrong = await request(host, "/api/overview", { ...opts, auth: "admin:not-the-password" });
  assert.equal(wrong.status, 401);
  const r = await request(host, "/api/overview", { ...opts, auth });
  assert.equal(r.status, 200, r.body);
  assert.ok(
    (JSON.parse(r.body) as { http?: unknown }).http,
    "the API answered without its overview",
  );
}

/**
 * Grafana's route refuses no and wrong credentials; with the generated admin password its
 * provisioned data source answers through the proxy. Returns what it answered.
 */
export async function checkGrafanaThroughProxy(
  host: string | undefined,
  credentials: Record<string, string>,
  opts: RequestOptions = {},
): Promise<{ uid: string; series: number; jobs: string[] }> {
  assert.ok(host, "the stack routes no Grafana");
  const password = Object.entries(credentials).find(([k]) => /grafana/.test(k))?.[1];
  assert.ok(password, "the stack exports no Grafana password");
  assert.equal((await request(host, "/api/datasources", opts)).status, 401);
  assert.equal(
    (await request(host, "/api/datasources", { ...opts, auth: "admin:wrong" })).status,
    401,
  );
  const answer = await checkGrafanaDatasource(
    (p, auth) => request(host, p, { ...opts, auth, timeoutMs: 15_000 }),
    `admin:${password}`,
  );
  console.log(`# Grafana data source ${answer.uid}: up{} for jobs ${answer.jobs.join(", ")}`);
  return answer;
}
