import {
  ACME_DIRECTORIES,
  AcmeSettings,
  BehindProxySettings,
  EntryPointSettings,
  ProxySettings,
} from "../config/parts/proxy";
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

/** One entry point Traefik listens on, in the container and on the node. */
export interface EntryPoint {
  readonly name: string;
  /** Where Traefik listens in the container (`:port`, every address). */
  readonly port: number;
  /** The node's port published onto it. */
  readonly published: number;
  /** TLS ends here (websecure). */
  readonly tls: boolean;
  /** Redirects to HTTPS on this published port (web, when the proxy ends TLS). */
  readonly redirectTo?: number;
  /** Forwarded headers are trusted from these CIDRs only (behind an upstream proxy). */
  readonly trustedIPs?: readonly string[];
}

/** Where the proxy's own endpoints listen, never on a port an entry point names. */
export interface PrivatePorts {
  /** Ping and metrics (and the dashboard's API behind its route), unpublished. */
  readonly traefik: number;
  /** Ping alone, published on each node for the floating IP's track script. @default none */
  readonly ping?: number;
}

/**
 * The entry points of the proxy. Without `behindProxy`: web (80, redirecting to HTTPS) and
 * websecure (443, TLS). Behind an upstream proxy: the named entry points (or web alone), plain
 * HTTP on their own port, forwarded headers trusted from the upstream only, never a redirect.
 */
export function entryPoints(settings: {
  readonly entryPoints?: Readonly<Record<string, EntryPointSettings>>;
  readonly behindProxy?: BehindProxySettings;
}): EntryPoint[] {
  const { web, websecure } = TRAEFIK_PORTS;
  const behind = settings.behindProxy;
  if (!behind) {
    return [
      {
        name: ENTRYPOINT_WEB,
        port: web.port,
        published: web.published,
        tls: false,
        redirectTo: websecure.published,
      },
      {
        name: ENTRYPOINT_WEBSECURE,
        port: websecure.port,
        published: websecure.published,
        tls: true,
      },
    ];
  }
  const named = Object.entries(settings.entryPoints ?? {});
  if (named.length === 0) {
    return [
      {
        name: ENTRYPOINT_WEB,
        port: web.port,
        published: web.published,
        tls: false,
        trustedIPs: behind.trustedIPs,
      },
    ];
  }
  return named.map(([name, entry]) => ({
    name,
    port: entry.port,
    published: entry.port,
    tls: false,
    trustedIPs: behind.trustedIPs,
  }));
}

/**
 * Traefik's private entry point on 8080, or the next port no entry point and no ping claims
 * (seed 001's upstream reaches 8080 on each node), and the ping's own port when it is published.
 */
export function privatePorts(points: readonly EntryPoint[], pingPort?: number): PrivatePorts {
  const taken = new Set([...points.map((p) => p.port), ...(pingPort ? [pingPort] : [])]);
  let traefik: number = TRAEFIK_PORTS.traefik.port;
  while (taken.has(traefik)) traefik += 1;
  return { traefik, ...(pingPort ? { ping: pingPort } : {}) };
}

/** Traefik's arguments for one entry point (traefik/traefik pkg/config/static/entrypoints.go). */
function entryPointArgs(point: EntryPoint): string[] {
  const prefix = `--entryPoints.${point.name}`;
  return [
    `${prefix}.address=:${point.port}`,
    // The redirect names the published port: the websecure entry point listens on another one.
    ...(point.redirectTo !== undefined
      ? [
          `${prefix}.http.redirections.entryPoint.to=:${point.redirectTo}`,
          `${prefix}.http.redirections.entryPoint.scheme=https`,
          `${prefix}.http.redirections.entryPoint.permanent=true`,
        ]
      : []),
    ...(point.tls ? [`${prefix}.http.tls=true`] : []),
    // From any other address Traefik removes X-Forwarded-* and writes its own
    // (pkg/middlewares/forwardedheaders); `forwardedHeaders.insecure` is never set.
    ...(point.trustedIPs
      ? [`${prefix}.forwardedHeaders.trustedIPs=${point.trustedIPs.join(",")}`]
      : []),
  ];
}

/** What the static configuration depends on, beyond the proxy's own settings. */
export interface TraefikArgsInput {
  /** The entry points ({@link entryPoints}). @default web and websecure */
  readonly entryPoints?: readonly EntryPoint[];
  /** The ping's own published port (the floating IP's health port). @default none: ping on the private entry point */
  readonly pingPort?: number;
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
  const points = input.entryPoints ?? entryPoints({});
  const ports = privatePorts(points, input.pingPort);
  return [
    "--global.checkNewVersion=false",
    "--global.sendAnonymousUsage=false",
    `--log.level=${input.logLevel}`,
    ...points.flatMap(entryPointArgs),
    `--entryPoints.traefik.address=:${ports.traefik}`,
    ...(ports.ping ? [`--entryPoints.ping.address=:${ports.ping}`] : []),
    // A replica that a rollout or a crash took away does not answer; fail over to another one
    // (the routes' retry middleware) long before a client gives up.
    `--serversTransport.forwardingTimeouts.dialTimeout=${DIAL_TIMEOUT}`,
    "--ping=true",
    `--ping.entryPoint=${ports.ping ? "ping" : "traefik"}`,
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
