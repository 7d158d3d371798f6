/**
 * The proxy on Kubernetes, end to end without pods: the objects the Kubernetes adapter renders
 * for the proxy (its service account, Role, ClusterRole, IngressClass, Middlewares, the basic-auth
 * Secret and the dashboard's IngressRoute) created in a real kube-apiserver (tools/engines.sh
 * start-kube) with Traefik's CRDs, and read by the real Traefik of the pinned version with the
 * proxy's arguments and the proxy's own service-account token. Proves the RBAC rules suffice and
 * the dashboard route works. Skipped, with the reason, when a binary, Traefik's CRD file (from the
 * Go module cache that built Traefik) or openssl is missing.
 */
import assert from "node:assert/strict";
import { ChildProcess, spawn, spawnSync } from "node:child_process";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as https from "node:https";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, it, TestContext } from "node:test";
import * as yaml from "js-yaml";
import { TRAEFIK_PATHS, TRAEFIK_PORTS } from "../../../components/proxy/traefik-args";
import { Recorder, stackConfig, startRecorder } from "../../helpers/harness";
import { freePort } from "../../helpers/net";
import { request } from "../lib/https";
import { TRAEFIK_BIN, TRAEFIK_MISSING, TRAEFIK_VERSION, traefikCrdFile } from "../lib/traefik";

const ROOT = path.resolve(__dirname, "../../..");
const ENGINES = path.join(ROOT, "tools", "engines.sh");
const NAMESPACE = "edge";
const HOST = "traefik.home.example.org";
const USER = "admin";
const PASSWORD = crypto.randomBytes(12).toString("hex");

function missing(): string | undefined {
  if (TRAEFIK_MISSING) return TRAEFIK_MISSING;
  for (const engine of ["etcd", "kube-apiserver"]) {
    if (spawnSync("bash", [ENGINES, "path", engine]).status !== 0)
      return `no ${engine} binary (tools/engines.sh build ${engine})`;
  }
  if (!traefikCrdFile()) return `no Traefik ${TRAEFIK_VERSION} CRD file in the Go module cache`;
  if (spawnSync("openssl", ["version"]).status !== 0) return "no openssl to hash the password";
  return undefined;
}

const state: {
  blocked?: string;
  dir?: string;
  traefik?: ChildProcess;
  log: string;
  websecure?: number;
} = { log: "" };

type Manifest = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
};

