import { serviceNoExternalExposure } from "../../../policies/rules/service-no-external-exposure";
import { describeRule } from "../fixtures";

const WEB = { type: "kubernetes:core/v1:Service", name: "web-service" };
const PROXY = { type: "kubernetes:core/v1:Service", name: "proxy-service" };

describeRule(serviceNoExternalExposure, [
  {
    title: "Swarm publishes ports through workload-no-host-ports: nothing to check",
    target: "swarm",
    mutate: (p) => (p.endpointSpec.mode = "vip"),
    expected: [],
  },
  {
    title: "a LoadBalancer Service outside the proxy",
    target: "kubernetes",
    resource: WEB,
    mutate: (p) => (p.spec.type = "LoadBalancer"),
    expected: [
      'Service "web" is of type LoadBalancer: use ClusterIP and route it through the reverse proxy.',
    ],
  },
  {
    title: "the proxy's LoadBalancer Service",
    target: "kubernetes",
    resource: PROXY,
    mutate: (p) => (p.spec.type = "LoadBalancer"),
    expected: [],
  },
  {
    title: "an exempt NodePort Service",
    target: "kubernetes",
    resource: WEB,
    mutate: (p) => {
      p.spec.type = "NodePort";
      p.metadata.annotations = {
        "policy.homeport.dev/exempt.service-no-external-exposure": "torrent peers",
      };
    },
    expected: [],
  },
  {
    title: "Nomad publishes ports through workload-no-host-ports: nothing to check",
    target: "nomad",
    mutate: (job) => (job.TaskGroups[0].Networks[0].Mode = "bridge"),
    expected: [],
  },
]);
