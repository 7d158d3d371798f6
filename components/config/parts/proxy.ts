import { z } from "zod";
import { isPinnedImage } from "../../model/resolve";
import { secretString } from "../secret-string";

/** The Traefik release the proxy runs unless `homeport:proxy.image` says otherwise. */
export const TRAEFIK_IMAGE = "traefik:v3.6.7";

/** The test service behind the optional `whoami` route. */
export const WHOAMI_IMAGE = "traefik/whoami:v1.11.0";

/** ACME directories that can be named instead of written out. */
export const ACME_DIRECTORIES: Readonly<Record<string, string>> = {
  letsencrypt: "https://acme-v02.api.letsencrypt.org/directory",
  "letsencrypt-staging": "https://acme-staging-v02.api.letsencrypt.org/directory",
};

const LOG_LEVELS = ["TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL", "PANIC"] as const;
const HOST =
  /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$/;
const USER = /^[A-Za-z0-9._-]{1,64}$/;

/** `homeport:proxy.acme`: certificates from an ACME CA (Let's Encrypt, or a lab CA). */
export const acmeSettings = z
  .object({
    /** Contact address of the ACME account. Required. */
    email: z.email(),
    /** "letsencrypt", "letsencrypt-staging" or the https URL of an ACME directory. */
    caServer: z
      .string()
      .default("letsencrypt")
      .refine((v) => v in ACME_DIRECTORIES || /^https:\/\/[^\s/]+(\/\S*)?$/.test(v), {
        message: "is neither letsencrypt, letsencrypt-staging nor an https URL",
      }),
    /** Extra CA certificates (PEM, or the path of a PEM file) that the ACME directory's TLS uses. */
    caBundle: z.string().min(1).optional(),
    /** How the CA checks control of a name: HTTP-01 on port 80 or TLS-ALPN-01 on port 443. */
    challenge: z.enum(["http", "tls"]).default("http"),
    /** Kubernetes: the cert-manager ClusterIssuer named on every Ingress. */
    clusterIssuer: z
      .string()
      .regex(/^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$/)
      .default("homeport-acme"),
  })
  .strict();

/** `homeport:proxy.certificate`: one certificate (often a wildcard) supplied by the operator. */
export const certificateSettings = z
  .object({
    /** The certificate chain: PEM, or the path of a PEM file. */
    cert: z.string().min(1),
    /** The private key, PEM; set with `pulumi config set --secret`. */
    key: secretString(),
  })
  .strict();

export const dashboardSettings = z
  .object({
    enabled: z.boolean().default(true),
    /** @default "traefik.<domain>" */
    host: z.string().regex(HOST).optional(),
    /** Basic-auth user name; the password is generated. */
    user: z.string().regex(USER).default("admin"),
  })
  .strict();

export const whoamiSettings = z
  .object({
    enabled: z.boolean().default(false),
    /** @default "whoami.<domain>" */
    host: z.string().regex(HOST).optional(),
  })
  .strict();

const CIDR =
  /^(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])(\.(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])){3}\/([0-9]|[12][0-9]|3[0-2])$/;

/** Entry point names Traefik's own entry points use: a named entry point may not take them. */
export const RESERVED_ENTRY_POINTS = ["traefik", "ping"] as const;

/** `homeport:proxy.entryPoints.<name>`: a plain-HTTP entry point on a named port. */
export const entryPointSettings = z
  .object({
    /** The port, in the container and on the node; Traefik runs unprivileged, so 1024 or more. */
    port: z.number().int().min(1024).max(65535),
    /**
     * Where the upstream reaches it: each node's own address, or the floating address
     * (`homeport:edge.floatingIp`, which must then be set). Either way Traefik listens on every
     * address of the node (`:port`), so it answers when the address arrives. @default "nodes"
     */
    on: z.enum(["nodes", "floatingIp"]).default("nodes"),
  })
  .strict();

/** `homeport:proxy.behindProxy`: TLS ends at an upstream proxy; trust its forwarded headers only. */
export const behindProxySettings = z
  .object({
    /** Where the upstream's requests come from, as IPv4 CIDRs, e.g. [172.16.0.0/16]. */
    trustedIPs: z.array(z.string().regex(CIDR)).min(1),
  })
  .strict();

