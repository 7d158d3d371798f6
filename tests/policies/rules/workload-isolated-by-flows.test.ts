import { workloadIsolatedByFlows } from "../../../policies/rules/workload-isolated-by-flows";
import { describeRule } from "../fixtures";

const WEB_POLICY = {
  type: "kubernetes:networking.k8s.io/v1:NetworkPolicy",
  name: "web-network-policy",
};
type Label = { label: string; value: string };

describeRule(workloadIsolatedByFlows, [
  {
    title: "a service on the host network",
    target: "swarm",
    mutate: (p) => (p.taskSpec.networksAdvanceds = [{ name: "host" }]),
    expected: [
      "Swarm service \"t-web\" is on the host network, which no overlay network isolates: join its flow group's network, or exempt it with the reason and the host firewall's rule.",
    ],
  },
  {
    title: "an exempt service on the host network",
    target: "swarm",
    mutate: (p) => {
      p.taskSpec.networksAdvanceds = [{ name: "host" }];
      p.labels.push({
        label: "policy.homeport.dev/exempt.workload-isolated-by-flows",
        value: "holds the floating address",
      });
    },
    expected: [],
  },
  {
    title: "a service in no flow group",
    target: "swarm",
    mutate: (p) =>
      (p.labels = p.labels.filter((l: Label) => l.label !== "homeport.dev/flow-group")),
    expected: [
      'Swarm service "t-web" belongs to no flow group (homeport.dev/flow-group): deploy it through the platform, which joins it to its own network and its flows\' networks only.',
    ],
  },
  {
    title: "a network of the stack that every service shares",
    target: "swarm",
    resource: { type: "docker:index/network:Network", name: "swarm-flow-web" },
    mutate: (p) =>
      (p.labels = p.labels.filter((l: Label) => l.label !== "homeport.dev/flow-group")),
    expected: [
      'Docker network "t-flow-web" belongs to the stack but to no flow group: every service on it reaches every other on every port. Give each flow group its own network (label homeport.dev/flow-group).',
    ],
  },
  {
    title: "pods no NetworkPolicy selects",
    target: "kubernetes",
    mutate: (p) => {
      const labels = p.spec.template.metadata.labels;
      labels["app.kubernetes.io/name"] = "other";
      delete labels["homeport.dev/flow-group"];
    },
    expected: [
      'Deployment "web" is not isolated for Ingress and Egress: no NetworkPolicy of its namespace selects its pods with policyTypes Ingress, Egress.',
    ],
  },
  {
    title: "pods outside the default deny, isolated by their own policy",
    target: "kubernetes",
    mutate: (p) => delete p.spec.template.metadata.labels["homeport.dev/flow-group"],
    expected: [],
  },
  {
    title: "a policy rule that admits every source on every port",
    target: "kubernetes",
    resource: WEB_POLICY,
    mutate: (p) => p.spec.ingress.push({}),
    expected: [
      'Deployment "web": NetworkPolicy "web" admits every source on every port: name the peers and ports of its flows.',
    ],
  },
  {
    title: "a policy rule that reaches everything on every port",
    target: "kubernetes",
    resource: WEB_POLICY,
    mutate: (p) => p.spec.egress.push({ to: [] }),
    expected: [
      'Deployment "web": NetworkPolicy "web" lets it reach everything on every port: name the peers and ports of its flows.',
    ],
  },
  {
    title: "pods on the host network",
    target: "kubernetes",
    mutate: (p) => (p.spec.template.spec.hostNetwork = true),
    expected: [
      'Deployment "web" is on the host network, where NetworkPolicies do not apply: remove hostNetwork, or exempt it with the reason.',
    ],
  },
  {
    title: "a group on the host network",
    target: "nomad",
    mutate: (job) => (job.TaskGroups[0].Networks[0].Mode = "host"),
    expected: [
      'Nomad job "web": group "web" is on the host network, open on every port it listens on: use bridge mode, or exempt it with the reason and the host firewall\'s rule.',
    ],
  },
  {
    title: "a docker task on the host's network",
    target: "nomad",
    mutate: (job) => (job.TaskGroups[0].Tasks[0].Config.network_mode = "host"),
    expected: [
      'Nomad job "web": task "web" sets network_mode = "host", open on every port it listens on: remove it, or exempt the job with the reason.',
    ],
  },
]);
