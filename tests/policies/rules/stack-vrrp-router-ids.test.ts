import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { parseFloatingIp } from "../../../components/edge/floating-ip";
import { keepalivedConf } from "../../../components/edge/keepalived-conf";
import {
  IP_ADDRESS_POOL_TYPE,
  stackVrrpRouterIds,
  SWARM_CONFIG_TYPE,
} from "../../../policies/rules/stack-vrrp-router-ids";
import { RenderedResource } from "../../helpers/harness";
import { describeRule, leavesOf, renderFixtures, stackViolations, workloadLeaf } from "../fixtures";

/** keepalived.conf of node-1 for an address and router id, as the edge part renders it. */
const conf = (address: string, routerId: number, iface = "vxlan100"): string =>
  keepalivedConf({
    floatingIp: parseFloatingIp({
      address,
      interface: iface,
      routerId,
      nodes: [
        { name: "node-1", address: "172.16.1.1" },
        { name: "node-2", address: "172.16.1.2" },
      ],
    }),
    node: "node-1",
    ping: { port: 8082 },
  });

const withTemplate =
  (text: string) => (job: { TaskGroups: { Tasks: { Templates?: unknown[] }[] }[] }) => {
    const task = job.TaskGroups[0].Tasks[0];
    task.Templates = [...(task.Templates ?? []), { EmbeddedTmpl: text, DestPath: "local/k.conf" }];
  };

describeRule(stackVrrpRouterIds, [
  {
    title: "one keepalived configuration passes",
    target: "nomad",
    mutate: withTemplate(conf("172.16.3.10/16", 51)),
    expected: [],
  },
]);

describe("stack-vrrp-router-ids across leaves", () => {
  let resources: RenderedResource[] = [];
  before(async () => {
    resources = await renderFixtures();
  });
  const nomadWith = (confs: [string, string][]) =>
    leavesOf(resources, "nomad").map((r) => {
      const found = confs.find(([name]) => name === r.name);
      return found ? workloadLeaf(resources, "nomad", r.name, withTemplate(found[1])) : r;
    });

  it("nomad: two nodes of one address with one router id pass", () => {
    const leaves = nomadWith([
      ["web", conf("172.16.3.10/16", 51)],
      ["db", conf("172.16.3.10/16", 51)],
    ]);
    assert.deepEqual(stackViolations(stackVrrpRouterIds, leaves), []);
  });

  it("nomad: one address under two router ids", () => {
    const leaves = nomadWith([
      ["web", conf("172.16.3.10/16", 51)],
      ["db", conf("172.16.3.10/16", 52)],
    ]);
    assert.deepEqual(stackVrrpRouterIds.kind, "stack");
    assert.deepEqual(stackViolations(stackVrrpRouterIds, leaves), [
      'Nomad job "web" gives the address 172.16.3.10 router id 51, but Nomad job "db" gives it router id 52. Fix: use one router id per address (52).',
    ]);
  });

  it("swarm: one router id for two addresses on one interface", () => {
    const config = (name: string, text: string): RenderedResource =>
      ({
        type: SWARM_CONFIG_TYPE,
        name,
        urn: `urn:${name}`,
        parent: null,
        custom: true,
        inputs: { data: Buffer.from(text).toString("base64") },
      }) as unknown as RenderedResource;
    const leaves = [
      ...leavesOf(resources, "swarm"),
      config("edge-a", conf("172.16.3.10/16", 51)),
      config("edge-b", conf("172.16.3.11/16", 51)),
    ];
    assert.deepEqual(stackViolations(stackVrrpRouterIds, leaves), [
      'Swarm config "edge-b" uses router id 51 on vxlan100 for 172.16.3.11, but Swarm config "edge-a" already uses it there for 172.16.3.10. Fix: give each address on an interface its own router id.',
    ]);
  });

  it("kubernetes: one address in two MetalLB pools", () => {
    const pool = (name: string): RenderedResource =>
      ({
        type: IP_ADDRESS_POOL_TYPE,
        name,
        urn: `urn:${name}`,
        parent: null,
        custom: true,
        inputs: { metadata: { name }, spec: { addresses: ["172.16.3.10/32"], autoAssign: false } },
      }) as unknown as RenderedResource;
    const leaves = [...leavesOf(resources, "kubernetes"), pool("edge"), pool("other")];
    assert.deepEqual(stackViolations(stackVrrpRouterIds, leaves), [
      'IPAddressPool "other" holds 172.16.3.10/32, which IPAddressPool "edge" holds already. Fix: keep each address in one pool.',
    ]);
  });
});
