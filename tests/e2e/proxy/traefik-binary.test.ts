/**
 * The proxy's static and dynamic configuration, run by the real Traefik binary of the pinned
 * version (built by tests/e2e/images/build-traefik.sh, or named by HOMEPORT_TRAEFIK_BIN). Each
 * test is skipped, with the reason, when that binary is not on this machine.
 */
import assert from "node:assert/strict";
import { ChildProcess, spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as tls from "node:tls";
import { after, before, describe, it, TestContext } from "node:test";
import { proxySettings } from "../../../components/config/parts/proxy";
import { Target } from "../../../components/config/schema";
import {
  dynamicConfig,
  TRAEFIK_PATHS,
  TRAEFIK_PORTS,
  traefikArgs,
} from "../../../components/proxy/traefik-args";
import { kubernetesRouteProvider } from "../../../components/platforms/kubernetes/profile";
import { nomadRouteProvider } from "../../../components/platforms/nomad/profile";
import { swarmRouteProvider } from "../../../components/platforms/swarm/profile";
import { CertificateSource } from "../../../components/proxy/certificates";
import { freePort } from "../../helpers/net";
import { request } from "../lib/https";
import {
  TRAEFIK_BIN as BINARY,
  TRAEFIK_MISSING as MISSING,
  TRAEFIK_VERSION as VERSION,
} from "../lib/traefik";

interface Running {
  readonly process: ChildProcess;
  readonly ports: { web: number; websecure: number; traefik: number };
  readonly args: string[];
  log: string;
}

/**
 * Starts Traefik with the proxy's arguments for a target, on free ports and with its files in a
 * temporary directory (the only changes). Providers whose orchestrator is absent log errors and
 * retry; Traefik keeps serving.
 */
async function start(target: Target, certificates: CertificateSource): Promise<Running> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "homeport-traefik-"));
  const dynamic = path.join(dir, "tls.yml");
  fs.writeFileSync(
    dynamic,
    dynamicConfig(certificates)
      .replace(TRAEFIK_PATHS.certificate, path.join(dir, "tls.crt"))
      .replace(TRAEFIK_PATHS.certificateKey, path.join(dir, "tls.key")),
  );
  if (certificates === "supplied") {
    // A wildcard certificate for the domain, as an operator would supply it.
    const made = spawnSync(
      "openssl",
      [
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-days",
        "1",
        "-subj",
        "/CN=*.home.example.org",
        "-addext",
        "subjectAltName=DNS:*.home.example.org,DNS:home.example.org",
        "-keyout",
        path.join(dir, "tls.key"),
        "-out",
        path.join(dir, "tls.crt"),
      ],
      { encoding: "utf8" },
    );
    assert.equal(made.status, 0, made.stderr);
  }
  const ports = { web: await freePort(), websecure: await freePort(), traefik: await freePort() };
  const proxy = proxySettings.parse(
    certificates === "acme"
      ? { acme: { email: "ops@example.org", caServer: "https://127.0.0.1:1/dir" } }
      : {},
  );
  const provider = {
    swarm: swarmRouteProvider,
    kubernetes: () => kubernetesRouteProvider({ namespace: "homeport", ingressClass: "traefik" }),
    nomad: () =>
      nomadRouteProvider(
        { address: "http://127.0.0.1:1", namespace: "default", region: "global" },
        undefined,
      ),
  }[target]();
  const args = traefikArgs({
    logLevel: proxy.logLevel,
    acme: proxy.acme,
    dashboard: proxy.dashboard.enabled,
    certificates,
    providerArgs: provider.traefikArgs,
  }).map((a) =>
    a
      .replace(`address=:${TRAEFIK_PORTS.web.port}`, `address=127.0.0.1:${ports.web}`)
      .replace(`address=:${TRAEFIK_PORTS.websecure.port}`, `address=127.0.0.1:${ports.websecure}`)
      .replace(`address=:${TRAEFIK_PORTS.traefik.port}`, `address=127.0.0.1:${ports.traefik}`)
      .replace(TRAEFIK_PATHS.dynamicConfig, dynamic)
      .replace(TRAEFIK_PATHS.acmeStorage, path.join(dir, "acme.json"))
      .replace(`unix://${TRAEFIK_PATHS.dockerSocket}`, `unix://${path.join(dir, "none.sock")}`),
  );
  const child = spawn(BINARY, args, { stdio: ["ignore", "pipe", "pipe"] });
  const running: Running = { process: child, ports, args, log: "" };
  child.stdout?.on("data", (d: Buffer) => (running.log += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (running.log += d.toString()));
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) break;
    const reply = await get(ports.traefik, "/ping").catch(() => undefined);
    if (reply?.status === 200) return running;
    await new Promise((r) => setTimeout(r, 200));
  }
  child.kill();
  throw new Error(`Traefik did not answer /ping within 15 s:\n${running.log}`);
}

