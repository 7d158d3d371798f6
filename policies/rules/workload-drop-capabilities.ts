import { capabilitiesOf, containersOf } from "../lib/containers";
import { workloadRule } from "../lib/rule";
import { isUnknown } from "../lib/values";

export interface DropCapabilitiesConfig {
  readonly allowedCapabilities: string[];
}

/** Capabilities the images we run legitimately add back (s6 init, privilege drop, low ports). */
export const DEFAULT_ALLOWED_CAPABILITIES = [
  "CHOWN",
  "DAC_OVERRIDE",
  "FOWNER",
  "FSETID",
  "KILL",
  "NET_BIND_SERVICE",
  "SETGID",
  "SETUID",
];

export const workloadDropCapabilities = workloadRule<DropCapabilitiesConfig>({
  name: "workload-drop-capabilities",
  description: "Containers drop all capabilities and add back only allowed ones.",
  severity: "medium",
  docs: {
    catalogue: ["S5"],
    swarm: '`containerSpec.capDrops` holds "ALL"; `capAdds` only `allowedCapabilities`.',
    kubernetes:
      'Every container\'s `securityContext.capabilities.drop` holds "ALL"; `add` only `allowedCapabilities`.',
    nomad:
      'Every docker task\'s `config.cap_drop` holds "all"; `cap_add` only `allowedCapabilities`.',
  },
  config: {
    allowedCapabilities: {
      type: "array",
      items: { type: "string" },
      default: DEFAULT_ALLOWED_CAPABILITIES,
      description: "Capabilities a container may add back after dropping all.",
    },
  },
  check({ workload: w, config, report }) {
    const allowed = new Set(config.allowedCapabilities.map((c) => c.toUpperCase()));
    for (const c of containersOf(w)) {
      const { drop, add } = capabilitiesOf(w, c);
      if (!isUnknown(drop) && !drop.includes("ALL"))
        report(`${c.where} does not drop all capabilities: drop ALL, then add back what it needs.`);
      if (!isUnknown(add)) {
        const extra = add.filter((cap) => !allowed.has(cap));
        if (extra.length > 0)
          report(
            `${c.where} adds capabilities ${extra.join(", ")} that are not allowed: remove them, or exempt the workload with the reason it needs them.`,
          );
      }
    }
  },
});