/** `homeport:proxy`: the reverse proxy's settings. */
export const proxySettings = z
  .object({
    image: z
      .string()
      .default(TRAEFIK_IMAGE)
      .refine(isPinnedImage, { message: "is not pinned to a version" }),
    acme: acmeSettings.optional(),
    certificate: certificateSettings.optional(),
    dashboard: dashboardSettings.default(dashboardSettings.parse({})),
    whoami: whoamiSettings.default(whoamiSettings.parse({})),
    logLevel: z.enum(LOG_LEVELS).default("INFO"),
    /** Kubernetes: create the IngressClass named by `homeport:kubernetes.ingressClass`. */
    createIngressClass: z.boolean().default(true),
    /** Nomad ACL token Traefik's Nomad provider reads services with. @default none (ACLs off) */
    nomadToken: secretString().optional(),
    /** Plain-HTTP entry points by name, with `behindProxy` only. @default web (80) and websecure (443) */
    entryPoints: z.record(z.string().regex(/^[a-z][a-z0-9]{0,30}$/), entryPointSettings).optional(),
    /** TLS ends upstream: plain HTTP, no redirect, no ACME. @default none (the proxy ends TLS) */
    behindProxy: behindProxySettings.optional(),
  })
  .strict();

export type ProxySettings = z.output<typeof proxySettings>;
export type AcmeSettings = z.output<typeof acmeSettings>;
export type CertificateSettings = z.output<typeof certificateSettings>;
export type EntryPointSettings = z.output<typeof entryPointSettings>;
export type BehindProxySettings = z.output<typeof behindProxySettings>;

/** Settings under `homeport:proxy` that hold credentials. */
export const proxySecretSettings: string[] = ["certificate.key", "nomadToken"];

/** How to fix each proxy setting, by dotted path under `homeport:proxy`. */
export const proxyFixes: ReadonlyArray<readonly [string, string]> = [
  ["image", `pin a Traefik v3 tag, e.g. ${TRAEFIK_IMAGE}`],
  ["acme", "give a map such as {email: admin@example.org}"],
  ["acme.email", "set the ACME account's contact address, e.g. admin@example.org"],
  [
    "acme.caServer",
    "use letsencrypt, letsencrypt-staging or the https URL of an ACME directory, e.g. https://pebble.lan:14000/dir",
  ],
  ["acme.caBundle", "give the CA certificates as PEM text or the path of an existing PEM file"],
  ["acme.challenge", "set it to http (HTTP-01 on port 80) or tls (TLS-ALPN-01 on port 443)"],
  ["acme.clusterIssuer", "name the cert-manager ClusterIssuer, e.g. letsencrypt"],
  ["certificate", "give a map {cert, key}"],
  [
    "certificate.cert",
    "give the certificate chain as PEM text or the path of an existing PEM file",
  ],
  [
    "certificate.key",
    'set the private key with: pulumi config set --secret --path homeport:proxy.certificate.key -- "$(cat key.pem)"',
  ],
  ["dashboard.enabled", "set it to true or false"],
  ["dashboard.host", "use a host name inside homeport:domain, e.g. traefik.home.example.org"],
  ["dashboard.user", "use letters, digits, dots, dashes or underscores, e.g. admin"],
  ["whoami.enabled", "set it to true or false"],
  ["whoami.host", "use a host name inside homeport:domain, e.g. whoami.home.example.org"],
  ["logLevel", `set it to one of ${LOG_LEVELS.join(", ")}`],
  [
    "createIngressClass",
    "set it to true, or to false when the cluster already has an IngressClass of homeport:kubernetes.ingressClass's name for Traefik",
  ],
  ["entryPoints.*", "give a map {port, on?}, e.g. {port: 8080}"],
  ["entryPoints.*.port", "set a port from 1024 to 65535, e.g. 8080"],
  ["entryPoints.*.on", "set it to nodes or floatingIp"],
  ["behindProxy", "give a map {trustedIPs: [CIDR, …]}"],
  ["behindProxy.trustedIPs", "list the upstream proxy's addresses as CIDRs, e.g. [172.16.0.0/16]"],
  ["behindProxy.trustedIPs.*", "write an IPv4 CIDR, e.g. 172.16.0.0/16"],
  [
    "nomadToken",
    "set it with: pulumi config set --secret --path homeport:proxy.nomadToken <token>",
  ],
];

/** True when `host` is the domain itself or a name under it. */
export const inDomain = (host: string, domain: string): boolean =>
  host === domain || host.endsWith(`.${domain}`);

/** The dashboard's host name. */
export const dashboardHost = (proxy: ProxySettings, domain: string): string =>
  proxy.dashboard.host ?? `traefik.${domain}`;