const get = (port: number, pathname: string, host = "localhost", method = "GET") =>
  request(host, pathname, { scheme: "http", port, method, timeoutMs: 3000 });

function servedCertificate(port: number): Promise<tls.PeerCertificate> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({
      host: "127.0.0.1",
      port,
      servername: "app.home.example.org",
      rejectUnauthorized: false,
    });
    socket.once("secureConnect", () => {
      const cert = socket.getPeerCertificate();
      socket.end();
      resolve(cert);
    });
    socket.once("error", reject);
  });
}

function handshake(port: number, maxVersion: tls.SecureVersion): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({
      host: "127.0.0.1",
      port,
      servername: "app.home.example.org",
      rejectUnauthorized: false,
      minVersion: "TLSv1",
      maxVersion,
    });
    socket.once("secureConnect", () => {
      const version = socket.getProtocol() ?? "";
      socket.end();
      resolve(version);
    });
    socket.once("error", reject);
  });
}

const processes: Running[] = [];
let swarm: Running | undefined;

before(async () => {
  if (MISSING) return;
  swarm = await start("swarm", "self-signed");
  processes.push(swarm);
});

after(() => {
  for (const p of processes) p.process.kill();
});

function needsBinary(t: TestContext): Running | undefined {
  if (MISSING || !swarm) {
    t.skip(MISSING ?? "Traefik did not start");
    return undefined;
  }
  return swarm;
}

describe(`Traefik ${VERSION} with the proxy's configuration`, () => {
  it("answers /ping on its own entry point, and traefik healthcheck --ping agrees", (t) => {
    const p = needsBinary(t);
    if (!p) return;
    // The in-container check reads the same static configuration; only the port differs here.
    const check = spawnSync(
      BINARY,
      ["healthcheck", "--ping", `--entryPoints.traefik.address=127.0.0.1:${p.ports.traefik}`],
      { encoding: "utf8", timeout: 10_000 },
    );
    assert.equal(check.status, 0, check.stdout + check.stderr);
  });

  it("redirects plain HTTP permanently to the same URL on HTTPS, port 443 left implicit", async (t) => {
    const p = needsBinary(t);
    if (!p) return;
    const r = await get(p.ports.web, "/some/path?q=1", "app.home.example.org");
    assert.equal(r.status, 301);
    assert.equal(r.headers.location, "https://app.home.example.org/some/path?q=1");
    // Other methods get 308, which keeps the method and body.
    const post = await get(p.ports.web, "/form", "app.home.example.org", "POST");
    assert.equal(post.status, 308);
    assert.equal(post.headers.location, "https://app.home.example.org/form");
  });

  it("serves Prometheus metrics, and no API or dashboard, on its own entry point", async (t) => {
    const p = needsBinary(t);
    if (!p) return;
    const metrics = await get(p.ports.traefik, "/metrics");
    assert.equal(metrics.status, 200);
    assert.match(metrics.body, /^traefik_config_reloads_total /m);
    assert.equal((await get(p.ports.traefik, "/api/overview")).status, 404);
    assert.equal((await get(p.ports.traefik, "/dashboard/")).status, 404);
  });

  it("speaks TLS 1.2 and newer on websecure, and refuses TLS 1.1", async (t) => {
    const p = needsBinary(t);
    if (!p) return;
    assert.equal(await handshake(p.ports.websecure, "TLSv1.2"), "TLSv1.2");
    await assert.rejects(handshake(p.ports.websecure, "TLSv1.1"));
  });

  it("serves a supplied certificate as the default one", async (t) => {
    if (MISSING) return t.skip(MISSING);
    if (spawnSync("openssl", ["version"]).status !== 0) return t.skip("no openssl to make one");
    const p = await start("swarm", "supplied");
    processes.push(p);
    const cert = await servedCertificate(p.ports.websecure);
    assert.equal(cert.subject?.CN, "*.home.example.org");
    const fallback = await servedCertificate(swarm?.ports.websecure ?? 0);
    assert.equal(fallback.subject?.CN, "TRAEFIK DEFAULT CERT");
    p.process.kill();
  });

  for (const [target, certificates] of [
    ["swarm", "acme"],
    ["nomad", "self-signed"],
    ["kubernetes", "cert-manager"],
  ] as const) {
    it(`accepts every static option for ${target} with ${certificates} certificates`, async (t) => {
      if (MISSING) return t.skip(MISSING);
      const p = await start(target, certificates);
      processes.push(p);
      assert.equal(p.process.exitCode, null);
      assert.doesNotMatch(p.log, /unknown flag|failed to decode|field not found/i);
      p.process.kill();
    });
  }
});