/** One call to the API server; resolves with the status and the parsed body. */
function api(
  server: string,
  token: string,
  ca: string,
  method: string,
  pathname: string,
  body?: unknown,
): Promise<{ status: number; body: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const url = new URL(pathname, server);
    const req = https.request(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname + url.search,
        method,
        ca,
        headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
      },
      (res) => {
        let text = "";
        res.on("data", (d: Buffer) => (text += d.toString()));
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            body: JSON.parse(text || "{}") as Record<string, unknown>,
          }),
        );
      },
    );
    req.on("error", reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

/** The REST collection of a manifest's kind. */
function collection(m: Manifest): string {
  const plural = `${m.kind.toLowerCase()}${m.kind.endsWith("s") ? "es" : "s"}`;
  const base = m.apiVersion.includes("/") ? `/apis/${m.apiVersion}` : `/api/${m.apiVersion}`;
  return m.metadata.namespace
    ? `${base}/namespaces/${m.metadata.namespace}/${plural}`
    : `${base}/${plural}`;
}

const dashboardCall = async (port: number, auth?: string): Promise<number> =>
  (await request(HOST, "/api/overview", { port, auth, timeoutMs: 3000 })).status;

before(async () => {
  state.blocked = missing();
  if (state.blocked) return;
  const rec: Recorder = await startRecorder("test");
  const { Platform } = await import("../../../components/platform");
  new Platform("homeport", {
    config: stackConfig({
      target: "kubernetes",
      domain: "home.example.org",
      parts: ["proxy"],
      kubernetes: { namespace: NAMESPACE },
    }),
  });
  await rec.settle();
  const byKind = (kind: string) =>
    rec.resources
      .filter((r) => r.custom && r.type.endsWith(`:${kind}`))
      .map((r) => r.inputs as unknown as Manifest & Record<string, unknown>);

  // The generated password's bcrypt hash exists only once the random provider has run; an apr1
  // hash of a test password takes its place in the same Secret.
  const hash = spawnSync("openssl", ["passwd", "-apr1", PASSWORD], {
    encoding: "utf8",
  }).stdout.trim();
  const secrets = byKind("Secret").map((s) => ({ ...s, stringData: { users: `${USER}:${hash}` } }));
  const manifests: Manifest[] = [
    ...byKind("Namespace"),
    ...byKind("ServiceAccount"),
    ...byKind("Role"),
    ...byKind("RoleBinding"),
    ...byKind("ClusterRole"),
    ...byKind("ClusterRoleBinding"),
    ...byKind("IngressClass"),
    ...secrets,
    ...byKind("Middleware"),
    ...byKind("IngressRoute"),
  ];
  assert.equal(byKind("IngressRoute").length, 1, "the proxy renders one IngressRoute");

  state.dir = fs.mkdtempSync(path.join(os.tmpdir(), "homeport-proxy-kube-"));
  const started = spawnSync("bash", [ENGINES, "start-kube", state.dir], {
    encoding: "utf8",
    timeout: 180_000,
  });
  assert.equal(started.status, 0, started.stderr);
  const env = Object.fromEntries(
    [
      ...fs
        .readFileSync(path.join(state.dir, "kube.env"), "utf8")
        .matchAll(/^export ([A-Z_]+)=(.*)$/gm),
    ].map((m) => [m[1], m[2]]),
  );
  const server = env.HOMEPORT_KUBE_SERVER;
  const caFile = env.HOMEPORT_KUBE_CA;
  const ca = fs.readFileSync(caFile, "utf8");
  const admin = fs.readFileSync(env.HOMEPORT_KUBE_TOKEN_FILE, "utf8").trim();

  for (const crd of yaml.loadAll(fs.readFileSync(traefikCrdFile() as string, "utf8"))) {
    if (!crd) continue;
    const r = await api(
      server,
      admin,
      ca,
      "POST",
      "/apis/apiextensions.k8s.io/v1/customresourcedefinitions",
      crd,
    );
    assert.ok(r.status === 201 || r.status === 409, JSON.stringify(r.body));
  }
  for (const m of manifests) {
    // A new CRD takes a moment before its kind is served.
    for (let attempt = 0; ; attempt++) {
      const r = await api(server, admin, ca, "POST", collection(m), m);
      if (r.status === 201) break;
      assert.ok(
        r.status === 404 && attempt < 40,
        `${m.kind} ${m.metadata.name}: ${JSON.stringify(r.body)}`,
      );
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
  const account = byKind("ServiceAccount")[0];
  const issued = await api(
    server,
    admin,
    ca,
    "POST",
    `/api/v1/namespaces/${NAMESPACE}/serviceaccounts/${account.metadata.name}/token`,
    {
      apiVersion: "authentication.k8s.io/v1",
      kind: "TokenRequest",
      spec: { expirationSeconds: 3600 },
    },
  );
  assert.equal(issued.status, 201, JSON.stringify(issued.body));
  const token = (issued.body.status as { token: string }).token;

  const deployment = byKind("Deployment")[0] as unknown as {
    spec: { template: { spec: { containers: { args: string[] }[] } } };
  };
  const dynamic = path.join(state.dir, "tls.yml");
  fs.writeFileSync(dynamic, "tls:\n  options:\n    default:\n      minVersion: VersionTLS12\n");
  const ports = { web: await freePort(), websecure: await freePort(), traefik: await freePort() };
  state.websecure = ports.websecure;
  const args = deployment.spec.template.spec.containers[0].args.map((a) =>
    a
      .replace(`address=:${TRAEFIK_PORTS.web.port}`, `address=127.0.0.1:${ports.web}`)
      .replace(`address=:${TRAEFIK_PORTS.websecure.port}`, `address=127.0.0.1:${ports.websecure}`)
      .replace(`address=:${TRAEFIK_PORTS.traefik.port}`, `address=127.0.0.1:${ports.traefik}`)
      .replace(TRAEFIK_PATHS.dynamicConfig, dynamic),
  );
  // Out of the cluster, Traefik is told the API server and given the proxy's own token.
  const connection = ["kubernetesingress", "kubernetescrd"].flatMap((p) => [
    `--providers.${p}.endpoint=${server}`,
    `--providers.${p}.token=${token}`,
    `--providers.${p}.certAuthFilePath=${caFile}`,
  ]);
  state.traefik = spawn(TRAEFIK_BIN, [...args, ...connection], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  state.traefik.stdout?.on("data", (d: Buffer) => (state.log += d.toString()));
  state.traefik.stderr?.on("data", (d: Buffer) => (state.log += d.toString()));
  const deadline = Date.now() + 60_000;
  for (;;) {
    const status = await dashboardCall(ports.websecure, `${USER}:${PASSWORD}`).catch(() => 0);
    if (status === 200) break;
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

function port(t: TestContext): number | undefined {
  if (state.blocked) {
    t.skip(state.blocked);
    return undefined;
  }
  return state.websecure;
}

describe("the proxy's routes through a real Kubernetes API server", () => {
  it("serves the dashboard's API through its IngressRoute, only with the credentials", async (t) => {
    const p = port(t);
    if (!p) return;
    assert.equal(await dashboardCall(p), 401);
    assert.equal(await dashboardCall(p, `${USER}:wrong`), 401);
    assert.equal(await dashboardCall(p, `${USER}:${PASSWORD}`), 200);
  });

  it("reads everything it watches with its own service account: no request is forbidden", (t) => {
    if (!port(t)) return;
    assert.doesNotMatch(state.log, /forbidden/i);
  });
});
