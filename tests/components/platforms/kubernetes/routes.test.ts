import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ingressRouteSpec, resolveWorkload } from "../../../../components/model";
import {
  hasIngressRoutes,
  ingressAnnotations,
  ingressSpec,
  internalCertificateSpec,
  publicServiceSpec,
} from "../../../../components/platforms/kubernetes/routes";

/** A workload with one ordinary route and one to a proxy-internal service. */
const mixed = resolveWorkload("edge", "proxy", {
  image: "traefik:v3.6.7",
  ports: [
    { name: "web", port: 8000, publish: { hostPort: 80 } },
    { name: "admin", port: 8080 },
  ],
  routes: [
    { host: "app.home.example.org", port: "admin", middlewares: [{ kind: "security-headers" }] },
    {
      host: "api.home.example.org",
      port: "admin",
      internalService: "api@internal",
      middlewares: [{ kind: "basic-auth", users: "admin:hash" }],
    },
  ],
});

const plain = resolveWorkload("web", "apps", {
  image: "web:1.0.0",
  ports: [{ name: "http", port: 8080 }],
  routes: [{ host: "web.home.example.org", port: "http", tls: false }],
});

describe("Kubernetes routes to proxy-internal services", () => {
  it("keeps them out of the Ingress, its TLS hosts and its middleware annotation", () => {
    assert.equal(hasIngressRoutes(mixed), true);
    const spec = ingressSpec(mixed, "traefik");
    assert.deepEqual(
      (spec.rules as { host: string }[]).map((r) => r.host),
      ["app.home.example.org"],
    );
    assert.deepEqual(spec.tls, [{ hosts: ["app.home.example.org"], secretName: "edge-tls" }]);
    assert.equal(
      ingressAnnotations(mixed, "homeport", {})["traefik.ingress.kubernetes.io/router.middlewares"],
      "homeport-edge-security-headers@kubernetescrd",
    );
  });

  it("routes them through an IngressRoute with the route's own middlewares", () => {
    assert.deepEqual(ingressRouteSpec(mixed, undefined), {
      entryPoints: ["websecure"],
      routes: [
        {
          kind: "Rule",
          match: "Host(`api.home.example.org`)",
          middlewares: [{ name: "edge-1-basic-auth" }],
          services: [{ name: "api@internal", kind: "TraefikService" }],
        },
      ],
      tls: {},
    });
    assert.deepEqual((ingressRouteSpec(mixed, "edge-internal-tls") as { tls: unknown }).tls, {
      secretName: "edge-internal-tls",
    });
  });

  it("asks the ClusterIssuer for their hosts' certificate", () => {
    assert.deepEqual(internalCertificateSpec(mixed, "letsencrypt"), {
      secretName: "edge-internal-tls",
      dnsNames: ["api.home.example.org"],
      issuerRef: { kind: "ClusterIssuer", name: "letsencrypt" },
    });
  });

  it("renders nothing extra for a workload without them", () => {
    assert.equal(ingressRouteSpec(plain, undefined), undefined);
    assert.equal(internalCertificateSpec(plain, "letsencrypt"), undefined);
    assert.equal(hasIngressRoutes(plain), true);
  });
});

describe("Kubernetes published ports", () => {
  it("become a LoadBalancer Service on the published port numbers", () => {
    assert.deepEqual(publicServiceSpec(mixed), {
      type: "LoadBalancer",
      externalTrafficPolicy: "Local",
      selector: { "app.kubernetes.io/name": "edge", "app.kubernetes.io/instance": "edge" },
      ports: [{ name: "web", port: 80, targetPort: "web", protocol: "TCP" }],
    });
  });

  it("leave workloads that publish nothing on ClusterIP only", () => {
    assert.equal(publicServiceSpec(plain), undefined);
  });
});
