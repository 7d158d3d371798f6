import { exemptionKey } from "../../components/model/metadata";
import { HomeportPolicy } from "./rule";

const escape = (text: string) => text.replace(/\|/g, "\\|");

/** How a workload is exempted from a rule, for the docs table. */
function exemptionNote(policy: HomeportPolicy): string {
  const key = `\`${exemptionKey(policy.name)}\``;
  if (policy.name === "service-no-external-exposure") return `${key} on the Service`;
  if (
    policy.name === "workload-docker-socket-restricted" ||
    policy.name === "workload-no-sensitive-host-paths"
  )
    return `${key}; allows the mount, read-only only`;
  return key;
}

/** The rule table of docs/policies.md, generated from the rules' own metadata. */
export function docsTable(policies: readonly HomeportPolicy[]): string {
  const rows = policies.map((p) =>
    [
      `\`${p.name}\``,
      p.severity,
      p.docs.catalogue.join(", "),
      p.description,
      p.docs.swarm,
      p.docs.kubernetes,
      p.docs.nomad,
      exemptionNote(p),
    ]
      .map(escape)
      .join(" | "),
  );
  return [
    "| Rule | Severity | Catalogue | Description | Swarm | Kubernetes | Nomad | Exemption |",
    "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ...rows.map((r) => `| ${r} |`),
  ].join("\n");
}
