import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { AddressPoolSpec, DeployOptions } from "../../../components/model";
import { Recorder, stackConfig, startRecorder, testParent } from "../../helpers/harness";
import { FakeAdapter, profileFor } from "../../helpers/platforms";

/**
 * The edge part against FakeAdapter, a stand-in that records workloads and creates none: what it
 * deploys follows the adapter's `floatingAddress` strategy, never the target's name.
 */
const SETTINGS = {
  domain: "group.100do.se",
  parts: ["proxy", "edge"],
  edge: {
    floatingIp: {
      address: "172.16.3.10/16",
      interface: "vxlan100",
      routerId: 51,
      nodes: [
        { name: "eager-franklin", address: "172.16.1.0" },
        { name: "awesome-boyd", address: "172.16.1.1" },
      ],
      image: "registry.lan/keepalived:2.2.7",
    },
  },
};

let rec: Recorder;
let vrrp: FakeAdapter;
let pools: AddressPoolSpec[] = [];
let loadBalancer: FakeAdapter;

before(async () => {
  rec = await startRecorder("test");
  const { Edge } = await import("../../../components/edge/edge");
  const { edgeArgs } = await import("../../../components/stack-args");
  const config = stackConfig({ target: "nomad", ...SETTINGS });
  const parent = await testParent();
  vrrp = new FakeAdapter(profileFor(config));
  new Edge("edge", { ...edgeArgs(config), platform: vrrp }, { parent });
  const profile = profileFor(config);
  loadBalancer = new FakeAdapter(profile, {
    capabilities: { ...profile.capabilities, floatingAddress: "load-balancer" },
  });
  Object.assign(loadBalancer, {
    deployAddressPool: (_name: string, pool: AddressPoolSpec, _opts: DeployOptions) => {
      pools = [...pools, pool];
      return [];
    },
  });
  new Edge("edge-lb", { ...edgeArgs(config), platform: loadBalancer }, { parent });
  await rec.settle();
});

describe("Edge where the adapter holds the address by VRRP", () => {
  it("deploys one keepalived per listed node, pinned to it, in node order", () => {
    assert.deepEqual(
      vrrp.deployed.map((d) => [d.name, d.part, d.workload.placement.constraints]),
      [
        [
          "keepalived-1",
          "edge",
          [{ attribute: "hostname", operator: "==", value: "eager-franklin" }],
        ],
        [
          "keepalived-2",
          "edge",
          [{ attribute: "hostname", operator: "==", value: "awesome-boyd" }],
        ],
      ],
    );
  });

  it("gives it the host network and exactly NET_ADMIN, NET_RAW and SETGID, all else dropped", () => {
    const w = vrrp.workload("keepalived-1");
    assert.equal(w.security.hostNetwork, true);
    assert.deepEqual(w.security.capAdd, ["NET_ADMIN", "NET_RAW", "SETGID"]);
    assert.equal(w.security.dropAllCapabilities, true);
    assert.equal(w.security.privileged, false);
  });

  it("carries each exemption with its reason", () => {
    assert.deepEqual(
      vrrp.workload("keepalived-1").exemptions.map((e) => e.rule),
      [
        "workload-drop-capabilities",
        "workload-network-capabilities",
        "workload-no-host-namespaces",
        "workload-isolated-by-flows",
        "workload-require-health-check",
        "stack-no-single-point-of-failure",
        "workload-spread-across-nodes",
        "workload-run-as-non-root",
        "workload-read-only-root-filesystem",
        "workload-min-replicas",
      ],
    );
  });

  it("renders each node's own configuration: unicast to the other node, priority by order, ping on the health port", async () => {
    const content = (name: string) =>
      new Promise<string>((resolve) =>
        pulumi.output(vrrp.workload(name).files[0].content).apply(resolve),
      );
    const first = await content("keepalived-1");
    const second = await content("keepalived-2");
    assert.match(first, /^\s*priority 200$/m);
    assert.match(second, /^\s*priority 190$/m);
    assert.match(first, /unicast_src_ip 172\.16\.1\.0\n\s*unicast_peer \{\n\s*172\.16\.1\.1\n/);
    assert.match(first, /http:\/\/127\.0\.0\.1:8082\/ping/);
    assert.match(first, /172\.16\.3\.10\/16 dev vxlan100/);
  });
});

describe("Edge where the adapter has a load balancer", () => {
  it("deploys no workload and asks for the one address's pool from the listed nodes", () => {
    assert.deepEqual(loadBalancer.deployed, []);
    assert.deepEqual(pools, [
      {
        ip: "172.16.3.10",
        interface: "vxlan100",
        nodes: ["eager-franklin", "awesome-boyd"],
        namespace: "metallb-system",
      },
    ]);
  });
});

describe("homeport:edge settings", () => {
  it("reports the floating IP's problems before anything is deployed, one line each", () => {
    assert.throws(
      () =>
        stackConfig({
          target: "nomad",
          ...SETTINGS,
          edge: {
            floatingIp: { ...SETTINGS.edge.floatingIp, address: "172.16.3.10", routerId: 256 },
          },
        }),
      {
        message: [
          "The stack configuration has 2 problems; nothing was deployed:",
          '  - homeport:edge.floatingIp.address is "172.16.3.10": has no prefix length. Fix: write the prefix length of the interface\'s network after it, e.g. 172.16.3.10/24.',
          "  - homeport:edge.floatingIp.routerId is 256: is not a VRRP router id. Fix: set a whole number from 1 to 255 that no other VRRP router on this network uses, e.g. 51.",
        ].join("\n"),
      },
    );
  });

  it("refuses the edge part without its setting, and MetalLB's install path", () => {
    assert.throws(
      () => stackConfig({ target: "nomad", domain: "a.example.org", parts: ["proxy", "edge"] }),
      {
        message:
          'The stack configuration has 1 problem; nothing was deployed:\n  - homeport:parts is ["proxy","edge"]: lists edge, but homeport:edge.floatingIp is not set. Fix: set homeport:edge.floatingIp {address, interface, routerId, nodes}, or remove edge from homeport:parts.',
      },
    );
    assert.throws(
      () =>
        stackConfig({
          target: "kubernetes",
          ...SETTINGS,
          edge: { floatingIp: { ...SETTINGS.edge.floatingIp, kubernetes: { metallb: "install" } } },
        }),
      /homeport:edge\.floatingIp\.kubernetes\.metallb is "install": is not available/,
    );
  });
});
