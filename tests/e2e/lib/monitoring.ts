/**
 * Checks of the monitoring part on a real deployment, the same on every orchestrator: the suite
 * says how to reach Prometheus and how its orchestrator names things, these functions check.
 *
 * - discovery: every scrape target but Prometheus' own comes from the orchestrator's service
 *   discovery (its `__meta_<sd>_` labels; no `static_configs` in the loaded configuration but the
 *   self-scrape), and every workload that declares a metrics endpoint has targets, all `up`;
 * - alerting: an HTTP receiver in the test process that Alertmanager's webhook notifier posts to
 *   (payload: prometheus/alertmanager notify/webhook/webhook.go, `Message`), to prove that
 *   `TargetDown` and the `Watchdog` are delivered;
 * - Grafana: its provisioned Prometheus data source answers a query through the proxy
 *   (grafana/grafana docs/sources/developers/http_api/data_source.md, "Data source proxy calls").
 */
import assert from "node:assert/strict";
import * as http from "node:http";
import { AddressInfo } from "node:net";
import * as yaml from "js-yaml";
import type { Workspace } from "./pulumi";
import { waitFor } from "./shell";

/** GET on Prometheus' HTTP API (`/api/v1/...`): the parsed JSON body, or undefined. */
export type PrometheusApi = (pathAndQuery: string) => Promise<unknown>;

/** One active target of `/api/v1/targets`. */
export interface Target {
  readonly labels: Record<string, string>;
  readonly discoveredLabels: Record<string, string>;
  readonly scrapeUrl: string;
  readonly health: string;
  readonly lastError: string;
}

/** Prometheus' own job: the only target written in the configuration. */
export const SELF_JOB = "prometheus";

async function activeTargets(api: PrometheusApi): Promise<Target[]> {
  const body = (await api("/api/v1/targets?state=active")) as
    { data?: { activeTargets?: Target[] } } | undefined;
  return body?.data?.activeTargets ?? [];
}

/** The loaded configuration's scrape jobs (`/api/v1/status/config`). */
export async function scrapeConfigs(api: PrometheusApi): Promise<Record<string, unknown>[]> {
  const body = (await api("/api/v1/status/config")) as { data?: { yaml?: string } } | undefined;
  assert.ok(body?.data?.yaml, "Prometheus did not return its configuration");
  const config = yaml.load(body.data.yaml) as { scrape_configs?: Record<string, unknown>[] };
  return config.scrape_configs ?? [];
}

export interface DiscoveryExpectation {
  /** Prefix of the orchestrator's discovery labels, e.g. `__meta_dockerswarm_`. */
  readonly metaPrefix: string;
  /** Workloads that declare a metrics endpoint, as the orchestrator lists them. */
  readonly declared: readonly string[];
  readonly timeoutMs: number;
}

/** What the discovery check saw, for the report. */
export interface DiscoveryReport {
  readonly targets: Target[];
  /** Workload -> number of targets up. */
  readonly upByWorkload: Record<string, number>;
  readonly waitedMs: number;
}

const describeTargets = (targets: Target[]) =>
  targets
    .map(
      (t) =>
        `${t.labels.job} ${t.labels.workload ?? "-"} ${t.scrapeUrl} ${t.health} ${t.lastError}`,
    )
    .join("\n");

/**
 * Waits until every declared workload has at least one target and all of their targets are up,
 * then checks that the targets came from the orchestrator's discovery, not from the
 * configuration.
 */
export async function checkDiscoveredTargets(
  api: PrometheusApi,
  expect: DiscoveryExpectation,
): Promise<DiscoveryReport> {
  assert.ok(expect.declared.length > 0, "no workload declares a metrics endpoint");
  const started = Date.now();
  let targets: Target[] = [];
  const complete = () => {
    const byWorkload = (w: string) => targets.filter((t) => t.labels.workload === w);
    return expect.declared.every(
      (w) => byWorkload(w).length > 0 && byWorkload(w).every((t) => t.health === "up"),
    );
  };
  await waitFor(
    `Prometheus to scrape every declared metrics endpoint (${expect.declared.join(", ")})`,
    async () => {
      targets = await activeTargets(api);
      return complete() ? true : undefined;
    },
    expect.timeoutMs,
    2000,
  ).catch((e: Error) => {
    throw new Error(`${e.message}\ntargets:\n${describeTargets(targets)}`);
  });
  const waitedMs = Date.now() - started;

  for (const t of targets.filter((t) => t.labels.job !== SELF_JOB)) {
    const meta = Object.keys(t.discoveredLabels).filter((k) => k.startsWith(expect.metaPrefix));
    assert.ok(
      meta.length > 0,
      `${t.labels.job} target ${t.scrapeUrl} carries no ${expect.metaPrefix}* label: it was not discovered through the orchestrator`,
    );
    assert.ok(
      t.labels.workload,
      `${t.labels.job} target ${t.scrapeUrl} has no workload label from discovery`,
    );
  }
  const written = (await scrapeConfigs(api))
    .filter((c) => c.job_name !== SELF_JOB && c.static_configs !== undefined)
    .map((c) => c.job_name);
  assert.deepEqual(written, [], "scrape jobs with hand-written targets");

  const upByWorkload: Record<string, number> = {};
  for (const t of targets.filter((t) => t.health === "up" && t.labels.workload)) {
    upByWorkload[t.labels.workload] = (upByWorkload[t.labels.workload] ?? 0) + 1;
  }
  return { targets, upByWorkload, waitedMs };
}

