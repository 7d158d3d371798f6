import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { TEST_CERT_PEM } from "../../helpers/certs";
import { Recorder, resource, stackConfig, startRecorder } from "../../helpers/harness";

/**
 * The edge part on the real Swarm adapter (recorded, not deployed): keepalived services on the
 * host network with only their capabilities, pinned to their nodes, and Traefik's ports published
 * on the nodes themselves although the stack's publish mode is the routing mesh.
 */
type Inputs = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

let rec: Recorder;

before(async () => {
  rec = await startRecorder("test");
  const { Platform } = await import("../../../components/platform");
  const config = stackConfig(
    {
      target: "swarm",
      domain: "home.example.org",
      parts: ["proxy", "edge"],
      sizes: { proxy: 2 },
      proxy: {
        certificate: {
          cert: TEST_CERT_PEM,
          key: "k",
        },
      },
      edge: {
        floatingIp: {
          address: "172.16.3.10/16",
          interface: "vxlan100",
          routerId: 51,
          nodes: [
            { name: "node-1", address: "172.16.1.1" },
            { name: "node-2", address: "172.16.1.2" },
          ],
          image: "registry.lan/keepalived:2.2.7",
        },
      },
    },
    ["proxy"],
  );
  new Platform("homeport", { config });
  await rec.settle();
});

const SERVICE = "docker:index/service:Service";

describe("edge on Swarm", () => {
  it("runs keepalived on the host network with NET_ADMIN, NET_RAW and SETGID only, pinned to its node", () => {
    const spec = resource(rec, SERVICE, "keepalived-2").inputs as Inputs;
    assert.deepEqual(spec.taskSpec.networksAdvanceds, [{ name: "host" }]);
    assert.deepEqual(spec.taskSpec.containerSpec.capAdds, ["NET_ADMIN", "NET_RAW", "SETGID"]);
    assert.deepEqual(spec.taskSpec.containerSpec.capDrops, ["ALL"]);
    assert.deepEqual(spec.taskSpec.placement.constraints, ["node.hostname==node-2"]);
  });

  it("publishes Traefik's ports and its ping in host mode", () => {
    const spec = resource(rec, SERVICE, "traefik").inputs as Inputs;
    assert.deepEqual(
      spec.endpointSpec.ports.map((p: Inputs) => [p.name, p.publishedPort, p.publishMode]),
      [
        ["web", 80, "host"],
        ["websecure", 443, "host"],
        ["ping", 8082, "host"],
      ],
    );
  });
});
