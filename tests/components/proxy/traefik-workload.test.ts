import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { resolveWorkload } from "../../../components/model";
import {
  ACME_SINGLETON_REASON,
  dashboardRoute,
  traefikWorkloadSpec,
  whoamiWorkloadSpec,
} from "../../../components/proxy/traefik-workload";
import { certificateSource } from "../../../components/proxy/certificates";
import { reverseProxyArgs } from "../../../components/stack-args";
import { stackConfig } from "../../helpers/harness";
import { profileFor } from "../../helpers/platforms";

const USERS = "admin:$2a$10$hash";

function spec(settings: Record<string, unknown>) {
  const config = stackConfig({ domain: "home.example.org", parts: ["proxy"], ...settings }, [
    "proxy",
  ]);
  const platform = profileFor(config);
  return traefikWorkloadSpec({
    settings: reverseProxyArgs(config),
    platform,
    certificates: certificateSource(config.proxy, platform.capabilities.acmeIssuer),
    dashboardUsers: USERS,
    acmeCaBundle: "-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n",
    certificate: "-----BEGIN CERTIFICATE-----\nLEAF\n-----END CERTIFICATE-----\n",
  });
}

describe("Traefik workload", () => {
  it("publishes 80 and 443 onto unprivileged ports and keeps its own entry point private", () => {
    assert.deepEqual(spec({ target: "swarm" }).ports, [
      { name: "web", port: 8000, publish: { hostPort: 80 } },
      { name: "websecure", port: 8443, publish: { hostPort: 443 } },
      { name: "traefik", port: 8080 },
    ]);
  });

  it("checks health with traefik healthcheck --ping and declares its metrics", () => {
    const w = resolveWorkload("traefik", "proxy", spec({ target: "swarm" }));
    assert.deepEqual(w.health?.inContainerCommand, ["CMD", "traefik", "healthcheck", "--ping"]);
    assert.equal(w.health?.kind, "http");
    assert.equal(w.health?.portNumber, 8080);
    assert.deepEqual(w.metrics, { port: "traefik", path: "/metrics" });
  });

  it("runs 2 replicas by default, spread, start-first through Swarm's ingress mesh", () => {
    const w = resolveWorkload("traefik", "proxy", spec({ target: "swarm" }));
    assert.deepEqual(w.scheduling, { mode: "replicated", replicas: 2 });
    assert.deepEqual(w.placement, {
      constraints: [{ attribute: "role", value: "manager", operator: "==" }],
      spread: true,
      maxPerNode: undefined,
    });
    assert.equal(w.update.order, "start-first");
    assert.equal(w.state, "stateless");
  });

  it("keeps one proxy per node, replaced one at a time, where nodes bind the ports", () => {
    for (const settings of [
      { target: "swarm", swarm: { publishMode: "host" }, sizes: { proxy: 3 } },
      { target: "nomad", sizes: { proxy: 3 } },
    ]) {
      const w = resolveWorkload("traefik", "proxy", spec(settings));
      assert.deepEqual(w.scheduling, { mode: "replicated", replicas: 3 }, settings.target);
      assert.equal(w.placement.maxPerNode, 1, settings.target);
      assert.equal(w.placement.spread, true, settings.target);
      assert.equal(w.update.order, "stop-first", settings.target);
    }
  });

  it("starts a new proxy before stopping an old one behind Kubernetes' load balancer", () => {
    const w = resolveWorkload(
      "traefik",
      "proxy",
      spec({ target: "kubernetes", sizes: { proxy: 3 } }),
    );
    assert.deepEqual(w.scheduling, { mode: "replicated", replicas: 3 });
    assert.equal(w.placement.maxPerNode, undefined);
    assert.equal(w.placement.spread, true);
    assert.equal(w.update.order, "start-first");
  });

  it("declares that it serves the platform's routes, on every target", () => {
    for (const target of ["swarm", "kubernetes", "nomad"]) {
      assert.equal(
        resolveWorkload("traefik", "proxy", spec({ target })).security.servesRoutes,
        true,
      );
    }
  });

  it("mounts the Docker socket read-only on Swarm managers only", () => {
    const swarm = resolveWorkload("traefik", "proxy", spec({ target: "swarm" }));
    assert.equal(swarm.security.dockerSocket, true);
    assert.deepEqual(
      swarm.exemptions.map((e) => e.rule),
      ["workload-run-as-non-root", "workload-docker-socket-restricted"],
    );
    for (const target of ["kubernetes", "nomad"]) {
      const w = resolveWorkload("traefik", "proxy", spec({ target }));
      assert.equal(w.security.dockerSocket, false, target);
      assert.deepEqual(w.placement.constraints, [], target);
      assert.deepEqual(w.security.user, { uid: 65532, gid: 65532 }, target);
      assert.deepEqual(w.exemptions, [], target);
    }
  });

  it("holds the ACME account in one stateful instance, its state on the shared class under every backend", () => {
    const w = resolveWorkload(
      "traefik",
      "proxy",
      spec({
        target: "nomad",
        proxy: { acme: { email: "ops@example.org", caBundle: "ca.pem" } },
        storage: { backend: "nfs", nfs: { server: "nas.lan", path: "/export" } },
      }),
    );
    assert.deepEqual(w.scheduling, { mode: "singleton", reason: ACME_SINGLETON_REASON });
    assert.deepEqual(
      w.exemptions.map((e) => e.rule),
      ["workload-run-as-non-root", "stack-no-single-point-of-failure", "workload-min-replicas"],
    );
    assert.equal(w.state, "stateful");
    assert.equal(w.update.order, "stop-first");
    assert.deepEqual(
      w.volumes.map((v) => [v.name, v.mountPath, v.class]),
      [["acme", "/data", "shared"]],
    );
    assert.deepEqual(
      w.files.map((f) => [f.name, f.path]),
      [
        ["dynamic", "/etc/traefik/dynamic/tls.yml"],
        ["acme-ca", "/etc/traefik/acme-ca.pem"],
      ],
    );
    // The class does not depend on the backend: the backend decides where `shared` lives.
    const local = resolveWorkload(
      "traefik",
      "proxy",
      spec({ target: "swarm", proxy: { acme: { email: "ops@example.org" } } }),
    );
    assert.equal(local.volumes[0].class, "shared");
  });

  it("keeps a proxy size of 0 at 0, even with ACME", () => {
    const w = resolveWorkload(
      "traefik",
      "proxy",
      spec({ target: "swarm", sizes: { proxy: 0 }, proxy: { acme: { email: "ops@example.org" } } }),
    );
    assert.deepEqual(w.scheduling, { mode: "replicated", replicas: 0 });
  });

  it("keeps Kubernetes replicas stateless when cert-manager holds the ACME account", () => {
    const w = resolveWorkload(
      "traefik",
      "proxy",
      spec({ target: "kubernetes", proxy: { acme: { email: "ops@example.org" } } }),
    );
    assert.deepEqual(w.scheduling, { mode: "replicated", replicas: 2 });
    assert.deepEqual(w.volumes, []);
  });

  it("delivers a supplied certificate as a file and its key as a secret", () => {
    const w = resolveWorkload(
      "traefik",
      "proxy",
      spec({ target: "swarm", proxy: { certificate: { cert: "c.pem", key: "[secret]" } } }),
    );
    assert.deepEqual(
      w.files.map((f) => [f.name, f.path]),
      [
        ["dynamic", "/etc/traefik/dynamic/tls.yml"],
        ["tls-cert", "/etc/traefik/certs/tls.crt"],
      ],
    );
    assert.deepEqual(
      w.secrets.map((s) => [s.name, s.path, s.env]),
      [["tls-key", "/run/secrets/tls-key", undefined]],
    );
    assert.deepEqual(w.env, {});
  });

  it("hands Nomad's ACL token over as a secret environment variable", () => {
    const w = resolveWorkload(
      "traefik",
      "proxy",
      spec({ target: "nomad", proxy: { nomadToken: "[secret]" } }),
    );
    assert.deepEqual(
      w.secrets.map((s) => [s.name, s.env]),
      [["nomad-token", "NOMAD_TOKEN"]],
    );
  });

  it("routes the dashboard over TLS to api@internal behind basic auth", () => {
    assert.deepEqual(spec({ target: "swarm" }).routes, [
      dashboardRoute("traefik.home.example.org", USERS),
    ]);
    assert.deepEqual(dashboardRoute("t.home.example.org", USERS), {
      host: "t.home.example.org",
      port: "traefik",
      tls: true,
      internalService: "api@internal",
      middlewares: [{ kind: "basic-auth", users: USERS }, { kind: "security-headers" }],
    });
    assert.deepEqual(
      spec({ target: "swarm", proxy: { dashboard: { enabled: false } } }).routes,
      [],
    );
  });

  it("names a declared port even on the route to api@internal", () => {
    const w = resolveWorkload("traefik", "proxy", spec({ target: "swarm" }));
    assert.deepEqual(
      w.routes.map((r) => [r.internalService, r.port, r.portNumber]),
      [["api@internal", "traefik", 8080]],
    );
    assert.throws(
      () =>
        resolveWorkload("t", "proxy", {
          image: "traefik:v3.6.7",
          routes: [{ host: "t.home.example.org", port: "admin", internalService: "api@internal" }],
        }),
      {
        message:
          'Workload "t": route t.home.example.org names port "admin", which the workload does not declare. Fix: declare the port in ports.',
      },
    );
  });

  it("describes the whoami test service on its own route", () => {
    const w = resolveWorkload("whoami", "proxy", whoamiWorkloadSpec("whoami.home.example.org", 2));
    assert.deepEqual(
      w.routes.map((r) => [r.host, r.portNumber, r.tls]),
      [["whoami.home.example.org", 8080, true]],
    );
    assert.deepEqual(w.args, ["--port", "8080"]);
    assert.equal(w.health?.kind === "http" && w.health.path, "/health");
    assert.deepEqual(w.health?.inContainerCommand, ["NONE"]);
    assert.deepEqual(
      w.exemptions.map((e) => e.rule),
      ["workload-require-health-check"],
    );
    assert.match(w.image, /^traefik\/whoami:v\d+\.\d+\.\d+$/);
  });
});
