import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { certificateSource, routingOptions } from "../../components/routing-options";
import { stackConfig } from "../helpers/harness";

const acme = { acme: { email: "ops@example.org", clusterIssuer: "letsencrypt" } };
const config = (target: string, proxy: unknown = {}, parts = ["proxy"]) =>
  stackConfig({ target, domain: "home.example.org", parts, proxy }, ["proxy"]);

describe("routing options", () => {
  it("points TLS routes at Traefik's ACME resolver on Swarm and Nomad", () => {
    for (const target of ["swarm", "nomad"]) {
      assert.equal(certificateSource(config(target, acme)), "acme");
      assert.deepEqual(routingOptions(config(target, acme)), {
        routing: { certResolver: "acme" },
      });
    }
  });

  it("asks cert-manager's ClusterIssuer for each Ingress's certificate on Kubernetes", () => {
    assert.equal(certificateSource(config("kubernetes", acme)), "cert-manager");
    assert.deepEqual(routingOptions(config("kubernetes", acme)), {
      routing: {},
      ingressAnnotations: { "cert-manager.io/cluster-issuer": "letsencrypt" },
      ingressClassController: "traefik.io/ingress-controller",
    });
  });

  it("leaves an existing IngressClass alone when asked", () => {
    assert.deepEqual(routingOptions(config("kubernetes", { createIngressClass: false })), {
      routing: {},
    });
    assert.deepEqual(routingOptions(config("kubernetes")), {
      routing: {},
      ingressClassController: "traefik.io/ingress-controller",
    });
  });

  it("names no resolver when certificates are supplied or self-signed", () => {
    const supplied = { certificate: { cert: "c.pem", key: "[secret]" } };
    assert.equal(certificateSource(config("swarm", supplied)), "supplied");
    assert.deepEqual(routingOptions(config("swarm", supplied)), { routing: {} });
    assert.equal(certificateSource(config("nomad")), "self-signed");
    assert.deepEqual(routingOptions(config("nomad")), { routing: {} });
  });

  it("names no resolver without the proxy part", () => {
    assert.deepEqual(routingOptions(config("swarm", acme, ["monitoring"])), { routing: {} });
  });
});