/** The workload's active targets (`/api/v1/targets`). */
export async function workloadTargets(api: PrometheusApi, workload: string): Promise<Target[]> {
  return (await activeTargets(api)).filter((t) => t.labels.workload === workload);
}

/**
 * After a task of `workload` was killed: waits until Prometheus has dropped the killed task's
 * target and scrapes its replacement, found through discovery, as `up`. Tasks are told apart by
 * the discovery label `taskKey` (e.g. `__meta_dockerswarm_task_id`, `__meta_kubernetes_pod_uid`).
 */
export async function checkReplacementDiscovered(
  api: PrometheusApi,
  workload: string,
  taskKey: string,
  killedTask: string,
  timeoutMs: number,
): Promise<Target> {
  let seen: Target[] = [];
  return waitFor(
    `Prometheus to scrape the replacement of ${workload}'s killed task`,
    async () => {
      seen = await workloadTargets(api, workload);
      const old = seen.some((t) => t.discoveredLabels[taskKey] === killedTask);
      const fresh = seen.find(
        (t) => t.discoveredLabels[taskKey] !== killedTask && t.health === "up",
      );
      return !old && fresh ? fresh : undefined;
    },
    timeoutMs,
    1000,
  ).catch((e: Error) => {
    throw new Error(`${e.message}
targets:
${describeTargets(seen)}`);
  });
}

/** One alert of an Alertmanager webhook message. */
export interface WebhookAlert {
  readonly status: "firing" | "resolved";
  readonly labels: Record<string, string>;
  readonly annotations: Record<string, string>;
  readonly startsAt: string;
}

/** An Alertmanager webhook message as received, with the time it arrived. */
export interface Delivery {
  readonly path: string;
  readonly receivedAt: number;
  readonly status: string;
  readonly receiver: string;
  readonly alerts: WebhookAlert[];
}

/**
 * An HTTP server in the test process that records what Alertmanager posts to it, by path (the
 * receiver's `/alerts`, the dead man's switch's `/watchdog`).
 */
