/**
 * ACME with the proxy's arguments against a real CA: Pebble (Let's Encrypt's test CA) and the real
 * Traefik of the pinned version. Pebble's own TLS is signed by a private CA, handed over through
 * `homeport:proxy.acme.caBundle`; the HTTP-01 challenge crosses the `web` entry point, whose every
 * other request is redirected to HTTPS, and TLS-ALPN-01 the `websecure` one; the route's router
 * names the resolver as the Swarm and Nomad labels do.
 *
 * Skipped, with the reason, without the binaries. Pebble and its test certificates (test/certs in
 * its module, copied to certs/ beside it) are built by `tools/engines.sh build pebble` (or
 * HOMEPORT_PEBBLE_DIR names such a directory).
 */
import assert from "node:assert/strict";
import { ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import * as tls from "node:tls";
import { after, before, describe, it, TestContext } from "node:test";
import { resolveWorkload, traefikLabels } from "../../../components/model";
import { swarmRouteProvider } from "../../../components/platforms/swarm/profile";
import {
  dynamicConfig,
  TRAEFIK_PATHS,
  TRAEFIK_PORTS,
  traefikArgs,
} from "../../../components/proxy/traefik-args";
import { whoamiWorkloadSpec } from "../../../components/proxy/traefik-workload";
import { routePublishing } from "../../../components/stack-args";
import { stackConfig } from "../../helpers/harness";
import { freePort } from "../../helpers/net";
import { TRAEFIK_BIN as TRAEFIK, TRAEFIK_MISSING } from "../lib/traefik";

const CACHE = path.join(os.homedir(), ".cache/homeport/toolchain");
const PEBBLE_DIR = process.env.HOMEPORT_PEBBLE_DIR ?? path.join(CACHE, "pebble-2.8.0");
/** Pebble's VA resolves names with the system resolver: localhost is this machine. */
const HOST = "localhost";

function missing(): string | undefined {
  if (TRAEFIK_MISSING) return TRAEFIK_MISSING;
  for (const file of ["pebble", "certs/pebble.minica.pem", "certs/localhost/cert.pem"]) {
    if (!fs.existsSync(path.join(PEBBLE_DIR, file)))
      return `no ${file} in ${PEBBLE_DIR} (build it: tools/engines.sh build pebble)`;
  }
  return undefined;
}

/** Turns flat Traefik label keys into the file provider's nested configuration. */
function nested(labels: Record<string, string>): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(labels)) {
    const parts = key.split(".").slice(1);
    if (parts[0] !== "http") continue;
    let node = root;
    for (const part of parts.slice(0, -1)) {
      // `tls=true` and `tls.certresolver=…` are one `tls` section in a file.
      if (typeof node[part] !== "object") node[part] = {};
      node = node[part] as Record<string, unknown>;
    }
    const leaf = parts[parts.length - 1];
    if (typeof node[leaf] === "object") continue;
    node[leaf] = leaf === "entrypoints" ? value.split(",") : value === "true" ? true : value;
  }
  return root;
}

type Challenge = "http" | "tls";

/** One ACME run: its directory (with acme.json) and the certificate Traefik then served. */
interface Issued {
  readonly dir: string;
  readonly peer: tls.PeerCertificate;
}

const state: {
  blocked?: string;
  dirs: string[];
  processes: ChildProcess[];
  log: string;
  issued: Partial<Record<Challenge, Issued>>;
} = { dirs: [], processes: [], log: "", issued: {} };

