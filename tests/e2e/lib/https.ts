import * as http from "node:http";
import * as https from "node:https";
import { LookupFunction } from "node:net";

export interface Reply {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

export interface RequestOptions {
  readonly scheme?: "http" | "https";
  /** "user:password" for basic auth. */
  readonly auth?: string;
  /** Milliseconds before the request counts as failed. @default 5000 */
  readonly timeoutMs?: number;
  /** The port on this machine. @default 443 for https, 80 for http */
  readonly port?: number;
  /** @default "GET" */
  readonly method?: string;
  /** The address every host name resolves to (where the proxy listens). @default "127.0.0.1" */
  readonly address?: string;
  /** The local address the request leaves from (a loopback alias). @default the system's choice */
  readonly localAddress?: string;
  /** Further request headers; Host is always `host`. @default {} */
  readonly headers?: Record<string, string>;
}

/** Every host name resolves to one address: the machine itself, where the proxy publishes its ports. */
const resolveTo =
  (address: string): LookupFunction =>
  (_host, opts, cb) => {
    if (opts.all) cb(null, [{ address, family: 4 }]);
    else cb(null, address, 4);
  };

/**
 * One request to the proxy on this machine for `host` (SNI and Host header), without redirects.
 * The proxy's certificate is Traefik's own self-signed default, so it is not verified.
 * Also serves the checks that run a Traefik binary on a free port (`opts.port`).
 */
export function request(host: string, path: string, opts: RequestOptions = {}): Promise<Reply> {
  const scheme = opts.scheme ?? "https";
  const mod = scheme === "https" ? https : http;
  return new Promise((resolve, reject) => {
    const req = mod.request(
      {
        host,
        port: opts.port ?? (scheme === "https" ? 443 : 80),
        path,
        method: opts.method ?? "GET",
        localAddress: opts.localAddress,
        servername: host,
        lookup: resolveTo(opts.address ?? "127.0.0.1"),
        rejectUnauthorized: false,
        auth: opts.auth,
        agent: false,
        headers: { ...opts.headers, Host: host, Connection: "close" },
        timeout: opts.timeoutMs ?? 5000,
      },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (d: string) => (body += d));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
        res.on("error", reject);
      },
    );
    req.on("timeout", () => req.destroy(new Error("timed out")));
    req.on("error", reject);
    req.end();
  });
}

/** The reply, or undefined when the request failed (for polling). */
export const tryRequest = (host: string, path: string, opts: RequestOptions = {}) =>
  request(host, path, opts).catch(() => undefined);

export interface LoopResult {
  readonly requests: number;
  readonly failures: number;
  /** The first few failures, as "status" or the error message. */
  readonly samples: string[];
  /** Values of the X-Standin header seen, in order of first appearance. */
  readonly versions: string[];
}

/**
 * Sends requests one after another until `stop()` is called; a reply other than 200 or an error
 * counts as a failure.
 */
export function requestLoop(host: string, path: string, pauseMs = 20, address?: string) {
  let running = true;
  let requests = 0;
  let failures = 0;
  const samples: string[] = [];
  const versions: string[] = [];
  const done = (async () => {
    while (running) {
      requests++;
      try {
        const r = await request(host, path, { timeoutMs: 5000, address });
        const v = String(r.headers["x-standin"] ?? "");
        if (v && !versions.includes(v)) versions.push(v);
        if (r.status !== 200) {
          failures++;
          if (samples.length < 10) samples.push(`HTTP ${r.status}`);
        }
      } catch (e) {
        failures++;
        if (samples.length < 10) samples.push((e as Error).message);
      }
      await new Promise((r) => setTimeout(r, pauseMs));
    }
  })();
  return {
    async stop(): Promise<LoopResult> {
      running = false;
      await done;
      return { requests, failures, samples, versions };
    },
  };
}
