import { KEEPALIVED_CAPABILITIES } from "../../components/edge/keepalived-workload";
import { capabilitiesOf, containersOf } from "../lib/containers";
import { workloadRule } from "../lib/rule";
import { isUnknown } from "../lib/values";

const RULE = "workload-network-capabilities";

/** Capabilities that change the node's network: only the floating address's holder needs them. */
export const NETWORK_CAPABILITIES = ["NET_ADMIN", "NET_RAW", "NET_BROADCAST"];

/** What the floating-IP workload may add, and no more (components/edge/keepalived-workload.ts). */
export const FLOATING_IP_CAPABILITIES = Object.keys(KEEPALIVED_CAPABILITIES);

export const workloadNetworkCapabilities = workloadRule({
  name: RULE,
  description: "Only the floating-IP workload adds network capabilities, and only what it needs.",
  severity: "high",
  docs: {
    catalogue: ["S5"],
    swarm: `\`containerSpec.capAdds\` holds none of ${NETWORK_CAPABILITIES.join(", ")} unless the service is exempt; an exempt one adds only ${FLOATING_IP_CAPABILITIES.join(", ")}.`,
    kubernetes: `No container's \`securityContext.capabilities.add\` holds ${NETWORK_CAPABILITIES.join(", ")} unless exempt; an exempt one adds only ${FLOATING_IP_CAPABILITIES.join(", ")}.`,
    nomad: `No docker task's \`config.cap_add\` holds ${NETWORK_CAPABILITIES.map((c) => c.toLowerCase()).join(", ")} unless exempt; an exempt one adds only ${FLOATING_IP_CAPABILITIES.map((c) => c.toLowerCase()).join(", ")}.`,
  },
  // The exemption names the floating-IP workload; even then its set is checked.
  checksExempt: true,
  check({ workload: w, exemption, report }) {
    for (const c of containersOf(w)) {
      const { add } = capabilitiesOf(w, c);
      if (isUnknown(add)) continue;
      if (exemption === undefined) {
        const network = add.filter((cap) => NETWORK_CAPABILITIES.includes(cap));
        if (network.length > 0)
          report(
            `${c.where} adds ${network.join(", ")}: only the floating-IP workload may, exempted from ${RULE} with its reason.`,
          );
      } else {
        const extra = add.filter((cap) => !FLOATING_IP_CAPABILITIES.includes(cap));
        if (extra.length > 0)
          report(
            `${c.where} adds ${extra.join(", ")}, more than the floating IP needs (${FLOATING_IP_CAPABILITIES.join(", ")}): remove them.`,
          );
      }
    }
  },
});
