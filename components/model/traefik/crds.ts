import * as pulumi from "@pulumi/pulumi";
import { ResolvedRoute, ResolvedWorkload } from "../resolve";
import { traefikMiddleware } from "./middlewares";
import {
  ENTRYPOINT_WEB,
  ENTRYPOINT_WEBSECURE,
  middlewareName,
  routerName,
  routeRule,
} from "./names";

/**
 * The route table rendered as Traefik's Kubernetes custom resources (traefik.io/v1alpha1
 * `Middleware` and `IngressRoute`, traefik/traefik: docs/content/reference/routing-configuration/
 * kubernetes/crd/).
 */

/** A Middleware object's name and spec; `secret` holds basic-auth users for a Secret beside it. */
export interface MiddlewareObject {
  readonly name: string;
  readonly spec: Record<string, unknown>;
  readonly secret?: pulumi.Input<string>;
}

/** Name of the Secret that holds a basic-auth middleware's users. */
export const usersSecretName = (middleware: string): string => `${middleware}-users`;

/**
 * Routes to a proxy-internal service (Traefik's `api@internal`) name no workload: they cannot be
 * Ingress rules and become an IngressRoute instead.
 */
export const isInternal = (r: ResolvedRoute): boolean => r.internalService !== undefined;

/** The names of a route's middlewares, in order. */
export const routeMiddlewareNames = (w: ResolvedWorkload, index: number): string[] =>
  w.routes[index].middlewares.map((mw, j) => middlewareName(routerName(w.name, index), j, mw.kind));

/** Traefik Middleware custom resources for a workload's routes. */
export function middlewareObjects(w: ResolvedWorkload): MiddlewareObject[] {
  return w.routes.flatMap((r, i) =>
    r.middlewares.map((spec, j): MiddlewareObject => {
      const name = middlewareName(routerName(w.name, i), j, spec.kind);
      const mw = traefikMiddleware(spec);
      if (mw.users === undefined) return { name, spec: { [mw.type]: { ...mw.options } } };
      return {
        name,
        spec: { [mw.type]: { secret: usersSecretName(name), ...mw.options } },
        secret: mw.users,
      };
    }),
  );
}

/**
 * Traefik IngressRoute for a workload's routes to proxy-internal services, or undefined when it
 * has none. TLS uses `tlsSecret` when a certificate is issued for these hosts, else Traefik's
 * default certificate.
 */
export function ingressRouteSpec(
  w: ResolvedWorkload,
  tlsSecret: string | undefined,
  /** TLS ends upstream: the routes on these entry points, plain HTTP. @default none */
  upstreamEntryPoints?: readonly string[],
): Record<string, unknown> | undefined {
  const routes = w.routes.flatMap((r, i) => (isInternal(r) ? [{ r, i }] : []));
  if (routes.length === 0) return undefined;
  const anyTls = !upstreamEntryPoints && routes.some(({ r }) => r.tls);
  return {
    entryPoints: upstreamEntryPoints
      ? [...upstreamEntryPoints]
      : [anyTls ? ENTRYPOINT_WEBSECURE : ENTRYPOINT_WEB],
    routes: routes.map(({ r, i }) => ({
      kind: "Rule",
      match: routeRule(r),
      middlewares: routeMiddlewareNames(w, i).map((name) => ({ name })),
      services: [{ name: r.internalService, kind: "TraefikService" }],
    })),
    ...(anyTls ? { tls: tlsSecret ? { secretName: tlsSecret } : {} } : {}),
  };
}
