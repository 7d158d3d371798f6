import { TYPES } from "../lib/leaves";
import { workloadRule } from "../lib/rule";
import { middlewareKinds, traefikKeys, traefikRouters } from "../lib/traefik";
import { at, knownItems, plain } from "../lib/values";

/** Traefik's IngressRoute custom resource, for routes made outside our adapters. */
export const INGRESS_ROUTE_TYPE = "kubernetes:traefik.io/v1alpha1:IngressRoute";

export const routeRequireTls = workloadRule({
  name: "route-require-tls",
  description: "Every route through the reverse proxy is served over TLS.",
  severity: "medium",
  docs: {
    catalogue: ["S11"],
    swarm:
      "Every Traefik router label set has `tls=true` or a cert resolver, unless it only redirects to HTTPS.",
    kubernetes:
      "Every Ingress rule's host is listed under `spec.tls`; every Traefik IngressRoute has `spec.tls`.",
    nomad:
      "Every Traefik router in the service tags has `tls=true` or a cert resolver, unless it only redirects to HTTPS.",
  },
  check({ workload: w, report }) {
    const keys = traefikKeys(w);
    for (const router of traefikRouters(keys)) {
      if (router.tls) continue;
      const redirects = router.middlewares.some((m) =>
        middlewareKinds(keys, m).includes("redirectscheme"),
      );
      if (!redirects)
        report(
          `${w.subject}: route "${router.name}" (${router.rule}) is served without TLS: enable tls.`,
        );
    }
  },
  leaves: {
    types: [TYPES.ingress, INGRESS_ROUTE_TYPE],
    check({ resource, report }) {
      const props = plain(resource.props);
      const name = String(at(props, "metadata", "name") ?? resource.name);
      if (resource.type === INGRESS_ROUTE_TYPE) {
        if (at(props, "spec", "tls") === undefined)
          report(`IngressRoute "${name}" is served without TLS: set spec.tls.`);
        return;
      }
      const tlsHosts = new Set(
        knownItems(at(props, "spec", "tls")).flatMap((t) => knownItems(at(t, "hosts"))),
      );
      for (const rule of knownItems(at(props, "spec", "rules"))) {
        const host = at(rule, "host");
        if (typeof host === "string" && !tlsHosts.has(host))
          report(`Ingress "${name}": host ${host} is served without TLS: list it under spec.tls.`);
      }
    },
  },
});
