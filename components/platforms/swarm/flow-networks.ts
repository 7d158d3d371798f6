import { isInternal, ResolvedWorkload } from "../../model";

/**
 * Docker Swarm isolates by network only: tasks on one overlay network reach each other on every
 * port. So each flow group (a workload, or every member of a cluster) has a network of its own,
 * and a workload joins its own group's network and the networks of the groups it opens flows to:
 * two workloads share a network only where one of them declared a flow to the other.
 */

/** The flow groups whose networks a workload joins, known from its own spec: its own first. */
export function joinedGroups(w: ResolvedWorkload): string[] {
  const targets = w.flows.flatMap((f) => (f.kind === "workload" ? [f.to] : []));
  return [...new Set([w.flowGroup, ...targets])];
}

/**
 * Flows whose targets are known only once every workload is deployed: the scraper joins every
 * group with a metrics port, the proxy every group with a route.
 */
export const WIDE_FLOWS = ["metrics", "routes"] as const;
export type WideFlow = (typeof WIDE_FLOWS)[number];

/** The wide flows a workload opens. */
export const wideFlowsOf = (w: ResolvedWorkload): WideFlow[] =>
  WIDE_FLOWS.filter((kind) => w.flows.some((f) => f.kind === kind));

/** The wide flows that reach a workload: metrics where it has a metrics port, routes where routed. */
export const reachedBy = (w: ResolvedWorkload): WideFlow[] => [
  ...(w.metrics ? (["metrics"] as const) : []),
  ...(w.routes.some((r) => !isInternal(r)) ? (["routes"] as const) : []),
];
