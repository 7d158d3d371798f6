/**
 * The proxy on Nomad with Consul, end to end without containers: the proxy's own services, as the
 * Nomad adapter renders them with `nomad.serviceProvider: consul`, registered in a real
 * `consul agent -dev` (tools/engines.sh start-consul) the way Nomad registers them (a stand-in for
 * Nomad's Consul client, ../consul/nomad-registration.ts: no Nomad agent runs), and read by the
 * real Traefik of the pinned version with the proxy's own arguments (its Consul catalogue
 * provider). Skipped, with the reason, when either binary (or openssl, which hashes the test
 * password) is missing.
 */
import assert from "node:assert/strict";
import { ChildProcess, spawn, spawnSync } from "node:child_process";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, it, TestContext } from "node:test";
import { TRAEFIK_PATHS, TRAEFIK_PORTS } from "../../../components/proxy/traefik-args";
import { Recorder, resource, stackConfig, startRecorder } from "../../helpers/harness";
import { freePort } from "../../helpers/net";
import { TOKENS } from "../../helpers/types";
import { request } from "../lib/https";
import { TRAEFIK_BIN, TRAEFIK_MISSING } from "../lib/traefik";
import { consulPut, consulRegistration, NomadService } from "../consul/nomad-registration";

const ROOT = path.resolve(__dirname, "../../..");
const ENGINES = path.join(ROOT, "tools", "engines.sh");
const HOST = "traefik.lab.example.net";
const USER = "admin";
const PASSWORD = crypto.randomBytes(12).toString("hex");

function missing(): string | undefined {
  if (TRAEFIK_MISSING) return TRAEFIK_MISSING;
  if (spawnSync("bash", [ENGINES, "path", "consul"]).status !== 0)
    return "no Consul binary (tools/engines.sh build consul)";
  if (spawnSync("openssl", ["version"]).status !== 0) return "no openssl to hash the password";
  return undefined;
}

const state: {
  blocked?: string;
  dir?: string;
  traefik?: ChildProcess;
  log: string;
  ports?: { web: number; websecure: number; traefik: number };
} = { log: "" };

const call = (scheme: "http" | "https", port: number, pathname: string, auth?: string) =>
  request(HOST, pathname, { scheme, port, auth, timeoutMs: 3000 });

