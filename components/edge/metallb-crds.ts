/**
 * Minimal CustomResourceDefinitions for the two MetalLB kinds the floating IP uses, written for
 * this project: a schema of exactly the fields `metallbObjects` sets, so a kube-apiserver without
 * MetalLB installed can still check those objects (strict field validation rejects any other
 * field). When MetalLB is installed, its own CRDs (metallb/metallb config/crd/bases) replace
 * these; the names, group, version and scope match theirs.
 */
import { METALLB_API_VERSION } from "./metallb";

const [GROUP, VERSION] = METALLB_API_VERSION.split("/");

type Schema = Readonly<Record<string, unknown>>;

const string: Schema = { type: "string", minLength: 1 };
const stringList: Schema = { type: "array", minItems: 1, items: string };

function crd(kind: string, plural: string, spec: Schema) {
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: `${plural}.${GROUP}` },
    spec: {
      group: GROUP,
      names: { kind, listKind: `${kind}List`, plural, singular: kind.toLowerCase() },
      scope: "Namespaced",
      versions: [
        {
          name: VERSION,
          served: true,
          storage: true,
          schema: {
            openAPIV3Schema: {
              type: "object",
              required: ["spec"],
              properties: {
                apiVersion: { type: "string" },
                kind: { type: "string" },
                metadata: { type: "object" },
                spec,
              },
            },
          },
        },
      ],
    },
  };
}

export type CustomResourceDefinition = ReturnType<typeof crd>;

/** IPAddressPool: the addresses (CIDR prefixes or start-end ranges) and whether any Service may get them. */
export const IP_ADDRESS_POOL_CRD = crd("IPAddressPool", "ipaddresspools", {
  type: "object",
  required: ["addresses"],
  properties: {
    addresses: stringList,
    autoAssign: { type: "boolean" },
  },
});

/** L2Advertisement: which pools, from which interfaces, from which nodes. */
export const L2_ADVERTISEMENT_CRD = crd("L2Advertisement", "l2advertisements", {
  type: "object",
  properties: {
    ipAddressPools: stringList,
    interfaces: stringList,
    nodeSelectors: {
      type: "array",
      items: {
        type: "object",
        properties: {
          matchExpressions: {
            type: "array",
            items: {
              type: "object",
              required: ["key", "operator"],
              properties: {
                key: string,
                operator: { type: "string", enum: ["In", "NotIn", "Exists", "DoesNotExist"] },
                values: { type: "array", items: { type: "string" } },
              },
            },
          },
          matchLabels: { type: "object", additionalProperties: { type: "string" } },
        },
      },
    },
  },
});

export const METALLB_CRDS: readonly CustomResourceDefinition[] = [
  IP_ADDRESS_POOL_CRD,
  L2_ADVERTISEMENT_CRD,
];
