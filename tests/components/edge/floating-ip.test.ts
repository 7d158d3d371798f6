import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  describeIssue,
  FloatingIpSetting,
  floatingIpIssues,
  isInterfaceName,
  parseFloatingIp,
  parseIpv4Prefix,
  priorityOf,
  routerIdIssues,
} from "../../../components/edge/floating-ip";
import { FLOATING_IP, SETTING } from "./fixtures";

const messages = (setting: FloatingIpSetting, password?: string) =>
  floatingIpIssues(setting, password).map(describeIssue);

describe("edge.floatingIp settings", () => {
  it("parses the address once into address and prefix length", () => {
    assert.deepEqual(FLOATING_IP, {
      address: { ip: "172.16.3.10", prefixLength: 16 },
      interface: "vxlan100",
      routerId: 51,
      nodes: SETTING.nodes,
    });
    assert.deepEqual(
      parseFloatingIp({ ...SETTING, preemptDelaySeconds: 60 }).preemptDelaySeconds,
      60,
    );
  });

  it("gives priorities by node order, first node highest", () => {
    assert.deepEqual([0, 1, 2, 19].map(priorityOf), [200, 190, 180, 10]);
  });

  it("parses IPv4 prefixes and rejects anything else", () => {
    assert.deepEqual(parseIpv4Prefix("10.0.0.1/32"), { ip: "10.0.0.1", prefixLength: 32 });
    for (const bad of [
      "10.0.0.1",
      "10.0.0.256/24",
      "10.0.0.1/0",
      "10.0.0.1/33",
      "fd00::1/64",
      "a/8",
    ]) {
      assert.equal(parseIpv4Prefix(bad), undefined, bad);
    }
  });

  it("accepts Linux interface names only", () => {
    assert.deepEqual(
      [
        "vxlan100",
        "eth0",
        "br-lan.10",
        "a".repeat(15),
        "",
        "a".repeat(16),
        "eth/0",
        "eth:0",
        "my if",
        ".",
        "..",
      ].map(isInterfaceName),
      [true, true, true, true, false, false, false, false, false, false, false],
    );
  });

  it("has no issue for a good setting", () => {
    assert.deepEqual(messages(SETTING, "s3cret"), []);
  });

  it("names an address without its prefix and suggests one", () => {
    assert.deepEqual(messages({ ...SETTING, address: "172.16.3.10" }), [
      'homeport:edge.floatingIp.address is "172.16.3.10": has no prefix length. Fix: write the prefix length of the interface\'s network after it, e.g. 172.16.3.10/24.',
    ]);
  });

  it("names an address that is not IPv4", () => {
    assert.deepEqual(messages({ ...SETTING, address: "172.16.3.300/16" }), [
      'homeport:edge.floatingIp.address is "172.16.3.300/16": is not an IPv4 address with a prefix length. Fix: write it as address/prefix, e.g. 172.16.3.10/16.',
    ]);
  });

  it("names a bad interface", () => {
    assert.deepEqual(messages({ ...SETTING, interface: "vxlan100:vip" }), [
      "homeport:edge.floatingIp.interface is \"vxlan100:vip\": is not a network interface name. Fix: name the interface as `ip link` shows it: 1 to 15 characters, no '/', ':' or spaces, e.g. vxlan100.",
    ]);
  });

  it("names a router id outside 1..255", () => {
    for (const routerId of [0, 256, 5.5]) {
      assert.deepEqual(messages({ ...SETTING, routerId }), [
        `homeport:edge.floatingIp.routerId is ${routerId}: is not a VRRP router id. Fix: set a whole number from 1 to 255 that no other VRRP router on this network uses, e.g. 51.`,
      ]);
    }
    assert.deepEqual(messages({ ...SETTING, routerId: 1 }), []);
    assert.deepEqual(messages({ ...SETTING, routerId: 255 }), []);
  });

  it("names a preempt delay keepalived does not accept", () => {
    assert.deepEqual(messages({ ...SETTING, preemptDelaySeconds: 1001 }), [
      "homeport:edge.floatingIp.preemptDelaySeconds is 1001: is outside 0..1000. Fix: set the seconds the first node waits before taking the address back, e.g. 60, or remove it to never move the address back by itself.",
    ]);
  });

  it("says what is wrong with a password without showing it", () => {
    assert.deepEqual(messages(SETTING, "twelve-chars"), [
      'homeport:edge.floatingIp.password is "[secret]": is 12 characters long; keepalived uses 1 to 8 and ignores the rest. Fix: set a password of 1 to 8 characters with `pulumi config set --secret`.',
    ]);
    assert.ok(!messages(SETTING, "twelve-chars")[0].includes("twelve"));
  });

  it("needs at least two nodes", () => {
    assert.deepEqual(messages({ ...SETTING, nodes: [] }), [
      "homeport:edge.floatingIp.nodes is []: lists 0 nodes: the address needs at least two nodes to move between. Fix: list every node that may hold the address, most preferred first, e.g. [{name: node-1, address: 172.16.1.1}, {name: node-2, address: 172.16.1.2}].",
    ]);
    assert.match(messages({ ...SETTING, nodes: [SETTING.nodes[0]] })[0], /: lists 1 node: /);
  });

  it("allows at most 20 nodes", () => {
    const nodes = Array.from({ length: 21 }, (_, i) => ({
      name: `n${i}`,
      address: `10.0.0.${i + 1}`,
    }));
    assert.deepEqual(messages({ ...SETTING, nodes }).length, 1);
    assert.match(
      messages({ ...SETTING, nodes })[0],
      /^homeport:edge\.floatingIp\.nodes is \["n0",.*"n20"\]: lists 21 nodes: priorities from 200 down in steps of 10 allow at most 20\. Fix: keep at most 20 nodes\.$/,
    );
    assert.deepEqual(messages({ ...SETTING, nodes: nodes.slice(0, 20) }), []);
  });

  it("names duplicate nodes, bad node addresses and the floating address used as a node's", () => {
    const nodes = [
      { name: "a", address: "172.16.1.0" },
      { name: "a", address: "172.16.1.0" },
      { name: "b c", address: "172.16.1.2/16" },
      { name: "d", address: "172.16.3.10" },
    ];
    assert.deepEqual(messages({ ...SETTING, nodes }), [
      'homeport:edge.floatingIp.nodes.1.name is "a": names the same node as homeport:edge.floatingIp.nodes.0.name. Fix: list each node once.',
      'homeport:edge.floatingIp.nodes.1.address is "172.16.1.0": is also the address of homeport:edge.floatingIp.nodes.0. Fix: give each node its own address.',
      "homeport:edge.floatingIp.nodes.2.name is \"b c\": is not a node name. Fix: use the node's name as the orchestrator shows it: letters, digits, '.', '_' or '-', at most 63.",
      'homeport:edge.floatingIp.nodes.2.address is "172.16.1.2/16": is not an IPv4 address. Fix: set the node\'s own address on the interface, without a prefix length, e.g. 172.16.1.1.',
      'homeport:edge.floatingIp.nodes.3.address is "172.16.3.10": is the floating address itself. Fix: set the node\'s own address, not the one that moves between nodes.',
    ]);
  });

  it("throws every problem at once from parseFloatingIp", () => {
    assert.throws(
      () => parseFloatingIp({ ...SETTING, address: "x", routerId: 0 }),
      (e: Error) =>
        e.message.split("\n").length === 2 &&
        e.message.startsWith('homeport:edge.floatingIp.address is "x"'),
    );
  });
});