/** The whoami test route's host name. */
export const whoamiHost = (proxy: ProxySettings, domain: string): string =>
  proxy.whoami.host ?? `whoami.${domain}`;

/** A problem that needs more than the proxy's own settings to see. */
export interface ProxyIssue {
  readonly path: (string | number)[];
  readonly message: string;
  readonly value: unknown;
  /** The fix, when the setting's usual one does not apply. */
  readonly fix?: string;
}

/**
 * Checks that span settings: hosts inside the domain and one certificate source. Whether several
 * proxies may share ACME depends on the orchestrator and is checked with its capabilities
 * (`stack-args.ts`).
 */
export function proxyStackIssues(cfg: {
  readonly domain: string;
  readonly proxy: ProxySettings;
  /** Whether `homeport:edge.floatingIp` is set, and its health port. @default not set */
  readonly floatingIp?: { readonly healthPort: number };
}): ProxyIssue[] {
  const issues: ProxyIssue[] = [];
  const { proxy, domain } = cfg;
  issues.push(...entryPointIssues(proxy, cfg.floatingIp));
  for (const [part, host] of [
    ["dashboard", proxy.dashboard.host],
    ["whoami", proxy.whoami.host],
  ] as const) {
    if (host !== undefined && !inDomain(host, domain)) {
      issues.push({
        path: ["proxy", part, "host"],
        message: `is outside homeport:domain "${domain}"`,
        value: host,
      });
    }
  }
  if (proxy.acme && proxy.certificate) {
    // Reported on the ACME settings: the certificate's own value holds the private key.
    issues.push({
      path: ["proxy", "acme"],
      message: "cannot be used together with homeport:proxy.certificate",
      value: proxy.acme,
      fix: "keep one source of certificates: remove homeport:proxy.acme or homeport:proxy.certificate",
    });
  }
  return issues;
}

/** Entry points and `behindProxy`: where TLS ends, which ports, which names. */
function entryPointIssues(
  proxy: ProxySettings,
  floatingIp: { readonly healthPort: number } | undefined,
): ProxyIssue[] {
  const issues: ProxyIssue[] = [];
  if (proxy.entryPoints && !proxy.behindProxy) {
    issues.push({
      path: ["proxy", "entryPoints"],
      value: proxy.entryPoints,
      message: "names plain-HTTP entry points, but homeport:proxy.behindProxy is not set",
      fix: "set homeport:proxy.behindProxy.trustedIPs to the upstream proxy's addresses, or remove homeport:proxy.entryPoints",
    });
  }
  if (proxy.behindProxy) {
    for (const source of ["acme", "certificate"] as const) {
      if (proxy[source] === undefined) continue;
      issues.push({
        path: ["proxy", "behindProxy"],
        value: proxy.behindProxy,
        message: `cannot be used together with homeport:proxy.${source}: TLS ends at the upstream proxy`,
        fix: `remove homeport:proxy.${source}, or remove homeport:proxy.behindProxy to end TLS at this proxy`,
      });
    }
  }
  const seen = new Map<number, string>();
  for (const [name, entry] of Object.entries(proxy.entryPoints ?? {})) {
    if ((RESERVED_ENTRY_POINTS as readonly string[]).includes(name)) {
      issues.push({
        path: ["proxy", "entryPoints", name],
        value: entry,
        message: `is the name of Traefik's own entry point "${name}"`,
        fix: `give it another name, e.g. ${name}http`,
      });
    }
    const other = seen.get(entry.port);
    if (other !== undefined) {
      issues.push({
        path: ["proxy", "entryPoints", name, "port"],
        value: entry.port,
        message: `is also the port of homeport:proxy.entryPoints.${other}`,
        fix: "give each entry point its own port",
      });
    } else seen.set(entry.port, name);
    if (floatingIp && entry.port === floatingIp.healthPort) {
      issues.push({
        path: ["proxy", "entryPoints", name, "port"],
        value: entry.port,
        message:
          "is the port of homeport:edge.floatingIp.healthPort, where the proxy's ping answers",
        fix: "give the entry point or the health port another port",
      });
    }
    if (entry.on === "floatingIp" && !floatingIp) {
      issues.push({
        path: ["proxy", "entryPoints", name, "on"],
        value: entry.on,
        message: "is floatingIp, but homeport:edge.floatingIp is not set",
        fix: "set homeport:edge.floatingIp, or set it to nodes",
      });
    }
  }
  return issues;
}
