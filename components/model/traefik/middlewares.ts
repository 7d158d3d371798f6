import * as pulumi from "@pulumi/pulumi";
import { MiddlewareSpec } from "../workload";

/**
 * The neutral middleware table: what each {@link MiddlewareSpec} kind becomes in Traefik's dynamic
 * configuration, written once. The label renderer (Swarm labels, Nomad tags) and the CRD renderer
 * (Kubernetes `Middleware` objects) both read it. Option names follow Traefik's middleware
 * reference (traefik/traefik: docs/content/reference/routing-configuration/http/middlewares/).
 */
export interface TraefikMiddleware {
  /** Traefik's middleware type, as its CRD spells it (labels use it lowercased). */
  readonly type: "basicAuth" | "forwardAuth" | "headers" | "rateLimit";
  /** The middleware's options, by Traefik's option name. */
  readonly options: Readonly<Record<string, string | number | boolean>>;
  /**
   * htpasswd users of a basic-auth middleware: a label carries them inline, a CRD names a Secret
   * that holds them. @default none
   */
  readonly users?: pulumi.Input<string>;
}

/** The security headers every route that asks for them gets: HSTS for a year, nosniff, no framing. */
export const SECURITY_HEADERS = {
  stsSeconds: 31536000,
  stsIncludeSubdomains: true,
  contentTypeNosniff: true,
  frameDeny: true,
} as const;

type Translation = {
  [K in MiddlewareSpec["kind"]]: (mw: Extract<MiddlewareSpec, { kind: K }>) => TraefikMiddleware;
};

const MIDDLEWARES: Translation = {
  // The Authorization header is not passed on to the backend, unless it checks the same login.
  "basic-auth": (mw) => ({
    type: "basicAuth",
    options: { removeHeader: !(mw.passCredentials ?? false) },
    users: mw.users,
  }),
  "forward-auth": (mw) => ({
    type: "forwardAuth",
    options: { address: mw.address, trustForwardHeader: true },
  }),
  "security-headers": () => ({ type: "headers", options: SECURITY_HEADERS }),
  "rate-limit": (mw) => ({ type: "rateLimit", options: { average: mw.average, burst: mw.burst } }),
};

/** The Traefik middleware for one neutral middleware. */
export const traefikMiddleware = (mw: MiddlewareSpec): TraefikMiddleware =>
  (MIDDLEWARES[mw.kind] as (m: MiddlewareSpec) => TraefikMiddleware)(mw);
