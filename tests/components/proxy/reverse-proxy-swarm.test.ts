import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { Recorder, resource, stackConfig, startRecorder } from "../../helpers/harness";
import { TOKENS } from "../../helpers/types";
import { TEST_CERT_PEM } from "../../helpers/certs";

type Inputs = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const SERVICE = TOKENS.swarmService;
const CA = TEST_CERT_PEM;
let rec: Recorder;
let urls: Record<string, string>;
let credentialsSecret: boolean;

before(async () => {
  rec = await startRecorder("test");
  const { Platform } = await import("../../../components/platform");
  const config = stackConfig({
    target: "swarm",
    domain: "home.example.org",
    parts: ["proxy"],
    proxy: {
      acme: { email: "ops@example.org", caServer: "https://pebble.lan:14000/dir", caBundle: CA },
      whoami: { enabled: true },
    },
  });
  const platform = new Platform("homeport", { config });
  urls = await new Promise((resolve) => platform.urls.apply(resolve));
  credentialsSecret = await (platform.credentials as unknown as { isSecret: Promise<boolean> })
    .isSecret;
  await rec.settle();
});

const service = (name: string) => resource(rec, SERVICE, name).inputs as Inputs;
const labels = (svc: Inputs): Record<string, unknown> =>
  Object.fromEntries(
    (svc.labels as { label: string; value: unknown }[]).map((l) => [l.label, l.value]),
  );

