import { workloadNoHostPorts } from "../../../policies/rules/workload-no-host-ports";
import { describeRule } from "../fixtures";

describeRule(workloadNoHostPorts, [
  {
    title: "a published port outside the proxy",
    target: "swarm",
    mutate: (p) =>
      (p.endpointSpec.ports = [{ name: "http", targetPort: 8080, publishedPort: 8080 }]),
    expected: [
      'Swarm service "t-web" publishes host port(s) 8080: route it through the reverse proxy, or exempt it with the reason.',
    ],
  },
  {
    title: "the proxy's part is allowed only by the pack config",
    target: "swarm",
    config: { allowedParts: [] },
    mutate: () => {},
    expected: [
      'Swarm service "t-proxy" publishes host port(s) 80, 443: route it through the reverse proxy, or exempt it with the reason.',
    ],
  },
  {
    title: "a hostPort",
    target: "kubernetes",
    mutate: (p) => (p.spec.template.spec.containers[0].ports[0].hostPort = 8080),
    expected: [
      'Deployment "web" publishes host port(s) 8080: route it through the reverse proxy, or exempt it with the reason.',
    ],
  },
  {
    title: "a static port",
    target: "nomad",
    mutate: (job) =>
      (job.TaskGroups[0].Networks[0].ReservedPorts = [{ Label: "http", Value: 8080, To: 8080 }]),
    expected: [
      'Nomad job "web" publishes host port(s) 8080: route it through the reverse proxy, or exempt it with the reason.',
    ],
  },
]);
