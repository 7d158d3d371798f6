import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { Recorder, resource, stackConfig, startRecorder } from "../../helpers/harness";

/**
 * The edge part and the proxy behind an upstream on the real Kubernetes adapter (recorded, not
 * deployed): MetalLB's pool and advertisement, the LoadBalancer Service asking for the address,
 * routes on the named entry points without TLS.
 */
type Inputs = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

let rec: Recorder;

before(async () => {
  rec = await startRecorder("test");
  const { Platform } = await import("../../../components/platform");
  const config = stackConfig({
    target: "kubernetes",
    domain: "group.100do.se",
    parts: ["proxy", "edge"],
    kubernetes: { namespace: "edge" },
    proxy: {
      entryPoints: { node: { port: 8080 }, group: { port: 8081, on: "floatingIp" } },
      behindProxy: { trustedIPs: ["172.16.0.0/16"] },
    },
    edge: {
      floatingIp: {
        address: "172.16.3.10/16",
        interface: "vxlan100",
        routerId: 51,
        nodes: [
          { name: "eager-franklin", address: "172.16.1.0" },
          { name: "awesome-boyd", address: "172.16.1.1" },
        ],
      },
    },
  });
  new Platform("homeport", { config });
  await rec.settle();
});

const METALLB = "kubernetes:metallb.io/v1beta1";

describe("edge on Kubernetes", () => {
  it("adds MetalLB's pool of the one address and its advertisement from the listed nodes", () => {
    const pool = resource(
      rec,
      "kubernetes:metallb.io/v1beta1:IPAddressPool",
      "edge-floating-ip-pool",
    ).inputs as Inputs;
    assert.deepEqual(pool.metadata.namespace, "metallb-system");
    assert.deepEqual(pool.spec, { addresses: ["172.16.3.10/32"], autoAssign: false });
    const l2 = resource(rec, `${METALLB}:L2Advertisement`, "edge-floating-ip-l2").inputs as Inputs;
    assert.deepEqual(l2.spec.interfaces, ["vxlan100"]);
    assert.deepEqual(l2.spec.nodeSelectors[0].matchExpressions[0].values, [
      "eager-franklin",
      "awesome-boyd",
    ]);
  });

  it("gives the proxy's LoadBalancer Service the address, the named ports and no ping", () => {
    const svc = resource(rec, "kubernetes:core/v1:Service", "traefik-public").inputs as Inputs;
    assert.equal(svc.metadata.annotations["metallb.io/loadBalancerIPs"], "172.16.3.10");
    assert.equal(svc.spec.type, "LoadBalancer");
    assert.equal(svc.spec.externalTrafficPolicy, "Local");
    assert.deepEqual(
      svc.spec.ports.map((p: Inputs) => [p.name, p.port]),
      [
        ["node", 8080],
        ["group", 8081],
      ],
    );
  });

  it("serves the dashboard's route on the named entry points, without TLS", () => {
    const route = resource(
      rec,
      "kubernetes:traefik.io/v1alpha1:IngressRoute",
      "traefik-ingressroute",
    ).inputs as Inputs;
    assert.deepEqual(route.spec.entryPoints, ["node", "group"]);
    assert.equal(route.spec.tls, undefined);
  });
});