function launch(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): ChildProcess {
  const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"], env });
  child.stdout?.on("data", (d: Buffer) => (state.log += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (state.log += d.toString()));
  state.processes.push(child);
  return child;
}

function peerCertificate(port: number): Promise<tls.PeerCertificate> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({
      host: "127.0.0.1",
      port,
      servername: HOST,
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

/** Resolves once a TCP connection to 127.0.0.1:port is accepted, or fails after timeoutMs. */
async function listening(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, "127.0.0.1");
      socket.once("connect", () => {
        socket.end();
        resolve(true);
      });
      socket.once("error", () => resolve(false));
    });
    if (open) return;
    assert.ok(
      Date.now() < deadline,
      `nothing listens on 127.0.0.1:${port} after ${timeoutMs} ms:\n${state.log}`,
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Starts Pebble and Traefik with the proxy's ACME arguments; returns once a certificate is served. */
async function issue(challenge: Challenge): Promise<Issued> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "homeport-proxy-acme-"));
  state.dirs.push(dir);
  const ports = {
    acme: await freePort(),
    management: await freePort(),
    web: await freePort(),
    websecure: await freePort(),
    traefik: await freePort(),
  };

  // Pebble validates HTTP-01 on the port that stands for 80, where Traefik's `web` listens.
  const pebbleConfig = path.join(dir, "pebble.json");
  const dynamicDir = path.join(dir, "dynamic");
  fs.mkdirSync(dynamicDir);
  fs.writeFileSync(
    pebbleConfig,
    JSON.stringify({
      pebble: {
        listenAddress: `127.0.0.1:${ports.acme}`,
        managementListenAddress: `127.0.0.1:${ports.management}`,
        certificate: path.join(PEBBLE_DIR, "certs/localhost/cert.pem"),
        privateKey: path.join(PEBBLE_DIR, "certs/localhost/key.pem"),
        httpPort: ports.web,
        tlsPort: ports.websecure,
        ocspResponderURL: "",
        externalAccountBindingRequired: false,
        domainBlocklist: [],
        retryAfter: { authz: 1, order: 1 },
        profiles: { default: { description: "test", validityPeriod: 7776000 } },
      },
    }),
  );
  launch(path.join(PEBBLE_DIR, "pebble"), ["-config", pebbleConfig], {
    ...process.env,
    PEBBLE_VA_NOSLEEP: "1",
  });
  // Traefik asks for the directory once at start and, refused, not again until its next renewal
  // check: Pebble listens first.
  await listening(ports.acme, 30_000);

  const config = stackConfig({
    target: "swarm",
    domain: "home.example.org",
    parts: ["proxy"],
    proxy: {
      acme: {
        email: "ops@example.org",
        caServer: `https://127.0.0.1:${ports.acme}/dir`,
        caBundle: path.join(PEBBLE_DIR, "certs/pebble.minica.pem"),
        challenge,
      },
    },
  });
  // The whoami route's labels, as the Swarm adapter writes them, become a file-provider router.
  const labels = traefikLabels(resolveWorkload("whoami", "proxy", whoamiWorkloadSpec(HOST, 1)), {
    certResolver: routePublishing(config).certResolver,
  }) as Record<string, string>;
  const routers = (nested(labels) as { http: { routers: Record<string, object> } }).http.routers;
  // JSON is YAML: the file provider reads it as routes.yml.
  fs.writeFileSync(
    path.join(dynamicDir, "routes.yml"),
    JSON.stringify({
      http: {
        routers: Object.fromEntries(
          Object.entries(routers).map(([name, r]) => [name, { ...r, service: "ping@internal" }]),
        ),
      },
    }),
  );
  fs.writeFileSync(path.join(dynamicDir, "tls.yml"), dynamicConfig("acme"));

  const args = traefikArgs({
    logLevel: config.proxy.logLevel,
    acme: config.proxy.acme,
    dashboard: config.proxy.dashboard.enabled,
    certificates: "acme",
    providerArgs: swarmRouteProvider().traefikArgs,
  })
    // Docker is not here: the routes come from the file provider, which reads a directory.
    .filter((a) => !a.startsWith("--providers.swarm"))
    .map((a) =>
      a
        .replace(`address=:${TRAEFIK_PORTS.web.port}`, `address=127.0.0.1:${ports.web}`)
        .replace(`address=:${TRAEFIK_PORTS.websecure.port}`, `address=127.0.0.1:${ports.websecure}`)
        .replace(`address=:${TRAEFIK_PORTS.traefik.port}`, `address=127.0.0.1:${ports.traefik}`)
        .replace(`filename=${TRAEFIK_PATHS.dynamicConfig}`, `directory=${dynamicDir}`)
        .replace(TRAEFIK_PATHS.acmeStorage, path.join(dir, "acme.json"))
        .replace(TRAEFIK_PATHS.acmeCaBundle, path.join(PEBBLE_DIR, "certs/pebble.minica.pem")),
    );
  launch(TRAEFIK, args);

  const deadline = Date.now() + 60_000;
  for (;;) {
    const cert = await peerCertificate(ports.websecure).catch(() => undefined);
    if (cert && /Pebble/.test(String(cert.issuer?.CN))) return { dir, peer: cert };
    assert.ok(Date.now() < deadline, `no certificate from Pebble within 60 s:\n${state.log}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

before(async () => {
  state.blocked = missing();
  if (state.blocked) return;
  for (const challenge of ["http", "tls"] as const) {
    state.issued[challenge] = await issue(challenge);
    for (const p of state.processes.splice(0)) p.kill();
  }
});

after(() => {
  for (const p of state.processes) p.kill();
  for (const dir of state.dirs) fs.rmSync(dir, { recursive: true, force: true });
});

function issued(t: TestContext, challenge: Challenge): Issued | undefined {
  if (state.blocked) t.skip(state.blocked);
  return state.issued[challenge];
}

describe("ACME through the proxy's resolver, against Pebble", () => {
  for (const [challenge, how] of [
    ["http", "HTTP-01 on the web entry point, despite its HTTPS redirect"],
    ["tls", "TLS-ALPN-01 on the websecure entry point"],
  ] as const) {
    it(`obtains the route's certificate over ${how}`, (t) => {
      const run = issued(t, challenge);
      if (state.blocked) return;
      assert.ok(run, `no certificate was issued with the ${challenge} challenge`);
      assert.match(String(run.peer.issuer?.CN), /^Pebble Intermediate CA/);
      assert.equal(run.peer.subjectaltname, `DNS:${HOST}`);
    });
  }

  it("keeps one account and the certificate in its storage file, readable by Traefik only", (t) => {
    const run = issued(t, "http");
    if (!run) return;
    const file = path.join(run.dir, "acme.json");
    assert.equal(fs.statSync(file).mode & 0o777, 0o600);
    const store = JSON.parse(fs.readFileSync(file, "utf8")) as Record<
      string,
      { Account: { Email: string }; Certificates: { domain: { main: string } }[] }
    >;
    assert.deepEqual(Object.keys(store), ["acme"]);
    assert.equal(store.acme.Account.Email, "ops@example.org");
    assert.deepEqual(
      store.acme.Certificates.map((c) => c.domain.main),
      [HOST],
    );
  });
});
