import * as k8s from "@pulumi/kubernetes";
import { isInternal, META, ResolvedWorkload } from "../../model";
import { selectorLabels } from "./names";

type NetworkPolicySpec = k8s.types.input.networking.v1.NetworkPolicySpec;
type PolicyPort = { protocol: "TCP" | "UDP"; port: number };

/**
 * Pod labels that say which flows a pod opens or answers to: the selectors of every workload's
 * NetworkPolicy. Pod-template labels only, never selectors, so adding one never replaces a
 * controller.
 */
export const FLOW_LABELS = {
  /** The name flows reach the pod by (`ResolvedWorkload.flowGroup`). */
  group: META.flowGroup,
  /** The pod opens connections to flow group `<group>`. */
  to: (group: string): string => `to.homeport.dev/${group}`,
  /** The pod scrapes every metrics port (a `metrics` flow). */
  metrics: "flows.homeport.dev/metrics",
  /** The pod serves the routes (a `routes` flow). */
  routes: "flows.homeport.dev/routes",
} as const;

/** Where a pod in the namespace resolves names: the cluster DNS (CoreDNS keeps kube-dns' label). */
const DNS_EGRESS = {
  to: [{ namespaceSelector: {}, podSelector: { matchLabels: { "k8s-app": "kube-dns" } } }],
  ports: [
    { protocol: "UDP", port: 53 },
    { protocol: "TCP", port: 53 },
  ],
};

/** The API server, for workloads that read it: its Service port and the port it listens on. */
const API_PORTS: PolicyPort[] = [
  { protocol: "TCP", port: 443 },
  { protocol: "TCP", port: 6443 },
];

const ANYWHERE = [{ ipBlock: { cidr: "0.0.0.0/0" } }, { ipBlock: { cidr: "::/0" } }];

const tcp = (ports: readonly number[]): PolicyPort[] =>
  [...new Set(ports)].sort((a, b) => a - b).map((port) => ({ protocol: "TCP", port }));

/** The pod-template labels of a workload's flows. */
export function flowLabels(w: ResolvedWorkload): Record<string, string> {
  const labels: Record<string, string> = { [FLOW_LABELS.group]: w.flowGroup };
  for (const flow of w.flows) {
    if (flow.kind === "workload") labels[FLOW_LABELS.to(flow.to)] = "true";
    if (flow.kind === "metrics") labels[FLOW_LABELS.metrics] = "true";
    if (flow.kind === "routes") labels[FLOW_LABELS.routes] = "true";
  }
  return labels;
}

/**
 * The workload's NetworkPolicy: with the namespace's default deny, its pods answer only the
 * workloads that declare a flow to it (on its ports), the proxy on its routes' ports, the scraper
 * on its metrics port and anyone on its published ports; and they open only their declared flows,
 * DNS, and the API server where they read it.
 */
export function networkPolicySpec(w: ResolvedWorkload): NetworkPolicySpec {
  const fromPods = (label: string) => [{ podSelector: { matchLabels: { [label]: "true" } } }];
  const own = w.ports.filter((p) => !p.publish);
  const protocolOf = (p: { protocol: "tcp" | "udp" }) => (p.protocol === "udp" ? "UDP" : "TCP");
  const routePorts = w.routes.filter((r) => !isInternal(r)).map((r) => r.portNumber);
  const metricsPort = w.metrics ? w.ports.find((p) => p.name === w.metrics?.port)?.port : undefined;
  const published = w.ports.filter((p) => p.publish);
  const ingress = [
    ...(own.length > 0
      ? [
          {
            from: fromPods(FLOW_LABELS.to(w.flowGroup)),
            ports: own.map((p) => ({ protocol: protocolOf(p), port: p.port })),
          },
        ]
      : []),
    ...(routePorts.length > 0
      ? [{ from: fromPods(FLOW_LABELS.routes), ports: tcp(routePorts) }]
      : []),
    // The scraper may run in another of the stack's namespaces (node agents have their own).
    ...(metricsPort !== undefined
      ? [
          {
            from: [{ namespaceSelector: {}, ...fromPods(FLOW_LABELS.metrics)[0] }],
            ports: tcp([metricsPort]),
          },
        ]
      : []),
    ...(published.length > 0
      ? [{ ports: published.map((p) => ({ protocol: protocolOf(p), port: p.port })) }]
      : []),
  ];
  const ourPods = [
    { podSelector: { matchExpressions: [{ key: FLOW_LABELS.group, operator: "Exists" }] } },
  ];
  const egress = [
    DNS_EGRESS,
    ...w.flows.map((flow) => {
      switch (flow.kind) {
        case "workload":
          return {
            to: [{ podSelector: { matchLabels: { [FLOW_LABELS.group]: flow.to } } }],
            ports: tcp(flow.ports),
          };
        // Each target's own policy admits the scraper or the proxy on the one port it serves
        // them, so this side opens the pods as a whole: the scraper's targets are the model's,
        // the proxy's any routed pod of the namespace (cert-manager's HTTP-01 solvers too).
        // The scraper's targets include the node agents, in a namespace of their own.
        case "metrics":
          return { to: [{ namespaceSelector: {}, ...ourPods[0] }] };
        case "routes":
          return { to: [{ podSelector: {} }] };
        case "external":
          return { to: ANYWHERE, ...(flow.ports ? { ports: tcp(flow.ports) } : {}) };
      }
    }),
    ...(w.security.discovery || w.security.servesRoutes
      ? [{ to: ANYWHERE, ports: API_PORTS }]
      : []),
  ];
  return {
    podSelector: { matchLabels: selectorLabels(w) },
    policyTypes: ["Ingress", "Egress"],
    ingress,
    egress,
  };
}

/**
 * The namespace's default: every pod of the model (those with a flow group) answers and opens
 * nothing but what its own NetworkPolicy allows. Pods made outside the model (a storage
 * provisioner) keep the namespace's other rules.
 */
export const DEFAULT_DENY_SPEC: NetworkPolicySpec = {
  podSelector: { matchExpressions: [{ key: FLOW_LABELS.group, operator: "Exists" }] },
  policyTypes: ["Ingress", "Egress"],
};
