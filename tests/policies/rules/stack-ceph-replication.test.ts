import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { stackCephReplication } from "../../../policies/rules/stack-ceph-replication";
import { KubeObject } from "../../../components/storage/kube-object";
import { renderRookCeph } from "../../../components/storage/rook-ceph";
import { RenderedResource } from "../../helpers/harness";
import { stackViolations } from "../fixtures";

/**
 * The rule on the Rook objects the storage part writes (renderRookCeph, as the Kubernetes adapter
 * deploys them): production's are the compliant fixture; each mutation breaks one of them.
 */
const asResource = (o: KubeObject): RenderedResource => ({
  type: `kubernetes:${o.apiVersion}:${o.kind}`,
  name: o.metadata.name,
  urn: `urn:pulumi:test::homeport::${o.kind}::${o.metadata.name}`,
  parent: null,
  custom: true,
  inputs: structuredClone(o) as Record<string, unknown>,
  dependsOn: [],
  additionalSecretOutputs: [],
  protect: false,
  retainOnDelete: false,
  deleteBeforeReplace: false,
});
const rook = (environment: "dev" | "production") => renderRookCeph({ environment }).map(asResource);
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;
const mutated = (kind: string, name: string, mutate: (p: Json) => void) =>
  rook("production").map((r) => {
    if (!r.type.endsWith(`:${kind}`) || r.name !== name) return r;
    mutate(r.inputs);
    return r;
  });

describe("stack-ceph-replication", () => {
  it("reports nothing on production's Rook objects (3 monitors, 3 copies)", () => {
    assert.deepEqual(stackViolations(stackCephReplication, rook("production")), []);
  });

  it("reports nothing where the stack runs no Ceph (Swarm, Nomad, an existing cluster)", () => {
    assert.deepEqual(stackViolations(stackCephReplication, []), []);
  });

  it("an even number of monitors", () => {
    const resources = mutated("CephCluster", "homeport-ceph", (p) => (p.spec.mon.count = 4));
    assert.deepEqual(stackViolations(stackCephReplication, resources), [
      'CephCluster "homeport-ceph" runs 4 monitor(s): run an odd number, at least 3.',
    ]);
  });

  it("a block pool of two copies", () => {
    const resources = mutated(
      "CephBlockPool",
      "homeport-block",
      (p) => (p.spec.replicated.size = 2),
    );
    assert.deepEqual(stackViolations(stackCephReplication, resources), [
      'CephBlockPool "homeport-block" keeps 2 copies of its data: keep at least 3.',
    ]);
  });

  it("a file system's data pool of one copy", () => {
    const resources = mutated(
      "CephFilesystem",
      "homeport",
      (p) => (p.spec.dataPools[0].replicated.size = 1),
    );
    assert.deepEqual(stackViolations(stackCephReplication, resources), [
      'CephFilesystem "homeport" keeps 1 copy of data pool data: keep at least 3.',
    ]);
  });

  it("dev's one monitor and one copy, which dev.json disables the rule for", () => {
    assert.deepEqual(stackViolations(stackCephReplication, rook("dev")), [
      'CephCluster "homeport-ceph" runs 1 monitor(s): run an odd number, at least 3.',
      'CephBlockPool "builtin-mgr" keeps 1 copy of its data: keep at least 3.',
      'CephBlockPool "homeport-block" keeps 1 copy of its data: keep at least 3.',
      'CephFilesystem "homeport" keeps 1 copy of its metadata: keep at least 3.',
      'CephFilesystem "homeport" keeps 1 copy of data pool data: keep at least 3.',
    ]);
  });

  it("takes its thresholds from the pack config", () => {
    assert.deepEqual(
      stackViolations(stackCephReplication, rook("production"), { minReplicas: 4, minMonitors: 5 }),
      [
        'CephCluster "homeport-ceph" runs 3 monitor(s): run an odd number, at least 5.',
        'CephBlockPool "builtin-mgr" keeps 3 copies of its data: keep at least 4.',
        'CephBlockPool "homeport-block" keeps 3 copies of its data: keep at least 4.',
        'CephFilesystem "homeport" keeps 3 copies of its metadata: keep at least 4.',
        'CephFilesystem "homeport" keeps 3 copies of data pool data: keep at least 4.',
      ],
    );
  });
});
