import { DOCKER_SOCKET, escapeRegex, META, MetricsDiscovery, sanitizedKey } from "../../model";

const label = (key: string) => `__meta_dockerswarm_service_label_${sanitizedKey(key)}`;

/**
 * Prometheus' Docker Swarm discovery (prometheus/prometheus: discovery/moby/dockerswarm.go), one
 * target per task and network, through a manager's Docker socket.
 * @param stack The Pulumi stack, as the stack's overlay networks are labelled with it.
 */
export const swarmMetricsDiscovery = (stack: string): MetricsDiscovery => ({
  sdConfig: {
    dockerswarm_sd_configs: [
      { host: `unix://${DOCKER_SOCKET}`, role: "tasks", refresh_interval: "30s" },
    ],
  },
  select: [
    // Keep running tasks on this stack's network only.
    {
      source_labels: ["__meta_dockerswarm_task_desired_state"],
      regex: "running",
      action: "keep",
    },
    {
      source_labels: [`__meta_dockerswarm_network_label_${sanitizedKey(META.stack)}`],
      regex: escapeRegex(stack),
      action: "keep",
    },
    // A task has an address on every network it joins (its own group's and those it opens flows
    // to); Prometheus joins its targets' own networks, so keep that one, once per task.
    {
      source_labels: [`__meta_dockerswarm_network_label_${sanitizedKey(META.flowGroup)}`],
      target_label: label(META.flowGroup),
      action: "keepequal",
    },
  ],
  keys: {
    workload: label(META.workload),
    part: label(META.part),
    metricsPath: label(META.metricsPath),
  },
  address: [
    {
      source_labels: ["__address__", label(META.metricsPort)],
      regex: "([^:]+)(?::\\d+)?;(\\d+)",
      replacement: "$1:$2",
      target_label: "__address__",
    },
    { source_labels: ["__meta_dockerswarm_node_hostname"], target_label: "node" },
    { source_labels: ["__meta_dockerswarm_task_slot"], target_label: "slot" },
  ],
  alertmanager: (_name, address) => ({ static_configs: [{ targets: [address] }] }),
  containerWorkload: { source: "container_label_com_docker_swarm_service_name", regex: "(.+)" },
});