describe("one router id per address", () => {
  const use = (setting: string, ip: string, routerId: number, iface = "vxlan100") => ({
    setting,
    ip,
    interface: iface,
    routerId,
  });

  it("accepts distinct ids for distinct addresses, and the same id on another interface", () => {
    assert.deepEqual(
      routerIdIssues([
        use("a", "172.16.3.10", 51),
        use("b", "172.16.3.11", 52),
        use("c", "192.168.4.100", 51, "eth1"),
        use("d", "172.16.3.10", 51),
      ]),
      [],
    );
  });

  it("names one address under two ids", () => {
    assert.deepEqual(
      routerIdIssues([
        use("homeport:edge.floatingIp", "172.16.3.10", 51),
        use("keepalived-2", "172.16.3.10", 52),
      ]),
      [
        "keepalived-2 gives the address 172.16.3.10 router id 52, but homeport:edge.floatingIp gives it router id 51. Fix: use one router id per address (51).",
      ],
    );
  });

  it("names one id for two addresses on one interface", () => {
    assert.deepEqual(routerIdIssues([use("a", "172.16.3.10", 51), use("b", "172.16.3.11", 51)]), [
      "b uses router id 51 on vxlan100 for 172.16.3.11, but a already uses it there for 172.16.3.10. Fix: give each address on an interface its own router id.",
    ]);
  });
});
