import { ACME_DIRECTORIES, AcmeSettings, ProxySettings } from "../config/parts/proxy";
import { CERT_RESOLVER, DOCKER_SOCKET, ENTRYPOINT_WEB, ENTRYPOINT_WEBSECURE } from "../model";
import { CertificateSource } from "./certificates";

/**
 * Ports inside the container. Traefik listens above 1024 so it needs no NET_BIND_SERVICE; the
 * nodes publish 80 and 443 onto them.
 */
export const TRAEFIK_PORTS = {
  web: { port: 8000, published: 80 },
  websecure: { port: 8443, published: 443 },
  /** Traefik's own entry point: ping and Prometheus metrics, never published. */
  traefik: { port: 8080 },
} as const;

/** Where files and secrets land in the container. */
export const TRAEFIK_PATHS = {
  acmeStorage: "/data/acme.json",
  acmeDir: "/data",
  acmeCaBundle: "/etc/traefik/acme-ca.pem",
  dynamicConfig: "/etc/traefik/dynamic/tls.yml",
  certificate: "/etc/traefik/certs/tls.crt",
  certificateKey: "/run/secrets/tls-key",
  dockerSocket: DOCKER_SOCKET,
} as const;

/** What the static configuration depends on, beyond the proxy's own settings. */
export interface TraefikArgsInput {
  readonly logLevel: ProxySettings["logLevel"];
  /** ACME settings, used when `certificates` is "acme". @default none */
  readonly acme?: AcmeSettings;
  /** Serve the dashboard (on its authenticated route to `api@internal`). */
  readonly dashboard: boolean;
  readonly certificates: CertificateSource;
  /** The orchestrator's provider arguments (`RouteProvider.traefikArgs` of the adapter). */
  readonly providerArgs: readonly string[];
}

/** The https URL of the ACME directory a `caServer` setting names. */
export const acmeDirectory = (caServer: string): string => ACME_DIRECTORIES[caServer] ?? caServer;

/** How long Traefik waits to connect to a replica before the retry middleware tries another. */
export const DIAL_TIMEOUT = "2s";

function acmeArgs(input: TraefikArgsInput): string[] {
  const acme = input.acme;
  if (input.certificates !== "acme" || !acme) return [];
  const prefix = `--certificatesResolvers.${CERT_RESOLVER}.acme`;
  return [
    `${prefix}.email=${acme.email}`,
    `${prefix}.storage=${TRAEFIK_PATHS.acmeStorage}`,
    `${prefix}.caServer=${acmeDirectory(acme.caServer)}`,
    ...(acme.challenge === "http"
      ? [`${prefix}.httpChallenge.entryPoint=${ENTRYPOINT_WEB}`]
      : [`${prefix}.tlsChallenge=true`]),
    ...(acme.caBundle ? [`${prefix}.caCertificates=${TRAEFIK_PATHS.acmeCaBundle}`] : []),
  ];
}

/**
 * Traefik's static configuration as command-line arguments. The API is never insecure: the
 * dashboard is reachable only through its authenticated TLS route to `api@internal`.
 */
export function traefikArgs(input: TraefikArgsInput): string[] {
  const { web, websecure, traefik } = TRAEFIK_PORTS;
  return [
    "--global.checkNewVersion=false",
    "--global.sendAnonymousUsage=false",
    `--log.level=${input.logLevel}`,
    `--entryPoints.${ENTRYPOINT_WEB}.address=:${web.port}`,
    // The redirect names the published port: the websecure entry point listens on another one.
    `--entryPoints.${ENTRYPOINT_WEB}.http.redirections.entryPoint.to=:${websecure.published}`,
    `--entryPoints.${ENTRYPOINT_WEB}.http.redirections.entryPoint.scheme=https`,
    `--entryPoints.${ENTRYPOINT_WEB}.http.redirections.entryPoint.permanent=true`,
    `--entryPoints.${ENTRYPOINT_WEBSECURE}.address=:${websecure.port}`,
    `--entryPoints.${ENTRYPOINT_WEBSECURE}.http.tls=true`,
    `--entryPoints.traefik.address=:${traefik.port}`,
    // A replica that a rollout or a crash took away does not answer; fail over to another one
    // (the routes' retry middleware) long before a client gives up.
    `--serversTransport.forwardingTimeouts.dialTimeout=${DIAL_TIMEOUT}`,
    "--ping=true",
    "--ping.entryPoint=traefik",
    "--metrics.prometheus=true",
    "--metrics.prometheus.entryPoint=traefik",
    ...(input.dashboard ? ["--api=true", "--api.dashboard=true"] : []),
    `--providers.file.filename=${TRAEFIK_PATHS.dynamicConfig}`,
    ...input.providerArgs,
    ...acmeArgs(input),
  ];
}

/**
 * Traefik's file-provider configuration: modern TLS defaults, and the supplied certificate as the
 * default one when there is one.
 */
export function dynamicConfig(certificates: CertificateSource): string {
  const lines = [
    "tls:",
    "  options:",
    "    default:",
    "      minVersion: VersionTLS12",
    "      sniStrict: false",
  ];
  if (certificates === "supplied") {
    lines.push(
      "  stores:",
      "    default:",
      "      defaultCertificate:",
      `        certFile: ${TRAEFIK_PATHS.certificate}`,
      `        keyFile: ${TRAEFIK_PATHS.certificateKey}`,
    );
  }
  return lines.join("\n") + "\n";
}
