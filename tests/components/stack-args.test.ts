import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  issuerAnnotations,
  TRAEFIK_INGRESS_CONTROLLER,
} from "../../components/platforms/kubernetes/routes";
import { KUBERNETES_CAPABILITIES } from "../../components/platforms/kubernetes/profile";
import { NOMAD_CAPABILITIES } from "../../components/platforms/nomad/profile";
import { swarmCapabilities } from "../../components/platforms/swarm/profile";
import { certificateSource } from "../../components/proxy/certificates";
import { routePublishing } from "../../components/stack-args";
import { stackConfig } from "../helpers/harness";

const acme = { acme: { email: "ops@example.org", clusterIssuer: "letsencrypt" } };
const config = (target: string, proxy: unknown = {}, parts = ["proxy"]) =>
  stackConfig({ target, domain: "home.example.org", parts, proxy }, ["proxy"]);
const acmeIssuer = (target: string) =>
  ({
    swarm: swarmCapabilities(config("swarm").swarm),
    kubernetes: KUBERNETES_CAPABILITIES,
    nomad: NOMAD_CAPABILITIES,
  })[target]?.acmeIssuer ?? "proxy";
const source = (target: string, proxy: unknown = {}) =>
  certificateSource(config(target, proxy).proxy, acmeIssuer(target));

describe("route publishing", () => {
  it("points TLS routes at Traefik's ACME resolver on Swarm and Nomad", () => {
    for (const target of ["swarm", "nomad"]) {
      assert.equal(source(target, acme), "acme");
      assert.deepEqual(routePublishing(config(target, acme)), {
        certResolver: "acme",
        clusterIssuer: "letsencrypt",
        createRouteClass: true,
      });
    }
  });

  it("asks cert-manager's ClusterIssuer for each Ingress's certificate on Kubernetes", () => {
    assert.equal(source("kubernetes", acme), "cert-manager");
    const publishing = routePublishing(config("kubernetes", acme));
    assert.deepEqual(issuerAnnotations(publishing.clusterIssuer), {
      "cert-manager.io/cluster-issuer": "letsencrypt",
    });
    assert.equal(publishing.createRouteClass, true);
    assert.equal(TRAEFIK_INGRESS_CONTROLLER, "traefik.io/ingress-controller");
  });

  it("leaves an existing IngressClass alone when asked", () => {
    assert.deepEqual(routePublishing(config("kubernetes", { createIngressClass: false })), {
      createRouteClass: false,
    });
    assert.deepEqual(routePublishing(config("kubernetes")), { createRouteClass: true });
  });

  it("names no resolver when certificates are supplied or self-signed", () => {
    const supplied = { certificate: { cert: "c.pem", key: "[secret]" } };
    assert.equal(source("swarm", supplied), "supplied");
    assert.deepEqual(routePublishing(config("swarm", supplied)), { createRouteClass: true });
    assert.deepEqual(
      issuerAnnotations(routePublishing(config("swarm", supplied)).clusterIssuer),
      {},
    );
    assert.equal(source("nomad"), "self-signed");
    assert.deepEqual(routePublishing(config("nomad")), { createRouteClass: true });
  });

  it("names no resolver without the proxy part", () => {
    assert.deepEqual(routePublishing(config("swarm", acme, ["monitoring"])), {});
  });
});
