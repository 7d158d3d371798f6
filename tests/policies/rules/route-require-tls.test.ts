import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { INGRESS_ROUTE_TYPE, routeRequireTls } from "../../../policies/rules/route-require-tls";
import { describeRule, violations } from "../fixtures";

type Labels = { label: string; value: string }[];
const withoutTls = (labels: Labels) =>
  labels.filter((l) => !/^traefik\.http\.routers\.web\.tls/.test(l.label));

describeRule(routeRequireTls, [
  {
    title: "a router without tls",
    target: "swarm",
    mutate: (p) => (p.labels = withoutTls(p.labels)),
    expected: [
      'Swarm service "t-web": route "web" (Host(`web.home.example.org`)) is served without TLS: enable tls.',
    ],
  },
  {
    title: "a router that only redirects to HTTPS",
    target: "swarm",
    mutate: (p) => {
      p.labels = withoutTls(p.labels).filter(
        (l: { label: string }) => l.label !== "traefik.http.routers.web.middlewares",
      );
      p.labels.push(
        { label: "traefik.http.routers.web.middlewares", value: "to-https" },
        { label: "traefik.http.middlewares.to-https.redirectscheme.scheme", value: "https" },
      );
    },
    expected: [],
  },
  {
    title: "an Ingress host missing from spec.tls",
    target: "kubernetes",
    resource: { type: "kubernetes:networking.k8s.io/v1:Ingress", name: "web-ingress" },
    mutate: (p) => delete p.spec.tls,
    expected: [
      'Ingress "web": host web.home.example.org is served without TLS: list it under spec.tls.',
    ],
  },
  {
    title: "a router without tls in the service tags",
    target: "nomad",
    mutate: (job) =>
      (job.TaskGroups[0].Services[0].Tags = job.TaskGroups[0].Services[0].Tags.filter(
        (t: string) => !t.startsWith("traefik.http.routers.web.tls"),
      )),
    expected: [
      'Nomad job "web": route "web" (Host(`web.home.example.org`)) is served without TLS: enable tls.',
    ],
  },
]);

describe("route-require-tls on Traefik IngressRoutes", () => {
  const route = (spec: Record<string, unknown>) => ({
    type: INGRESS_ROUTE_TYPE,
    name: "dashboard",
    urn: "urn:pulumi:policies::homeport::kubernetes:traefik.io/v1alpha1:IngressRoute::dashboard",
    parent: null,
    custom: true,
    inputs: { metadata: { name: "dashboard" }, spec },
    dependsOn: [],
    additionalSecretOutputs: [],
    protect: false,
    retainOnDelete: false,
    deleteBeforeReplace: false,
  });

  it("reports an IngressRoute without tls", () => {
    assert.deepEqual(violations(routeRequireTls, route({ routes: [] })), [
      'IngressRoute "dashboard" is served without TLS: set spec.tls.',
    ]);
  });

  it("passes an IngressRoute with tls", () => {
    assert.deepEqual(violations(routeRequireTls, route({ routes: [], tls: {} })), []);
  });
});
