import { ResolvedRoute } from "../resolve";

/**
 * Names that the reverse proxy's static configuration and every orchestrator's routes share:
 * Traefik's entry points, its ACME resolver, and how routers and middlewares are named.
 */

/** Name of the proxy's workload on every orchestrator. */
export const PROXY_WORKLOAD = "traefik";

/** Traefik entry points, the same on every orchestrator. */
export const ENTRYPOINT_WEB = "web";
export const ENTRYPOINT_WEBSECURE = "websecure";

/** Name of Traefik's ACME certificate resolver, as routes reference it. */
export const CERT_RESOLVER = "acme";

/** Router name of a workload's n-th route. */
export const routerName = (workload: string, index: number): string =>
  index === 0 ? workload : `${workload}-${index}`;

/** Traefik rule for a route: the host, and the path prefix unless it is "/". */
export function routeRule(route: ResolvedRoute): string {
  const host = `Host(\`${route.host}\`)`;
  return route.pathPrefix === "/" ? host : `${host} && PathPrefix(\`${route.pathPrefix}\`)`;
}

/** Name of a route's middleware, unique within the proxy. */
export const middlewareName = (router: string, index: number, kind: string): string =>
  `${router}-${kind}${index === 0 ? "" : `-${index}`}`;
