import { ProxySettings } from "../config/parts/proxy";
import { PlatformCapabilities } from "../model";

/**
 * Where the proxy's certificates come from:
 * - "acme": Traefik's own ACME resolver, one instance holding the account;
 * - "cert-manager": ACME through the platform's issuer (cert-manager), one TLS secret per route;
 * - "supplied": the certificate in `homeport:proxy.certificate`, served as the default;
 * - "self-signed": none configured; Traefik serves its generated default certificate.
 */
export type CertificateSource = "acme" | "cert-manager" | "supplied" | "self-signed";

/** The certificate source of a proxy, given who issues ACME certificates on the orchestrator. */
export function certificateSource(
  proxy: Pick<ProxySettings, "acme" | "certificate">,
  acmeIssuer: PlatformCapabilities["acmeIssuer"],
): CertificateSource {
  if (proxy.certificate) return "supplied";
  if (!proxy.acme) return "self-signed";
  return acmeIssuer === "platform" ? "cert-manager" : "acme";
}
