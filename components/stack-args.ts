import { StackConfig } from "./config/schema";
import { CERT_RESOLVER, RoutePublishing } from "./model";

/**
 * How routes are published on this stack, decided once from the reverse proxy's settings: with
 * ACME, TLS routes name Traefik's resolver (where the proxy holds the account) and the platform's
 * issuer (where the platform issues certificates); each adapter uses the one its orchestrator has.
 * Without the proxy part nothing is published through it.
 */
export function routePublishing(config: StackConfig): RoutePublishing {
  if (!config.parts.includes("proxy")) return {};
  const acme = config.proxy.certificate ? undefined : config.proxy.acme;
  return {
    // A router naming a resolver that does not exist is disabled by Traefik: name none then.
    ...(acme ? { certResolver: CERT_RESOLVER, clusterIssuer: acme.clusterIssuer } : {}),
    createRouteClass: config.proxy.createIngressClass,
  };
}