export class AlertReceiver {
  readonly deliveries: Delivery[] = [];
  private readonly server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      if (req.method !== "POST") return void res.writeHead(405).end();
      try {
        const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as Partial<Delivery>;
        this.deliveries.push({
          path: req.url ?? "/",
          receivedAt: Date.now(),
          status: String(body.status),
          receiver: String(body.receiver),
          alerts: body.alerts ?? [],
        });
        res.writeHead(200).end();
      } catch {
        res.writeHead(400).end();
      }
    });
  });

  private constructor(readonly host: string) {}

  /** Starts listening on `host` (an address Alertmanager's container can reach), any port. */
  static async start(host: string): Promise<AlertReceiver> {
    const receiver = new AlertReceiver(host);
    await new Promise<void>((resolve, reject) => {
      receiver.server.once("error", reject);
      receiver.server.listen(0, host, () => resolve());
    });
    return receiver;
  }

  /** The URL of `path` on this receiver. */
  url(path: string): string {
    const { port } = this.server.address() as AddressInfo;
    return `http://${this.host}:${port}${path}`;
  }

  /** Waits for a delivery to `path` after `since` that holds an alert `matching`. */
  async waitFor(
    what: string,
    path: string,
    since: number,
    matching: (a: WebhookAlert) => boolean,
    timeoutMs: number,
  ): Promise<{ delivery: Delivery; alert: WebhookAlert }> {
    return waitFor(
      what,
      () => {
        for (const delivery of this.deliveries) {
          if (delivery.path !== path || delivery.receivedAt < since) continue;
          const alert = delivery.alerts.find(matching);
          if (alert) return { delivery, alert };
        }
        return undefined;
      },
      timeoutMs,
      500,
    ).catch((e: Error) => {
      const seen = this.deliveries
        .map((d) => `${d.path} ${d.status}: ${d.alerts.map((a) => a.labels.alertname).join(",")}`)
        .join("\n");
      throw new Error(`${e.message}\ndeliveries so far:\n${seen || "none"}`);
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** Receiver paths the suites configure: alerts, and the dead man's switch. */
export const RECEIVER_PATHS = { alerts: "/alerts", watchdog: "/watchdog" } as const;

/** The stack settings that send alerts to `receiver` (the URLs are set as secrets). */
export function receiverSettings(receiver: AlertReceiver): {
  webhookUrl: string;
  watchdogUrl: string;
} {
  return {
    webhookUrl: receiver.url(RECEIVER_PATHS.alerts),
    watchdogUrl: receiver.url(RECEIVER_PATHS.watchdog),
  };
}

/**
 * Sets the stack's receiver URLs to `receiver` (`webhook.url` and `watchdogUrl` of
 * `homeport:monitoring.alerting`): as secrets, never written in the stack file.
 */
export function setReceiverSecrets(ws: Workspace, receiver: AlertReceiver): void {
  const urls = receiverSettings(receiver);
  for (const [key, url] of [
    ["webhook.url", urls.webhookUrl],
    ["watchdogUrl", urls.watchdogUrl],
  ]) {
    ws.pulumiSync([
      "config",
      "set",
      "--secret",
      "--path",
      `homeport:monitoring.alerting.${key}`,
      url,
    ]);
  }
}

/** Waits for the Watchdog at the dead man's switch; returns when it arrived. */
export async function checkWatchdog(
  receiver: AlertReceiver,
  since: number,
  timeoutMs: number,
): Promise<Delivery> {
  const { delivery } = await receiver.waitFor(
    "the Watchdog to reach the dead man's switch",
    RECEIVER_PATHS.watchdog,
    since,
    (a) => a.labels.alertname === "Watchdog" && a.status === "firing",
    timeoutMs,
  );
  assert.equal(delivery.receiver, "watchdog");
  return delivery;
}

/** Waits for TargetDown on `workload` at the receiver, after `since` (the kill). */
export async function checkTargetDown(
  receiver: AlertReceiver,
  workload: string,
  since: number,
  timeoutMs: number,
): Promise<{ delivery: Delivery; alert: WebhookAlert }> {
  const found = await receiver.waitFor(
    `TargetDown for ${workload} to be delivered to the webhook receiver`,
    RECEIVER_PATHS.alerts,
    since,
    (a) =>
      a.labels.alertname === "TargetDown" &&
      a.labels.workload === workload &&
      a.status === "firing",
    timeoutMs,
  );
  assert.equal(found.delivery.receiver, "default");
  assert.equal(found.alert.labels.severity, "warning");
  return found;
}

/** GET through the proxy with basic auth: status and body. */
export type ProxiedGet = (path: string, auth: string) => Promise<{ status: number; body: string }>;

/**
 * Grafana's provisioned Prometheus data source, asked through the proxy for `up`: the answer is
 * Prometheus' own, with series of the jobs it scrapes.
 */
export async function checkGrafanaDatasource(
  get: ProxiedGet,
  auth: string,
): Promise<{ uid: string; series: number; jobs: string[] }> {
  const list = await get("/api/datasources", auth);
  assert.equal(list.status, 200, list.body);
  const sources = JSON.parse(list.body) as { uid: string; type: string }[];
  const source = sources.find((s) => s.type === "prometheus");
  assert.ok(source, `no Prometheus data source provisioned: ${list.body}`);
  const r = await get(`/api/datasources/proxy/uid/${source.uid}/api/v1/query?query=up`, auth);
  assert.equal(r.status, 200, r.body);
  const body = JSON.parse(r.body) as {
    status: string;
    data: { resultType: string; result: { metric: Record<string, string> }[] };
  };
  assert.equal(body.status, "success");
  assert.equal(body.data.resultType, "vector");
  const jobs = [...new Set(body.data.result.map((s) => s.metric.job))].sort();
  assert.ok(jobs.includes(SELF_JOB), `the query's answer lacks Prometheus' own job: ${r.body}`);
  return { uid: source.uid, series: body.data.result.length, jobs };
}
