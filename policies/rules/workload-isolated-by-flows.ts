import { META } from "../../components/model/metadata";
import { containersOf } from "../lib/containers";
import { LeafResource, swarmLabels, TYPES, workloadOf } from "../lib/leaves";
import { dockerConfig } from "../lib/nomad";
import { stackRule } from "../lib/rule";
import { at, isUnknown, knownItems, plain, record, UNKNOWN } from "../lib/values";

const RULE = "workload-isolated-by-flows";

/** Whether a NetworkPolicy's pod selector selects a pod with these labels. */
function selects(selector: unknown, labels: Record<string, string>): boolean {
  const match = record(at(selector, "matchLabels"));
  const expressions = knownItems(at(selector, "matchExpressions"));
  if (match === UNKNOWN) return false;
  return (
    Object.entries(match).every(([k, v]) => labels[k] === v) &&
    expressions.every((e) => {
      const key = String(at(e, "key"));
      const values = knownItems(at(e, "values")).map(String);
      switch (at(e, "operator")) {
        case "Exists":
          return key in labels;
        case "DoesNotExist":
          return !(key in labels);
        case "In":
          return values.includes(labels[key]);
        case "NotIn":
          return !values.includes(labels[key]);
        default:
          return false;
      }
    })
  );
}

/** An ingress or egress rule with no peer, or a peer that selects every pod everywhere. */
const opensToAll = (rule: unknown, side: "from" | "to"): boolean => {
  const peers = at(rule, side);
  return at(rule, "ports") === undefined && (peers === undefined || knownItems(peers).length === 0);
};

export const workloadIsolatedByFlows = stackRule({
  name: RULE,
  description:
    "Workloads reach, and are reached by, only the workloads they declare flows with (network isolation).",
  severity: "high",
  docs: {
    catalogue: ["ours"],
    swarm:
      "Every overlay network of the stack serves one flow group (`homeport.dev/flow-group`), never all services at once; every service and job belongs to a flow group and is not on the host network.",
    kubernetes:
      "Every pod is selected by a NetworkPolicy of its namespace that isolates both ingress and egress, and no rule of it opens every port to every peer; pods are not on the host network, where NetworkPolicies do not apply.",
    nomad:
      'No group uses the host network and no docker task sets `network_mode = "host"`: each allocation keeps its own network namespace, reached only on its mapped ports; the rest is the host firewall\'s (docs/security.md).',
  },
  check({ resources, report }) {
    const policies = resources
      .filter((r) => r.type === TYPES.networkPolicy)
      .map((r) => plain(r.props));
    for (const r of resources) {
      if (r.type === TYPES.swarmNetwork) {
        checkNetwork(r, report);
        continue;
      }
      const w = workloadOf(r);
      if (w === undefined || w === UNKNOWN || w.exemption(RULE) !== undefined) continue;
      switch (w.target) {
        case "swarm": {
          const networks = knownItems(
            w.kind === "service"
              ? at(w.service, "taskSpec", "networksAdvanceds")
              : at(r.props, "networksAdvanced"),
          );
          if (networks.some((n) => at(n, "name") === "host")) {
            report(
              `${w.subject} is on the host network, which no overlay network isolates: join its flow group's network, or exempt it with the reason and the host firewall's rule.`,
              w.urn,
            );
            continue;
          }
          if (w.meta(META.flowGroup) === undefined)
            report(
              `${w.subject} belongs to no flow group (${META.flowGroup}): deploy it through the platform, which joins it to its own network and its flows' networks only.`,
              w.urn,
            );
          continue;
        }
        case "kubernetes": {
          if (at(w.pod, "hostNetwork") === true) {
            report(
              `${w.subject} is on the host network, where NetworkPolicies do not apply: remove hostNetwork, or exempt it with the reason.`,
              w.urn,
            );
            continue;
          }
          const mine = policies.filter(
            (p) =>
              (at(p, "metadata", "namespace") ?? w.namespace) === w.namespace &&
              selects(at(p, "spec", "podSelector"), w.podLabels),
          );
          const types = new Set(mine.flatMap((p) => knownItems(at(p, "spec", "policyTypes"))));
          const missing = ["Ingress", "Egress"].filter((t) => !types.has(t));
          if (missing.length > 0) {
            report(
              `${w.subject} is not isolated for ${missing.join(" and ")}: no NetworkPolicy of its namespace selects its pods with policyTypes ${missing.join(", ")}.`,
              w.urn,
            );
            continue;
          }
          for (const p of mine) {
            const name = String(at(p, "metadata", "name"));
            if (knownItems(at(p, "spec", "ingress")).some((rule) => opensToAll(rule, "from")))
              report(
                `${w.subject}: NetworkPolicy "${name}" admits every source on every port: name the peers and ports of its flows.`,
                w.urn,
              );
            if (knownItems(at(p, "spec", "egress")).some((rule) => opensToAll(rule, "to")))
              report(
                `${w.subject}: NetworkPolicy "${name}" lets it reach everything on every port: name the peers and ports of its flows.`,
                w.urn,
              );
          }
          continue;
        }
        case "nomad":
          for (const group of w.groups)
            if (knownItems(group.Networks).some((n) => at(n, "Mode") === "host"))
              report(
                `${w.subject}: group "${String(group.Name)}" is on the host network, open on every port it listens on: use bridge mode, or exempt it with the reason and the host firewall's rule.`,
                w.urn,
              );
          for (const c of containersOf(w))
            if (dockerConfig(c.spec).network_mode === "host")
              report(
                `${c.where} sets network_mode = "host", open on every port it listens on: remove it, or exempt the job with the reason.`,
                w.urn,
              );
          continue;
      }
    }
  },
});

/** A network of the stack that no flow group owns is one every service on it shares. */
function checkNetwork(r: LeafResource, report: (message: string, urn?: string) => void): void {
  const labels = at(r.props, "labels");
  if (isUnknown(labels)) return;
  const l = swarmLabels(labels);
  if (l[META.stack] === undefined || l[META.flowGroup] !== undefined) return;
  const name = at(r.props, "name");
  report(
    `Docker network "${typeof name === "string" ? name : r.name}" belongs to the stack but to no flow group: every service on it reaches every other on every port. Give each flow group its own network (label ${META.flowGroup}).`,
    r.urn,
  );
}
