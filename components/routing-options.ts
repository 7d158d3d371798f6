import { StackConfig } from "./config/schema";
import { AdapterOptions } from "./platforms/create-adapter";
import { CLUSTER_ISSUER_ANNOTATION } from "./platforms/kubernetes/manifests";

/** Name of Traefik's ACME certificate resolver, as routes reference it. */
export const CERT_RESOLVER = "acme";

/** The controller name Traefik's Kubernetes Ingress provider answers to. */
export const TRAEFIK_INGRESS_CONTROLLER = "traefik.io/ingress-controller";

/**
 * Where the proxy's certificates come from:
 * - "acme": Traefik's own ACME resolver (Swarm, Nomad), one instance holding the account;
 * - "cert-manager": on Kubernetes, ACME through cert-manager, one TLS secret per Ingress;
 * - "supplied": the certificate in `homeport:proxy.certificate`, served as the default;
 * - "self-signed": none configured; Traefik serves its generated default certificate.
 */
export type CertificateSource = "acme" | "cert-manager" | "supplied" | "self-signed";

export function certificateSource(config: StackConfig): CertificateSource {
  if (config.proxy.certificate) return "supplied";
  if (!config.proxy.acme) return "self-signed";
  return config.target === "kubernetes" ? "cert-manager" : "acme";
}

/** How routes are published on this stack; decided by the reverse proxy's settings. */
export function routingOptions(config: StackConfig): AdapterOptions {
  if (!config.parts.includes("proxy")) return { routing: {} };
  const ingressClass =
    config.target === "kubernetes" && config.proxy.createIngressClass
      ? { ingressClassController: TRAEFIK_INGRESS_CONTROLLER }
      : {};
  switch (certificateSource(config)) {
    case "acme":
      return { routing: { certResolver: CERT_RESOLVER } };
    case "cert-manager":
      return {
        routing: {},
        ingressAnnotations: {
          [CLUSTER_ISSUER_ANNOTATION]: config.proxy.acme?.clusterIssuer ?? "homeport-acme",
        },
        ...ingressClass,
      };
    default:
      // A router naming a resolver that does not exist is disabled by Traefik: name none.
      return { routing: {}, ...ingressClass };
  }
}
