import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import { POLICIES } from "../../policies/lib/catalogue";
import { docsTable } from "../../policies/lib/docs-table";

const root = path.resolve(__dirname, "..", "..");
const readJson = (file: string) =>
  JSON.parse(fs.readFileSync(path.join(root, file), "utf8")) as Record<string, unknown>;

describe("policy pack metadata", () => {
  it("has these rules, with these severities, in this order", () => {
    assert.deepEqual(
      POLICIES.map((p) => [p.name, p.severity, p.kind]),
      [
        ["workload-require-health-check", "high", "resource"],
        ["workload-require-readiness", "high", "resource"],
        ["workload-image-pinned", "high", "resource"],
        ["workload-require-resource-requests", "medium", "resource"],
        ["workload-require-memory-limit", "medium", "resource"],
        ["workload-min-replicas", "high", "resource"],
        ["workload-require-disruption-budget", "medium", "stack"],
        ["workload-spread-across-nodes", "medium", "resource"],
        ["workload-bounded-restart", "medium", "resource"],
        ["workload-rollback-on-failure", "medium", "resource"],
        ["workload-stateful-persistent-storage", "high", "resource"],
        ["workload-sqlite-not-on-network-fs", "high", "stack"],
        ["workload-no-privileged", "critical", "resource"],
        ["workload-no-privilege-escalation", "high", "resource"],
        ["workload-drop-capabilities", "medium", "resource"],
        ["workload-network-capabilities", "high", "resource"],
        ["workload-no-host-namespaces", "high", "resource"],
        ["workload-isolated-by-flows", "high", "stack"],
        ["workload-no-host-ports", "medium", "resource"],
        ["workload-docker-socket-restricted", "high", "resource"],
        ["workload-no-sensitive-host-paths", "high", "resource"],
        ["workload-secrets-not-in-env", "high", "resource"],
        ["workload-read-only-root-filesystem", "medium", "resource"],
        ["workload-run-as-non-root", "high", "resource"],
        ["workload-liveness-local", "high", "resource"],
        ["workload-per-node-priority", "medium", "resource"],
        ["route-require-tls", "medium", "resource"],
        ["service-no-external-exposure", "medium", "resource"],
        ["stack-no-single-point-of-failure", "high", "stack"],
        ["stack-quorum-odd-members", "high", "stack"],
        ["stack-dashboards-require-auth", "high", "stack"],
        ["stack-vrrp-router-ids", "high", "stack"],
        ["stack-ceph-replication", "high", "stack"],
        ["stack-shared-not-on-local", "high", "stack"],
      ],
    );
  });

  it("gives every rule a kebab-case name, a one-line description and a meaning per target", () => {
    for (const p of POLICIES) {
      assert.match(p.name, /^[a-z]+(-[a-z0-9]+)+$/, p.name);
      assert.match(p.description, /^[A-Z][^\n]{10,110}\.$/, `${p.name}: ${p.description}`);
      for (const target of ["swarm", "kubernetes", "nomad"] as const)
        assert.ok(p.docs[target].length > 10, `${p.name} says nothing for ${target}`);
      assert.ok(p.docs.catalogue.length > 0, `${p.name} names no catalogue entry`);
    }
  });

  it("gives every threshold a default in the config schema", () => {
    for (const p of POLICIES)
      for (const [key, schema] of Object.entries(p.configSchema?.properties ?? {}))
        assert.notEqual((schema as { default?: unknown }).default, undefined, `${p.name}.${key}`);
  });

  it("uses the rule names the adapters already write as exemptions", () => {
    const names = POLICIES.map((p) => p.name);
    for (const rule of [
      "workload-min-replicas",
      "workload-no-sensitive-host-paths",
      "workload-docker-socket-restricted",
    ])
      assert.ok(names.includes(rule), rule);
  });

  it("documents exactly these rules in docs/policies.md", () => {
    const docs = fs.readFileSync(path.join(root, "docs", "policies.md"), "utf8");
    assert.ok(docs.includes(docsTable(POLICIES)), "regenerate the rule table of docs/policies.md");
  });

  it("sets every rule advisory in dev, except the production-only stack rules", () => {
    const dev = readJson("policies/config/dev.json");
    assert.deepEqual(
      Object.keys(dev),
      POLICIES.map((p) => p.name),
    );
    assert.deepEqual(
      Object.entries(dev).filter(([, level]) => level !== "advisory"),
      [
        ["stack-no-single-point-of-failure", "disabled"],
        ["stack-quorum-odd-members", "disabled"],
        // Dev runs one Ceph monitor and one copy, on one node, on purpose.
        ["stack-ceph-replication", "disabled"],
        ["stack-shared-not-on-local", "disabled"],
      ],
    );
  });

  it("sets every rule mandatory in production, with the Ceph thresholds", () => {
    const production = readJson("policies/config/production.json");
    assert.deepEqual(
      production,
      Object.fromEntries(
        POLICIES.map((p) => [
          p.name,
          p.name === "stack-ceph-replication"
            ? { enforcementLevel: "mandatory", minReplicas: 3, minMonitors: 3 }
            : "mandatory",
        ]),
      ),
    );
  });

  it("reads the pack version from its package.json", () => {
    const pkg = readJson("policies/package.json");
    assert.equal(pkg.name, "homeport-policies");
    assert.match(String(pkg.version), /^\d+\.\d+\.\d+$/);
  });
});
