/**
 * `homeport:proxy.behindProxy` run by the real Traefik binary of the pinned version (built by
 * tests/e2e/images/build-traefik.sh, or named by HOMEPORT_TRAEFIK_BIN): plain HTTP on the named
 * entry points, no redirect, forwarded headers honoured only from the trusted range. Loopback
 * only: the upstream proxy is a client bound to 127.0.0.2 (trusted), another client to 127.0.0.3.
 * Skipped, with the reason, when the binary is not on this machine.
 */
import assert from "node:assert/strict";
import { ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, it, TestContext } from "node:test";
import { proxySettings } from "../../../components/config/parts/proxy";
import {
  dynamicConfig,
  entryPoints,
  privatePorts,
  TRAEFIK_PATHS,
  traefikArgs,
} from "../../../components/proxy/traefik-args";
import { freePort } from "../../helpers/net";
import { request } from "../lib/https";
import {
  TRAEFIK_BIN as BINARY,
  TRAEFIK_MISSING as MISSING,
  TRAEFIK_VERSION as VERSION,
} from "../lib/traefik";

const TRUSTED = "127.0.0.2";
const UNTRUSTED = "127.0.0.3";
const HOST = "app.home.example.org";

interface Seen {
  readonly headers: http.IncomingHttpHeaders;
}

const state: {
  traefik?: ChildProcess;
  backend?: http.Server;
  ports?: { node: number; group: number; traefik: number };
  seen: Seen[];
  log: string;
  args: string[];
} = { seen: [], log: "", args: [] };

const get = (port: number, localAddress: string, headers: Record<string, string> = {}) =>
  request(HOST, "/hello", { scheme: "http", port, localAddress, headers, timeoutMs: 3000 });

before(async () => {
  if (MISSING) return;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "homeport-traefik-behind-"));
  const backendPort = await freePort();
  state.backend = http.createServer((req, res) => {
    state.seen.push({ headers: req.headers });
    res.end("backend");
  });
  await new Promise<void>((r) => state.backend?.listen(backendPort, "127.0.0.1", r));
  const node = await freePort();
  const group = await freePort();
  const proxy = proxySettings.parse({
    entryPoints: { node: { port: node }, group: { port: group } },
    behindProxy: { trustedIPs: [`${TRUSTED}/32`] },
  });
  const points = entryPoints(proxy);
  const traefik = privatePorts(points).traefik;
  state.ports = { node, group, traefik };
  // The route as the adapters publish it behind an upstream proxy: on every named entry point,
  // no TLS (RoutePublishing.upstreamEntryPoints).
  const dynamic = path.join(dir, "dynamic.yml");
  fs.writeFileSync(
    dynamic,
    dynamicConfig("self-signed") +
      [
        "http:",
        "  routers:",
        "    app:",
        `      rule: Host(\`${HOST}\`)`,
        `      entryPoints: [${points.map((p) => p.name).join(", ")}]`,
        "      service: app",
        "  services:",
        "    app:",
        "      loadBalancer:",
        "        servers:",
        `          - url: http://127.0.0.1:${backendPort}`,
        "",
      ].join("\n"),
  );
  state.args = traefikArgs({
    logLevel: "INFO",
    dashboard: true,
    certificates: "self-signed",
    providerArgs: [],
    entryPoints: points,
  }).map((a) =>
    a
      .replace(/address=:(\d+)$/, "address=127.0.0.1:$1")
      .replace(TRAEFIK_PATHS.dynamicConfig, dynamic),
  );
  const child = spawn(BINARY, state.args, { stdio: ["ignore", "pipe", "pipe"] });
  state.traefik = child;
  child.stdout?.on("data", (d: Buffer) => (state.log += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (state.log += d.toString()));
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline && child.exitCode === null) {
    const r = await get(node, TRUSTED).catch(() => undefined);
    if (r?.status === 200) return;
    await new Promise((res) => setTimeout(res, 200));
  }
  throw new Error(`Traefik did not route on the node entry point within 15 s:\n${state.log}`);
});

after(() => {
  state.traefik?.kill();
  state.backend?.close();
});

function running(t: TestContext): { node: number; group: number; traefik: number } | undefined {
  if (MISSING || !state.ports) {
    t.skip(MISSING ?? "Traefik did not start");
    return undefined;
  }
  return state.ports;
}

const FORGED = { "X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https" };

describe(`Traefik ${VERSION} behind an upstream proxy (homeport:proxy.behindProxy)`, () => {
  it("has no redirect, no TLS, no insecure forwarded headers in its arguments", (t) => {
    if (!running(t)) return;
    assert.equal(
      state.args.filter((a) => /redirections|http\.tls|insecure|certificatesResolvers/.test(a))
        .length,
      0,
    );
    assert.ok(state.args.includes(`--entryPoints.node.forwardedHeaders.trustedIPs=${TRUSTED}/32`));
    assert.ok(state.args.includes(`--entryPoints.group.forwardedHeaders.trustedIPs=${TRUSTED}/32`));
  });

  it("serves the route in plain HTTP on both named ports, without redirecting", async (t) => {
    const ports = running(t);
    if (!ports) return;
    for (const port of [ports.node, ports.group]) {
      const r = await get(port, UNTRUSTED);
      assert.equal(r.status, 200);
      assert.equal(r.body, "backend");
      assert.equal(r.headers.location, undefined);
    }
  });

  it("keeps the upstream's X-Forwarded-For and -Proto from the trusted range", async (t) => {
    const ports = running(t);
    if (!ports) return;
    state.seen.length = 0;
    await get(ports.group, TRUSTED, FORGED);
    const headers = state.seen[0].headers;
    assert.equal(headers["x-forwarded-proto"], "https");
    assert.equal(headers["x-forwarded-for"], `203.0.113.7, ${TRUSTED}`);
  });

  it("replaces forwarded headers from any other address with its own", async (t) => {
    const ports = running(t);
    if (!ports) return;
    state.seen.length = 0;
    await get(ports.node, UNTRUSTED, FORGED);
    const headers = state.seen[0].headers;
    assert.equal(headers["x-forwarded-proto"], "http");
    assert.equal(headers["x-forwarded-for"], UNTRUSTED);
  });

  it("moves its private entry point off a port a named entry point takes", () => {
    const points = entryPoints(
      proxySettings.parse({
        entryPoints: { node: { port: 8080 }, group: { port: 8081 } },
        behindProxy: { trustedIPs: ["172.16.0.0/16"] },
      }),
    );
    assert.deepEqual(privatePorts(points, 8083), { traefik: 8082, ping: 8083 });
  });
});
