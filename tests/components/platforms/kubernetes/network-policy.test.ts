import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { META, resolveWorkload } from "../../../../components/model";
import {
  DEFAULT_DENY_SPEC,
  flowLabels,
  networkPolicySpec,
} from "../../../../components/platforms/kubernetes/network-policy";

const DNS = {
  to: [{ namespaceSelector: {}, podSelector: { matchLabels: { "k8s-app": "kube-dns" } } }],
  ports: [
    { protocol: "UDP", port: 53 },
    { protocol: "TCP", port: 53 },
  ],
};
const ANYWHERE = [{ ipBlock: { cidr: "0.0.0.0/0" } }, { ipBlock: { cidr: "::/0" } }];
const selector = (name: string) => ({
  matchLabels: { "app.kubernetes.io/name": name, "app.kubernetes.io/instance": name },
});

const backend = resolveWorkload("backend", "apps", {
  image: "registry.example/api:1.0.0",
  ports: [{ name: "http", port: 8080 }],
  routes: [{ host: "api.home.example.org", port: "http" }],
  metrics: { port: "http" },
  flows: [
    { kind: "workload", to: "minio", ports: [9000] },
    { kind: "workload", to: "rabbitmq", ports: [5672] },
  ],
});

describe("Kubernetes NetworkPolicies from flows", () => {
  it("labels the pods with their flow group and the groups they open flows to", () => {
    assert.deepEqual(flowLabels(backend), {
      [META.flowGroup]: "backend",
      "to.homeport.dev/minio": "true",
      "to.homeport.dev/rabbitmq": "true",
    });
  });

  it("admits the proxy on the route's port, the scraper on the metrics port, flows on its ports", () => {
    const spec = networkPolicySpec(backend);
    assert.deepEqual(spec.podSelector, selector("backend"));
    assert.deepEqual(spec.policyTypes, ["Ingress", "Egress"]);
    assert.deepEqual(spec.ingress, [
      {
        from: [{ podSelector: { matchLabels: { "to.homeport.dev/backend": "true" } } }],
        ports: [{ protocol: "TCP", port: 8080 }],
      },
      {
        from: [{ podSelector: { matchLabels: { "flows.homeport.dev/routes": "true" } } }],
        ports: [{ protocol: "TCP", port: 8080 }],
      },
      {
        // The scraper may be in another namespace of the stack's than the target (node agents).
        from: [
          {
            namespaceSelector: {},
            podSelector: { matchLabels: { "flows.homeport.dev/metrics": "true" } },
          },
        ],
        ports: [{ protocol: "TCP", port: 8080 }],
      },
    ]);
  });

  it("lets it open DNS and exactly its declared flows, by group and port", () => {
    assert.deepEqual(networkPolicySpec(backend).egress, [
      DNS,
      {
        to: [{ podSelector: { matchLabels: { [META.flowGroup]: "minio" } } }],
        ports: [{ protocol: "TCP", port: 9000 }],
      },
      {
        to: [{ podSelector: { matchLabels: { [META.flowGroup]: "rabbitmq" } } }],
        ports: [{ protocol: "TCP", port: 5672 }],
      },
    ]);
  });

  it("gives a cluster's members one group, so peers admit each other", () => {
    const member = resolveWorkload("minio", "apps", {
      image: "quay.io/minio/minio:RELEASE.2025-01-20T14-49-07Z",
      ports: [
        { name: "api", port: 9000 },
        { name: "console", port: 9001 },
      ],
      labels: { [META.cluster]: "minio" },
      flows: [{ kind: "workload", to: "minio", ports: [9000] }],
    });
    assert.deepEqual(flowLabels(member), {
      [META.flowGroup]: "minio",
      "to.homeport.dev/minio": "true",
    });
    assert.deepEqual(networkPolicySpec(member).ingress, [
      {
        from: [{ podSelector: { matchLabels: { "to.homeport.dev/minio": "true" } } }],
        ports: [
          { protocol: "TCP", port: 9000 },
          { protocol: "TCP", port: 9001 },
        ],
      },
    ]);
  });

  it("opens the proxy's published ports to anyone, and lets it reach the API and the namespace's pods", () => {
    const proxy = resolveWorkload("traefik", "proxy", {
      image: "traefik:v3.6.7",
      ports: [
        { name: "websecure", port: 8443, publish: { hostPort: 443 } },
        { name: "traefik", port: 8080 },
      ],
      security: { servesRoutes: true },
      flows: [{ kind: "routes" }, { kind: "external", reason: "ACME" }],
    });
    const spec = networkPolicySpec(proxy);
    assert.deepEqual(spec.ingress, [
      {
        from: [{ podSelector: { matchLabels: { "to.homeport.dev/traefik": "true" } } }],
        ports: [{ protocol: "TCP", port: 8080 }],
      },
      { ports: [{ protocol: "TCP", port: 8443 }] },
    ]);
    assert.deepEqual(spec.egress, [
      DNS,
      { to: [{ podSelector: {} }] },
      { to: ANYWHERE },
      {
        to: ANYWHERE,
        ports: [
          { protocol: "TCP", port: 443 },
          { protocol: "TCP", port: 6443 },
        ],
      },
    ]);
    assert.equal(flowLabels(proxy)["flows.homeport.dev/routes"], "true");
  });

  it("lets the scraper reach the model's pods, each of which admits it on its metrics port", () => {
    const scraper = resolveWorkload("prometheus", "monitoring", {
      image: "prom/prometheus:v3.5.0",
      flows: [{ kind: "metrics" }],
    });
    assert.deepEqual(networkPolicySpec(scraper).egress, [
      DNS,
      {
        to: [
          {
            namespaceSelector: {},
            podSelector: { matchExpressions: [{ key: META.flowGroup, operator: "Exists" }] },
          },
        ],
      },
    ]);
    assert.deepEqual(networkPolicySpec(scraper).ingress, []);
  });

  it("denies by default every pod of the model, and only those", () => {
    assert.deepEqual(DEFAULT_DENY_SPEC, {
      podSelector: { matchExpressions: [{ key: META.flowGroup, operator: "Exists" }] },
      policyTypes: ["Ingress", "Egress"],
    });
  });
});