describe("reverse proxy on Swarm", () => {
  it("runs the pinned Traefik with the Swarm provider, the redirect and one ACME resolver", () => {
    const spec = service("traefik").taskSpec.containerSpec;
    assert.equal(spec.image, "traefik:v3.6.7");
    assert.deepEqual(spec.args.slice(4, 7), [
      "--entryPoints.web.http.redirections.entryPoint.to=:443",
      "--entryPoints.web.http.redirections.entryPoint.scheme=https",
      "--entryPoints.web.http.redirections.entryPoint.permanent=true",
    ]);
    assert.deepEqual(spec.args.slice(-9), [
      "--providers.swarm=true",
      "--providers.swarm.endpoint=unix:///var/run/docker.sock",
      "--providers.swarm.exposedByDefault=false",
      "--providers.swarm.refreshSeconds=5",
      "--certificatesResolvers.acme.acme.email=ops@example.org",
      "--certificatesResolvers.acme.acme.storage=/data/acme.json",
      "--certificatesResolvers.acme.acme.caServer=https://pebble.lan:14000/dir",
      "--certificatesResolvers.acme.acme.httpChallenge.entryPoint=web",
      "--certificatesResolvers.acme.acme.caCertificates=/etc/traefik/acme-ca.pem",
    ]);
    assert.ok(!spec.args.some((a: string) => a.startsWith("--api.insecure")));
  });

  it("mounts the Docker socket read-only and runs on managers only", () => {
    const svc = service("traefik");
    const socket = svc.taskSpec.containerSpec.mounts.filter(
      (m: Inputs) => m.source === "/var/run/docker.sock",
    );
    assert.deepEqual(socket, [
      {
        type: "bind",
        source: "/var/run/docker.sock",
        target: "/var/run/docker.sock",
        readOnly: true,
      },
    ]);
    assert.deepEqual(svc.taskSpec.placement.constraints, ["node.role==manager"]);
    assert.equal(
      labels(svc)["policy.homeport.dev/exempt.workload-docker-socket-restricted"],
      "Traefik's Swarm provider discovers routes through the Docker API: read-only, on managers",
    );
    assert.deepEqual(service("whoami").taskSpec.containerSpec.mounts, []);
    assert.equal(service("whoami").taskSpec.placement.constraints, undefined);
  });

  it("keeps the ACME state on a volume and runs one instance that never overlaps itself", () => {
    const svc = service("traefik");
    const acme = svc.taskSpec.containerSpec.mounts.find((m: Inputs) => m.target === "/data");
    assert.equal(acme.type, "volume");
    // The stack's shared volume "acme", on the node's disk with the local backend.
    assert.equal(acme.source, "test-acme");
    assert.deepEqual(acme.volumeOptions, {
      labels: [{ label: "homeport.dev/workload", value: "traefik" }],
    });
    assert.equal(acme.readOnly, false);
    assert.deepEqual(svc.mode, { replicated: { replicas: 1 } });
    assert.equal(svc.updateConfig.order, "stop-first");
    assert.equal(labels(svc)["homeport.dev/scheduling"], "singleton");
    assert.equal(labels(svc)["homeport.dev/state"], "stateful");
    assert.match(
      String(labels(svc)["policy.homeport.dev/exempt.stack-no-single-point-of-failure"]),
      /supply homeport:proxy.certificate to run several$/,
    );
    const volume = resource(rec, TOKENS.swarmVolume, "shared-acme").inputs;
    assert.equal(volume.name, "test-acme");
    assert.equal(volume.driver, undefined);
  });

  it("publishes 80 and 443 through the ingress mesh", () => {
    assert.deepEqual(service("traefik").endpointSpec.ports, [
      { name: "web", protocol: "tcp", targetPort: 8000, publishedPort: 80, publishMode: "ingress" },
      {
        name: "websecure",
        protocol: "tcp",
        targetPort: 8443,
        publishedPort: 443,
        publishMode: "ingress",
      },
    ]);
  });

  it("checks health with traefik healthcheck --ping and labels its metrics", () => {
    const svc = service("traefik");
    assert.deepEqual(svc.taskSpec.containerSpec.healthcheck.tests, [
      "CMD",
      "traefik",
      "healthcheck",
      "--ping",
    ]);
    assert.equal(labels(svc)["homeport.dev/metrics-port"], "8080");
    assert.equal(labels(svc)["homeport.dev/metrics-path"], "/metrics");
  });

  it("routes the dashboard over TLS to api@internal behind basic auth", () => {
    const l = labels(service("traefik"));
    const router = "traefik.http.routers.traefik";
    assert.equal(l["traefik.enable"], "true");
    assert.equal(l[`${router}.rule`], "Host(`traefik.home.example.org`)");
    assert.equal(l[`${router}.entrypoints`], "websecure");
    assert.equal(l[`${router}.tls`], "true");
    assert.equal(l[`${router}.tls.certresolver`], "acme");
    assert.equal(l[`${router}.service`], "api@internal");
    // Without a port label Traefik's Swarm provider would drop all of these labels.
    assert.equal(l["traefik.http.services.traefik.loadbalancer.server.port"], "8080");
    assert.equal(l[`${router}.middlewares`], "traefik-basic-auth,traefik-security-headers-1");
    assert.match(
      String(l["traefik.http.middlewares.traefik-basic-auth.basicauth.users"]),
      /^admin:/,
    );
    assert.equal(l["traefik.http.middlewares.traefik-basic-auth.basicauth.removeHeader"], "true");
    assert.equal(l["traefik.swarm.network"], "test-flow-traefik");
  });

  it("generates the dashboard password and exports it only as a secret", () => {
    const password = resource(rec, TOKENS.randomPassword, "proxy-dashboard-password");
    assert.deepEqual(password.inputs, { length: 32, special: false });
    assert.equal(credentialsSecret, true);
    assert.deepEqual(urls, {
      "proxy-dashboard": "https://traefik.home.example.org/dashboard/",
      "proxy-whoami": "https://whoami.home.example.org/",
    });
  });

  it("hands the lab CA's bundle to Traefik as a config file", () => {
    const config = resource(rec, TOKENS.swarmConfig, "traefik-acme-ca");
    assert.equal(Buffer.from(String(config.inputs.data), "base64").toString("utf8"), CA);
    const files = service("traefik").taskSpec.containerSpec.configs.map((c: Inputs) => c.fileName);
    assert.deepEqual(files, ["/etc/traefik/dynamic/tls.yml", "/etc/traefik/acme-ca.pem"]);
  });

  it("routes the whoami test service with the ACME resolver, and exposes nothing else", () => {
    const l = labels(service("whoami"));
    assert.equal(l["traefik.http.routers.whoami.rule"], "Host(`whoami.home.example.org`)");
    assert.equal(l["traefik.http.routers.whoami.tls.certresolver"], "acme");
    assert.equal(l["traefik.http.services.whoami.loadbalancer.server.port"], "8080");
    assert.equal(service("whoami").endpointSpec.ports, undefined);
    const services = rec.resources.filter((r) => r.type === SERVICE).map((r) => r.name);
    assert.deepEqual(services.sort(), ["traefik", "whoami"]);
  });
});
