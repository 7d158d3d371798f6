import * as pulumi from "@pulumi/pulumi";
import { ResolvedWorkload } from "../resolve";
import { traefikMiddleware } from "./middlewares";
import {
  ENTRYPOINT_WEB,
  ENTRYPOINT_WEBSECURE,
  middlewareName,
  routerName,
  routeRule,
} from "./names";

/** Attempts of the retry middleware on every route to a workload. */
export const ROUTE_RETRY_ATTEMPTS = 3;
/** Traefik's own health check of each replica behind a route (workloads with an HTTP check). */
export const LB_HEALTH_INTERVAL = "2s";
export const LB_HEALTH_TIMEOUT = "1s";

/** Key of a router's field in Traefik's flat dynamic configuration (labels, tags). */
export const routerKey = (router: string, field: string): string =>
  `traefik.http.routers.${router}.${field}`;

/** Prefix of a middleware's keys in Traefik's flat dynamic configuration. */
export const middlewareKeyPrefix = (middleware: string): string =>
  `traefik.http.middlewares.${middleware}.`;

/**
 * How often Traefik re-reads a polled catalogue (Swarm, Nomad; their default is 15 s): until it
 * does, it still sends requests to replicas that a rollout has stopped.
 */
export const CATALOGUE_REFRESH_SECONDS = 5;

/** What the orchestrator's Traefik provider adds to a workload's keys. */
export interface LabelOptions {
  /** Traefik certificate resolver for TLS routes. @default none */
  readonly certResolver?: string;
  /** TLS ends upstream: routes on these entry points, plain HTTP (`RoutePublishing.upstreamEntryPoints`). @default none */
  readonly upstreamEntryPoints?: readonly string[];
  /**
   * Provider-specific keys put right after `traefik.enable` (e.g. Swarm's `traefik.swarm.network`).
   * @default {}
   */
  readonly providerKeys?: Record<string, pulumi.Input<string>>;
  /**
   * The provider learns each instance's port from its catalogue entry (Nomad's and Consul's
   * catalogues register the host port Nomad allocated): no `loadbalancer.server.port`, which
   * Traefik would dial instead (traefik/traefik v3.6.7 pkg/provider/consulcatalog/config.go and
   * pkg/provider/nomad/config.go, addServer). @default false: the port is declared
   */
  readonly portFromCatalogue?: boolean;
}

/**
 * Traefik dynamic configuration for a workload's routes, as flat key/value pairs (key segments
 * match Traefik's option names case-insensitively: traefik/paerser, parser/nodes_metadata.go): the same keys
 * serve Swarm service labels and Nomad service tags (`key=value`), for providers that poll a
 * catalogue. Values may be Outputs (basic-auth hashes computed from generated passwords).
 */
export function traefikLabels(
  workload: ResolvedWorkload,
  options: LabelOptions,
): Record<string, pulumi.Input<string>> {
  if (workload.routes.length === 0) return {};
  const labels: Record<string, pulumi.Input<string>> = {
    "traefik.enable": "true",
    ...options.providerKeys,
  };
  workload.routes.forEach((route, index) => {
    const router = routerName(workload.name, index);
    const key = (field: string) => routerKey(router, field);
    labels[key("rule")] = routeRule(route);
    const upstream = options.upstreamEntryPoints;
    labels[key("entrypoints")] = upstream
      ? upstream.join(",")
      : route.tls
        ? ENTRYPOINT_WEBSECURE
        : ENTRYPOINT_WEB;
    if (route.tls && !upstream) {
      labels[key("tls")] = "true";
      if (options.certResolver) labels[key("tls.certresolver")] = options.certResolver;
    }
    const middlewares = route.middlewares.map((spec, mwIndex) => {
      const name = middlewareName(router, mwIndex, spec.kind);
      const mw = traefikMiddleware(spec);
      const mwPrefix = `${middlewareKeyPrefix(name)}${mw.type.toLowerCase()}`;
      if (mw.users !== undefined) {
        // Only the bcrypt hash of a generated password reaches a label or tag; the password
        // itself stays a secret. Keeping the hash unsecret keeps the rest of the labels (and a
        // Nomad jobspec) readable by previews and the policy pack.
        labels[`${mwPrefix}.users`] = pulumi.unsecret(pulumi.output(mw.users));
      }
      for (const [key, value] of Object.entries(mw.options)) {
        labels[`${mwPrefix}.${key}`] = String(value);
      }
      return name;
    });
    if (!route.internalService) {
      // Traefik's catalogue providers poll (every 15 s by default): until the next poll, requests
      // still go to a replica that a rollout has stopped. A retry sends a request that found no
      // listener to another replica, and a health check of the load balancer drops a stopping
      // replica within seconds.
      const retry = `${router}-retry`;
      labels[`${middlewareKeyPrefix(retry)}retry.attempts`] = String(ROUTE_RETRY_ATTEMPTS);
      labels[`${middlewareKeyPrefix(retry)}retry.initialInterval`] = "100ms";
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
    if (middlewares.length > 0) labels[key("middlewares")] = middlewares.join(",");
    // Traefik's Swarm provider cannot see a service's ports and drops all of a service's labels
    // when it has no port for the service it creates by default: a route to an internal service
    // declares one too, which no router uses, to keep its labels in force.
    labels[key("service")] = route.internalService ?? router;
    if (!options.portFromCatalogue) {
      labels[`traefik.http.services.${router}.loadbalancer.server.port`] = String(route.portNumber);
    }
  });
  return labels;
}
