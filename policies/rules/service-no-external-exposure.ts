import { exemptionKey, META } from "../../components/model/metadata";
import { TYPES } from "../lib/leaves";
import { workloadRule } from "../lib/rule";
import { at, plain } from "../lib/values";

export interface ExposureConfig {
  readonly allowedParts: string[];
}

const RULE = "service-no-external-exposure";

export const serviceNoExternalExposure = workloadRule<ExposureConfig>({
  name: RULE,
  description: "Only the reverse proxy's Kubernetes Service is a LoadBalancer or NodePort.",
  severity: "medium",
  docs: {
    catalogue: ["S13"],
    swarm: "Not applicable: published ports are checked by workload-no-host-ports.",
    kubernetes:
      "Services of `type` LoadBalancer or NodePort belong to an allowed part (label `app.kubernetes.io/component` or annotation `homeport.dev/part`).",
    nomad: "Not applicable: static ports are checked by workload-no-host-ports.",
  },
  config: {
    allowedParts: {
      type: "array",
      items: { type: "string" },
      default: ["proxy"],
      description: "Parts whose Services may be LoadBalancer or NodePort.",
    },
  },
  check() {},
  leaves: {
    types: [TYPES.service],
    check({ resource, config, report }) {
      const props = plain(resource.props);
      const type = at(props, "spec", "type");
      if (type !== "LoadBalancer" && type !== "NodePort") return;
      const annotations = at(props, "metadata", "annotations");
      const part =
        at(annotations, META.part) ??
        at(props, "metadata", "labels", "app.kubernetes.io/component");
      if (typeof part === "string" && config.allowedParts.includes(part)) return;
      const reason = at(annotations, exemptionKey(RULE));
      if (typeof reason === "string" && reason.trim() !== "") return;
      const name = String(at(props, "metadata", "name") ?? resource.name);
      report(
        `Service "${name}" is of type ${type}: use ClusterIP and route it through the reverse proxy.`,
      );
    },
  },
});
