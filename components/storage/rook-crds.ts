/**
 * Minimal CustomResourceDefinitions for the Rook kinds homeport writes (CephCluster,
 * CephBlockPool, CephFilesystem in ceph.rook.io/v1), with an openAPI schema of exactly the fields
 * rook-ceph.ts sets, so that an API server can check those objects where Rook is not installed
 * (tests, offline validation). Written for homeport, not taken from Rook: a cluster that runs
 * Rook uses the CRDs Rook's operator installs, which accept every field here.
 */
import { KubeObject, storageLabels } from "./kube-object";

type Schema = Record<string, unknown>;

const str: Schema = { type: "string", minLength: 1 };
const bool: Schema = { type: "boolean" };
const int = (minimum: number, maximum?: number): Schema => ({
  type: "integer",
  minimum,
  ...(maximum === undefined ? {} : { maximum }),
});
const obj = (properties: Record<string, Schema>, required: string[] = []): Schema => ({
  type: "object",
  properties,
  ...(required.length ? { required } : {}),
});
const list = (items: Schema): Schema => ({ type: "array", items });

const replicated = obj({ size: int(1, 9), requireSafeReplicaSize: bool }, ["size"]);
const failureDomain: Schema = { type: "string", enum: ["osd", "host", "rack", "zone"] };

const SPECS: Record<"CephCluster" | "CephBlockPool" | "CephFilesystem", Schema> = {
  CephCluster: obj(
    {
      cephVersion: obj({ image: str }, ["image"]),
      dataDirHostPath: { type: "string", pattern: "^/" },
      // Ceph wants an odd number of monitors; Rook allows at most nine.
      mon: obj({ count: int(1, 9), allowMultiplePerNode: bool }, ["count"]),
      mgr: obj({ count: int(1, 5), allowMultiplePerNode: bool }),
      storage: obj({
        useAllNodes: bool,
        useAllDevices: bool,
        nodes: list(obj({ name: str, devices: list(obj({ name: str }, ["name"])) }, ["name"])),
      }),
      disruptionManagement: obj({ managePodBudgets: bool }),
      cephConfig: {
        type: "object",
        additionalProperties: { type: "object", additionalProperties: { type: "string" } },
      },
    },
    ["cephVersion", "dataDirHostPath", "mon"],
  ),
  CephBlockPool: obj({ name: str, failureDomain, replicated }, ["replicated"]),
  CephFilesystem: obj(
    {
      metadataPool: obj({ replicated }, ["replicated"]),
      dataPools: {
        ...list(obj({ name: str, failureDomain, replicated }, ["replicated"])),
        minItems: 1,
      },
      preserveFilesystemOnDelete: bool,
      metadataServer: obj({ activeCount: int(1, 50), activeStandby: bool }, ["activeCount"]),
    },
    ["metadataPool", "dataPools", "metadataServer"],
  ),
};

/** The three CRDs, cluster-scoped objects to create before any Rook object. */
export function renderRookCrds(): KubeObject[] {
  return (Object.keys(SPECS) as (keyof typeof SPECS)[]).map((kind) => {
    const plural = `${kind.toLowerCase()}s`;
    return {
      apiVersion: "apiextensions.k8s.io/v1",
      kind: "CustomResourceDefinition",
      metadata: { name: `${plural}.ceph.rook.io`, labels: storageLabels("rook-ceph-crds") },
      spec: {
        group: "ceph.rook.io",
        scope: "Namespaced",
        names: { kind, plural, singular: kind.toLowerCase(), listKind: `${kind}List` },
        versions: [
          {
            name: "v1",
            served: true,
            storage: true,
            schema: { openAPIV3Schema: obj({ spec: SPECS[kind] }, ["spec"]) },
          },
        ],
      },
    };
  });
}
