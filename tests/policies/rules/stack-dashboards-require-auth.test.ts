import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { INGRESS_ROUTE_TYPE } from "../../../policies/rules/route-require-tls";
import { stackDashboardsRequireAuth } from "../../../policies/rules/stack-dashboards-require-auth";
import { RenderedResource } from "../../helpers/harness";
import { describeRule, stackViolations } from "../fixtures";

const DASHBOARD_WEB = { dashboards: ["web"] };

describeRule(stackDashboardsRequireAuth, [
  {
    title: "Traefik's api@internal without its basic-auth middleware",
    target: "swarm",
    workload: "proxy",
    mutate: (p) =>
      (p.labels = p.labels.filter(
        (l: { label: string }) => l.label !== "traefik.http.routers.proxy.middlewares",
      )),
    expected: [
      'Swarm service "t-proxy": dashboard route "proxy" (Host(`proxy.home.example.org`)) has no authentication: add a basic-auth or forward-auth middleware.',
    ],
  },
  {
    title: "a dashboard workload's Ingress without auth middleware",
    target: "kubernetes",
    config: DASHBOARD_WEB,
    resource: { type: "kubernetes:networking.k8s.io/v1:Ingress", name: "web-ingress" },
    mutate: (p) =>
      delete p.metadata.annotations["traefik.ingress.kubernetes.io/router.middlewares"],
    expected: [
      'Ingress "web" exposes a dashboard without authentication: reference a basicAuth or forwardAuth Middleware.',
    ],
  },
  {
    title: "a dashboard workload's Ingress with its basic-auth Middleware",
    target: "kubernetes",
    config: DASHBOARD_WEB,
    resource: { type: "kubernetes:networking.k8s.io/v1:Ingress", name: "web-ingress" },
    mutate: () => {},
    expected: [],
  },
  {
    title: "a dashboard workload's routers without auth",
    target: "nomad",
    config: DASHBOARD_WEB,
    mutate: (job) =>
      (job.TaskGroups[0].Services[0].Tags = job.TaskGroups[0].Services[0].Tags.filter(
        (t: string) => !t.startsWith("traefik.http.routers.web.middlewares"),
      )),
    expected: [
      'Nomad job "web": dashboard route "web" (Host(`web.home.example.org`)) has no authentication: add a basic-auth or forward-auth middleware.',
    ],
  },
]);

describe("stack-dashboards-require-auth on Traefik IngressRoutes", () => {
  const leaf = (type: string, name: string, inputs: Record<string, unknown>): RenderedResource => ({
    type,
    name,
    urn: `urn:pulumi:policies::homeport::${type}::${name}`,
    parent: null,
    custom: true,
    inputs,
    dependsOn: [],
    additionalSecretOutputs: [],
    protect: false,
    retainOnDelete: false,
    deleteBeforeReplace: false,
  });
  const route = (middlewares: { name: string }[]) =>
    leaf(INGRESS_ROUTE_TYPE, "traefik", {
      metadata: { name: "traefik", namespace: "homeport" },
      spec: {
        routes: [
          {
            match: "Host(`traefik.home.example.org`)",
            middlewares,
            services: [{ kind: "TraefikService", name: "api@internal" }],
          },
        ],
        tls: {},
      },
    });
  const basicAuth = leaf("kubernetes:traefik.io/v1alpha1:Middleware", "traefik-basic-auth", {
    metadata: { name: "traefik-basic-auth", namespace: "homeport" },
    spec: { basicAuth: { secret: "traefik-users" } },
  });
  const headers = leaf("kubernetes:traefik.io/v1alpha1:Middleware", "traefik-headers", {
    metadata: { name: "traefik-headers", namespace: "homeport" },
    spec: { headers: { frameDeny: true } },
  });

  it("passes a route to api@internal through a basicAuth Middleware", () => {
    const resources = [route([{ name: "traefik-basic-auth" }]), basicAuth];
    assert.deepEqual(stackViolations(stackDashboardsRequireAuth, resources), []);
  });

  it("reports a route to api@internal whose middlewares do not authenticate", () => {
    const resources = [route([{ name: "traefik-headers" }]), basicAuth, headers];
    assert.deepEqual(stackViolations(stackDashboardsRequireAuth, resources), [
      'IngressRoute "traefik" exposes a Traefik internal service without authentication: add a basicAuth or forwardAuth Middleware.',
    ]);
  });
});
