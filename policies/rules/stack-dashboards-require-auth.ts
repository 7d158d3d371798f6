import { TYPES } from "../lib/leaves";
import { stackRule } from "../lib/rule";
import { matches, workloadsOf } from "../lib/stack";
import { middlewareKinds, traefikKeys, traefikRouters } from "../lib/traefik";
import { at, knownItems, plain } from "../lib/values";
import { INGRESS_ROUTE_TYPE } from "./route-require-tls";

const RULE = "stack-dashboards-require-auth";
const AUTH_KINDS = ["basicauth", "forwardauth", "digestauth"];
const AUTH_SPECS = ["basicAuth", "forwardAuth", "digestAuth"];

export interface DashboardsConfig {
  readonly dashboards: string[];
}

export const stackDashboardsRequireAuth = stackRule<DashboardsConfig>({
  name: RULE,
  description: "No dashboard is reachable through the proxy without authentication.",
  severity: "high",
  docs: {
    catalogue: ["ours"],
    swarm:
      "Routers of dashboard workloads, and routers to Traefik's `api@internal`, use a basicauth or forwardauth middleware.",
    kubernetes:
      "Ingresses of dashboard workloads reference (router.middlewares) a Traefik Middleware with basicAuth or forwardAuth; IngressRoutes to `api@internal` too.",
    nomad:
      "Routers in the service tags of dashboard workloads, and to `api@internal`, use a basicauth or forwardauth middleware.",
  },
  config: {
    dashboards: {
      type: "array",
      items: { type: "string" },
      default: ["prometheus", "alertmanager", "cadvisor", "traefik"],
      description: 'Workloads whose UI has no login of its own: names, or "part:NAME".',
    },
  },
  check({ resources, config, report }) {
    for (const w of workloadsOf(resources)) {
      if (w.exemption(RULE) !== undefined) continue;
      const keys = traefikKeys(w);
      const dashboard = config.dashboards.some((s) => matches(w, s));
      for (const router of traefikRouters(keys)) {
        if (!dashboard && !(router.service ?? "").endsWith("@internal")) continue;
        const authed = router.middlewares.some((m) =>
          middlewareKinds(keys, m).some((k) => AUTH_KINDS.includes(k)),
        );
        if (!authed)
          report(
            `${w.subject}: dashboard route "${router.name}" (${router.rule}) has no authentication: add a basic-auth or forward-auth middleware.`,
            w.urn,
          );
      }
    }

    const authMiddlewares = new Set<string>();
    for (const r of resources) {
      if (r.type !== TYPES.traefikMiddleware) continue;
      const props = plain(r.props);
      if (AUTH_SPECS.some((k) => at(props, "spec", k) !== undefined))
        authMiddlewares.add(
          `${String(at(props, "metadata", "namespace"))}/${String(at(props, "metadata", "name"))}`,
        );
    }
    for (const r of resources) {
      const props = plain(r.props);
      const namespace = String(at(props, "metadata", "namespace"));
      const name = String(at(props, "metadata", "name") ?? r.name);
      if (r.type === TYPES.ingress) {
        const app = at(props, "metadata", "labels", "app.kubernetes.io/name");
        const component = at(props, "metadata", "labels", "app.kubernetes.io/component");
        const dashboard = config.dashboards.some((s) =>
          s.startsWith("part:") ? component === s.slice(5) : app === s,
        );
        if (!dashboard) continue;
        const refs = String(
          at(
            props,
            "metadata",
            "annotations",
            "traefik.ingress.kubernetes.io/router.middlewares",
          ) ?? "",
        )
          .split(",")
          .map((ref) => ref.trim().replace(/@kubernetescrd$/, ""))
          .filter((ref) => ref !== "");
        // Traefik names a CRD middleware in an Ingress annotation "<namespace>-<name>".
        const authed = refs.some((ref) =>
          [...authMiddlewares].some((m) => ref === m.replace("/", "-")),
        );
        if (!authed)
          report(
            `Ingress "${name}" exposes a dashboard without authentication: reference a basicAuth or forwardAuth Middleware.`,
            r.urn,
          );
      } else if (r.type === INGRESS_ROUTE_TYPE) {
        for (const route of knownItems(at(props, "spec", "routes"))) {
          const internal = knownItems(at(route, "services")).some((s) =>
            String(at(s, "name")).endsWith("@internal"),
          );
          if (!internal) continue;
          const authed = knownItems(at(route, "middlewares")).some((m) =>
            authMiddlewares.has(
              `${String(at(m, "namespace") ?? namespace)}/${String(at(m, "name"))}`,
            ),
          );
          if (!authed)
            report(
              `IngressRoute "${name}" exposes a Traefik internal service without authentication: add a basicAuth or forwardAuth Middleware.`,
              r.urn,
            );
        }
      }
    }
  },
});
