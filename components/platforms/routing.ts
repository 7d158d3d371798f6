import * as pulumi from "@pulumi/pulumi";
import { ResolvedRoute, ResolvedWorkload } from "../model";

/** Traefik entry points, the same on every target. */
export const ENTRYPOINT_WEB = "web";
export const ENTRYPOINT_WEBSECURE = "websecure";

/** Attempts of the retry middleware on every route to a workload. */
export const ROUTE_RETRY_ATTEMPTS = 3;
/** Traefik's own health check of each replica behind a route (workloads with an HTTP check). */
export const LB_HEALTH_INTERVAL = "2s";
export const LB_HEALTH_TIMEOUT = "1s";

/** How routes are published, decided once per stack by the reverse proxy settings. */
export interface RoutingOptions {
  /** Traefik certificate resolver for TLS routes; none when certificates come from elsewhere. */
  readonly certResolver?: string;
}

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

/**
 * Traefik dynamic configuration for a workload's routes, as flat key/value pairs: the same keys
 * serve Swarm service labels and Nomad service tags (`key=value`). Kubernetes uses Ingress objects
 * instead. Values may be Outputs (basic-auth hashes computed from generated passwords).
 * @param provider Traefik's provider prefix for provider-specific keys ("swarm" or "nomad").
 */
export function traefikLabels(
  workload: ResolvedWorkload,
  routing: RoutingOptions,
  provider: { readonly network?: pulumi.Input<string> },
): Record<string, pulumi.Input<string>> {
  if (workload.routes.length === 0) return {};
  const labels: Record<string, pulumi.Input<string>> = { "traefik.enable": "true" };
  if (provider.network) labels["traefik.swarm.network"] = provider.network;
  workload.routes.forEach((route, index) => {
    const router = routerName(workload.name, index);
    const prefix = `traefik.http.routers.${router}`;
    labels[`${prefix}.rule`] = routeRule(route);
    labels[`${prefix}.entrypoints`] = route.tls ? ENTRYPOINT_WEBSECURE : ENTRYPOINT_WEB;
    if (route.tls) {
      labels[`${prefix}.tls`] = "true";
      if (routing.certResolver) labels[`${prefix}.tls.certresolver`] = routing.certResolver;
    }
    const middlewares = route.middlewares.map((mw, mwIndex) => {
      const name = middlewareName(router, mwIndex, mw.kind);
      const mwPrefix = `traefik.http.middlewares.${name}`;
      switch (mw.kind) {
        case "basic-auth":
          // Only the bcrypt hash of a generated password reaches a label or tag; the password
          // itself stays a secret. Keeping the hash unsecret keeps the rest of the labels (and a
          // Nomad jobspec) readable by previews and the policy pack.
          labels[`${mwPrefix}.basicauth.users`] = pulumi.unsecret(pulumi.output(mw.users));
          labels[`${mwPrefix}.basicauth.removeheader`] = "true";
          break;
        case "forward-auth":
          labels[`${mwPrefix}.forwardauth.address`] = mw.address;
          labels[`${mwPrefix}.forwardauth.trustForwardHeader`] = "true";
          break;
        case "security-headers":
          labels[`${mwPrefix}.headers.stsSeconds`] = "31536000";
          labels[`${mwPrefix}.headers.stsIncludeSubdomains`] = "true";
          labels[`${mwPrefix}.headers.contentTypeNosniff`] = "true";
          labels[`${mwPrefix}.headers.frameDeny`] = "true";
          break;
        case "rate-limit":
          labels[`${mwPrefix}.ratelimit.average`] = String(mw.average);
          labels[`${mwPrefix}.ratelimit.burst`] = String(mw.burst);
          break;
      }
      return name;
    });
    if (!route.internalService) {
      // Traefik's Swarm and Nomad providers poll their catalogue (every 15 s by default): until
      // the next poll, requests still go to a replica that a rollout has stopped. A retry sends a
      // request that found no listener to another replica, and a health check of the load
      // balancer drops a stopping replica within seconds.
      const retry = `${router}-retry`;
      labels[`traefik.http.middlewares.${retry}.retry.attempts`] = String(ROUTE_RETRY_ATTEMPTS);
      labels[`traefik.http.middlewares.${retry}.retry.initialInterval`] = "100ms";
      middlewares.unshift(retry);
      if (workload.health?.kind === "http") {
        const check = `traefik.http.services.${router}.loadbalancer.healthcheck`;
        labels[`${check}.path`] = workload.health.path;
        if (workload.health.portNumber !== route.portNumber) {
          labels[`${check}.port`] = String(workload.health.portNumber);
        }
        labels[`${check}.interval`] = LB_HEALTH_INTERVAL;
        labels[`${check}.timeout`] = LB_HEALTH_TIMEOUT;
      }
    }
    if (middlewares.length > 0) labels[`${prefix}.middlewares`] = middlewares.join(",");
    if (route.internalService) {
      labels[`${prefix}.service`] = route.internalService;
      // Traefik's Swarm provider cannot see a service's ports and drops all of a service's labels
      // when it has no port for the service it creates by default; this one, which no router
      // uses, keeps the internal route's labels in force.
      labels[`traefik.http.services.${router}.loadbalancer.server.port`] = String(route.portNumber);
    } else {
      labels[`${prefix}.service`] = router;
      labels[`traefik.http.services.${router}.loadbalancer.server.port`] = String(route.portNumber);
    }
  });
  return labels;
}
