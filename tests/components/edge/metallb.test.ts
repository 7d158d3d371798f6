import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { loadBalancerServiceFields, metallbObjects } from "../../../components/edge/metallb";
import {
  IP_ADDRESS_POOL_CRD,
  L2_ADVERTISEMENT_CRD,
  METALLB_CRDS,
} from "../../../components/edge/metallb-crds";
import { FLOATING_IP } from "./fixtures";

const objects = metallbObjects({ floatingIp: FLOATING_IP, name: "homeport-edge" });

describe("MetalLB objects", () => {
  it("puts the one address in a pool that no other Service can take", () => {
    assert.deepEqual(objects.pool, {
      apiVersion: "metallb.io/v1beta1",
      kind: "IPAddressPool",
      metadata: { name: "homeport-edge", namespace: "metallb-system", labels: {} },
      spec: { addresses: ["172.16.3.10/32"], autoAssign: false },
    });
  });

  it("advertises it on the interface from the listed nodes only", () => {
    assert.deepEqual(objects.advertisement, {
      apiVersion: "metallb.io/v1beta1",
      kind: "L2Advertisement",
      metadata: { name: "homeport-edge", namespace: "metallb-system", labels: {} },
      spec: {
        ipAddressPools: ["homeport-edge"],
        interfaces: ["vxlan100"],
        nodeSelectors: [
          {
            matchExpressions: [
              {
                key: "kubernetes.io/hostname",
                operator: "In",
                values: ["eager-franklin", "gracious-raman"],
              },
            ],
          },
        ],
      },
    });
  });

  it("takes another namespace and labels", () => {
    const other = metallbObjects({
      floatingIp: FLOATING_IP,
      name: "vip",
      namespace: "lb",
      labels: { "app.kubernetes.io/part-of": "homeport" },
    });
    assert.deepEqual(other.pool.metadata, {
      name: "vip",
      namespace: "lb",
      labels: { "app.kubernetes.io/part-of": "homeport" },
    });
  });

  it("asks for the address on the proxy's Service with MetalLB's current annotation", () => {
    assert.deepEqual(loadBalancerServiceFields(FLOATING_IP), {
      type: "LoadBalancer",
      annotations: { "metallb.io/loadBalancerIPs": "172.16.3.10" },
      externalTrafficPolicy: "Local",
    });
  });
});

type Props = { properties?: Record<string, Props>; items?: Props };

/** Every field path an object sets, e.g. "spec.nodeSelectors[].matchExpressions[].key". */
function paths(value: unknown, prefix = ""): string[] {
  if (Array.isArray(value)) return value.flatMap((v) => paths(v, `${prefix}[]`));
  if (value !== null && typeof value === "object") {
    return Object.entries(value).flatMap(([k, v]) => paths(v, prefix ? `${prefix}.${k}` : k));
  }
  return [prefix];
}

/** Every field path a schema declares, to the same notation. */
function schemaPaths(schema: Props, prefix = ""): string[] {
  if (schema.items) return schemaPaths(schema.items, `${prefix}[]`);
  if (!schema.properties) return [prefix];
  return Object.entries(schema.properties).flatMap(([k, v]) =>
    schemaPaths(v, prefix ? `${prefix}.${k}` : k),
  );
}

describe("MetalLB CRDs (our own, minimal)", () => {
  it("match MetalLB's group, names, version and scope", () => {
    assert.deepEqual(
      METALLB_CRDS.map((c) => [
        c.metadata.name,
        c.spec.group,
        c.spec.names.kind,
        c.spec.scope,
        c.spec.versions[0].name,
      ]),
      [
        ["ipaddresspools.metallb.io", "metallb.io", "IPAddressPool", "Namespaced", "v1beta1"],
        ["l2advertisements.metallb.io", "metallb.io", "L2Advertisement", "Namespaced", "v1beta1"],
      ],
    );
  });

  it("declare every spec field the objects set", () => {
    for (const [crd, object] of [
      [IP_ADDRESS_POOL_CRD, objects.pool],
      [L2_ADVERTISEMENT_CRD, objects.advertisement],
    ] as const) {
      const declared = new Set(schemaPaths(crd.spec.versions[0].schema.openAPIV3Schema as Props));
      const missing = paths({ spec: object.spec }).filter((p) => !declared.has(p));
      assert.deepEqual(missing, [], crd.metadata.name);
    }
  });
});