before(async () => {
  state.blocked = missing();
  if (state.blocked) return;
  const rec: Recorder = await startRecorder("test");
  const { Platform } = await import("../../../components/platform");
  new Platform("homeport", {
    config: stackConfig({
      target: "nomad",
      domain: "lab.example.net",
      parts: ["proxy"],
      nomad: { serviceProvider: "consul" },
    }),
  });
  await rec.settle();
  const job = JSON.parse(String(resource(rec, TOKENS.nomadJob, "traefik").inputs.jobspec)) as {
    TaskGroups: { Services: NomadService[]; Tasks: { Config: { args: string[] } }[] }[];
  };
  const group = job.TaskGroups[0];

  // The generated password's bcrypt hash exists only once the random provider has run; an
  // apr1 hash of a test password takes its place in the same tag.
  const hash = spawnSync("openssl", ["passwd", "-apr1", PASSWORD], { encoding: "utf8" });
  const services = group.Services.map((service) => ({
    ...service,
    Tags: (service.Tags ?? []).map((t) =>
      /\.basicauth\.users=/.test(t) ? t.replace(/=.*$/, `=${USER}:${hash.stdout.trim()}`) : t,
    ),
  }));
  assert.ok(
    services.some((x) => x.Tags.length > 0),
    "the proxy's job has no tagged service",
  );
  assert.deepEqual(
    services.map((x) => x.Provider),
    services.map(() => "consul"),
  );

  state.dir = fs.mkdtempSync(path.join(os.tmpdir(), "homeport-proxy-consul-"));
  const started = spawnSync("bash", [ENGINES, "start-consul", state.dir], {
    encoding: "utf8",
    timeout: 120_000,
  });
  assert.equal(started.status, 0, started.stderr);
  const consul = /CONSUL_HTTP_ADDR=(\S+)/.exec(
    fs.readFileSync(path.join(state.dir, "consul.env"), "utf8"),
  )?.[1];
  assert.ok(consul, "start-consul wrote no CONSUL_HTTP_ADDR");

  const dynamic = path.join(state.dir, "tls.yml");
  fs.writeFileSync(dynamic, "tls:\n  options:\n    default:\n      minVersion: VersionTLS12\n");
  const ports = { web: await freePort(), websecure: await freePort(), traefik: await freePort() };
  state.ports = ports;
  // The proxy's allocation, on this machine: its port labels at the ports Traefik listens on, so
  // Consul's check of /ping reaches the real Traefik, as it reaches the proxy's task on a node.
  for (const service of services) {
    await consulPut(
      consul,
      "service/register",
      consulRegistration(service, {
        allocId: "0000cccc-e2e0-4000-8000-000000000000",
        address: "127.0.0.1",
        ports,
      }),
    );
  }
  const args = group.Tasks[0].Config.args.map((a) =>
    a
      .replace(`address=:${TRAEFIK_PORTS.web.port}`, `address=127.0.0.1:${ports.web}`)
      .replace(`address=:${TRAEFIK_PORTS.websecure.port}`, `address=127.0.0.1:${ports.websecure}`)
      .replace(`address=:${TRAEFIK_PORTS.traefik.port}`, `address=127.0.0.1:${ports.traefik}`)
      .replace(TRAEFIK_PATHS.dynamicConfig, dynamic)
      .replace(/endpoint\.address=.*$/, `endpoint.address=${new URL(consul).host}`),
  );
  // Read the catalogue every second instead of every 5, so the test does not wait.
  state.traefik = spawn(TRAEFIK_BIN, [...args, "--providers.consulcatalog.refreshInterval=1s"], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  state.traefik.stdout?.on("data", (d: Buffer) => (state.log += d.toString()));
  state.traefik.stderr?.on("data", (d: Buffer) => (state.log += d.toString()));
  const deadline = Date.now() + 60_000;
  for (;;) {
    const r = await call("https", ports.websecure, "/api/overview", `${USER}:${PASSWORD}`).catch(
      () => undefined,
    );
    if (r?.status === 200) break;
    assert.ok(Date.now() < deadline, `the dashboard route never came up:\n${state.log}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
});

after(() => {
  state.traefik?.kill();
  if (state.dir) {
    spawnSync("bash", [ENGINES, "stop", state.dir], { timeout: 60_000 });
    fs.rmSync(state.dir, { recursive: true, force: true });
  }
});

function ports(t: TestContext) {
  if (state.blocked) {
    t.skip(state.blocked);
    return undefined;
  }
  return state.ports;
}

describe("e2e: the proxy's dashboard route through Consul's catalogue (real Consul and Traefik)", () => {
  it("refuses the API without credentials and with wrong ones", async (t) => {
    const p = ports(t);
    if (!p) return;
    assert.equal((await call("https", p.websecure, "/api/overview")).status, 401);
    assert.equal((await call("https", p.websecure, "/api/overview", `${USER}:wrong`)).status, 401);
  });

  it("serves Traefik's API with the credentials, with security headers", async (t) => {
    const p = ports(t);
    if (!p) return;
    const r = await call("https", p.websecure, "/api/http/routers", `${USER}:${PASSWORD}`);
    assert.equal(r.status, 200);
    assert.equal(r.headers["strict-transport-security"], "max-age=31536000; includeSubDomains");
    assert.equal(r.headers["x-frame-options"], "DENY");
    const router = (
      JSON.parse(r.body) as {
        name: string;
        status: string;
        tls?: object;
        service: string;
        middlewares?: string[];
      }[]
    ).find((x) => x.name === "traefik@consulcatalog");
    assert.ok(router, r.body);
    assert.equal(router.status, "enabled");
    assert.equal(router.service, "api@internal");
    assert.ok(router.tls);
    assert.deepEqual(router.middlewares, [
      "traefik-basic-auth@consulcatalog",
      "traefik-security-headers-1@consulcatalog",
    ]);
  });

  it("does not serve the API over plain HTTP: it redirects to HTTPS", async (t) => {
    const p = ports(t);
    if (!p) return;
    const r = await call("http", p.web, "/api/overview", `${USER}:${PASSWORD}`);
    assert.equal(r.status, 301);
    assert.equal(r.headers.location, `https://${HOST}/api/overview`);
  });
});
