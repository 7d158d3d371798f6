import { routerIdIssues, RouterIdUse } from "../../components/edge/floating-ip";
import { nomadJobOf, TYPES } from "../lib/leaves";
import { stackRule } from "../lib/rule";
import { at, isUnknown, knownItems, plain } from "../lib/values";

/** MetalLB's address pool, the Kubernetes form of a floating address. */
export const IP_ADDRESS_POOL_TYPE = "kubernetes:metallb.io/v1beta1:IPAddressPool";
export const SWARM_CONFIG_TYPE = "docker:index/serviceConfig:ServiceConfig";

/** The VRRP instance of a keepalived.conf as components/edge/keepalived-conf.ts writes it. */
export function vrrpUseOf(setting: string, conf: string): RouterIdUse | undefined {
  const id = /^\s*virtual_router_id (\d+)$/m.exec(conf);
  const vip = /^\s*virtual_ipaddress \{\n\s*([0-9.]+)\/\d+ dev (\S+)$/m.exec(conf);
  if (!id || !vip) return undefined;
  return { setting, ip: vip[1], interface: vip[2], routerId: Number(id[1]) };
}

/** keepalived configurations in the leaves: Swarm configs (base64), Nomad job templates. */
function vrrpUses(
  resources: readonly { type: string; name: string; props: unknown }[],
): RouterIdUse[] {
  const uses: RouterIdUse[] = [];
  for (const r of resources) {
    const texts: string[] = [];
    let subject = "";
    if (r.type === SWARM_CONFIG_TYPE) {
      subject = `Swarm config "${r.name}"`;
      const data = at(plain(r.props), "data");
      if (typeof data === "string") texts.push(Buffer.from(data, "base64").toString("utf8"));
    } else if (r.type === TYPES.nomadJob) {
      subject = `Nomad job "${r.name}"`;
      const job = nomadJobOf(r.props);
      if (isUnknown(job)) continue;
      for (const group of knownItems(at(job, "TaskGroups")))
        for (const task of knownItems(at(group, "Tasks")))
          for (const t of knownItems(at(task, "Templates"))) {
            const text = at(t, "EmbeddedTmpl");
            if (typeof text === "string") texts.push(text);
          }
    }
    for (const text of texts) {
      const use = vrrpUseOf(subject, text);
      if (use) uses.push(use);
    }
  }
  return uses;
}

export const stackVrrpRouterIds = stackRule({
  name: "stack-vrrp-router-ids",
  description: "One VRRP router id per floating address, one address per id and interface.",
  severity: "high",
  docs: {
    catalogue: ["ours"],
    swarm:
      "The keepalived configurations in the stack's configs give each address one `virtual_router_id`, and no id to two addresses on one interface.",
    kubernetes:
      "No address is in two MetalLB `IPAddressPool`s (MetalLB has no router id: the pool is the address's one owner).",
    nomad:
      "The keepalived configurations in the jobs' templates give each address one `virtual_router_id`, and no id to two addresses on one interface.",
  },
  check({ resources, report }) {
    for (const problem of routerIdIssues(vrrpUses(resources))) report(problem);
    const owners = new Map<string, string>();
    for (const r of resources) {
      if (r.type !== IP_ADDRESS_POOL_TYPE) continue;
      const props = plain(r.props);
      const name = String(at(props, "metadata", "name") ?? r.name);
      for (const address of knownItems(at(props, "spec", "addresses"))) {
        if (typeof address !== "string") continue;
        const owner = owners.get(address);
        if (owner !== undefined && owner !== name)
          report(
            `IPAddressPool "${name}" holds ${address}, which IPAddressPool "${owner}" holds already. Fix: keep each address in one pool.`,
            r.urn,
          );
        else owners.set(address, name);
      }
    }
  },
});
