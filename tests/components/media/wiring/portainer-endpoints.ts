import type { Target } from "../../../../components/config/schema";
import type { PortainerEndpoint } from "../../../../components/media/wiring/wiring-job";

/**
 * Test fixture: the Portainer environments a plan lists on each orchestrator, as the adapters
 * describe them to the media part (the part itself never names an orchestrator).
 */
export const PORTAINER_ENDPOINTS: Record<
  Target,
  (agent: { readonly service: string; readonly nodes?: readonly string[] }) => PortainerEndpoint[]
> = {
  // The agent runs on every node; Swarm's tasks.<service> DNS lets Portainer find them all.
  swarm: ({ service }) => [{ name: "swarm", kind: "agent", url: `tcp://tasks.${service}:9001` }],
  // Portainer in the cluster manages the cluster through its service account.
  kubernetes: () => [{ name: "kubernetes", kind: "kubernetes-local" }],
  // Portainer CE has no Nomad environment: it manages each client's Docker engine through the
  // agent that runs there, one environment per client node.
  nomad: ({ nodes = [] }) =>
    nodes.map((node) => ({ name: `docker-${node}`, kind: "agent", url: `tcp://${node}:9001` })),
};
