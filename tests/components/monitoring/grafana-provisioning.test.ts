import assert from "node:assert/strict";
import * as fs from "node:fs";
import { describe, it } from "node:test";
import * as yaml from "js-yaml";
import {
  loadDashboards,
  renderDashboardProviders,
  renderDatasources,
} from "../../../components/monitoring/grafana-provisioning";
import { writeTree } from "./check-tools";

describe("Grafana provisioning", () => {
  it("provisions Prometheus as the read-only default data source, its address from the environment", () => {
    assert.deepEqual(yaml.load(renderDatasources()), {
      apiVersion: 1,
      datasources: [
        {
          name: "Prometheus",
          uid: "prometheus",
          type: "prometheus",
          access: "proxy",
          url: "http://${PROMETHEUS_ADDRESS}",
          isDefault: true,
          editable: false,
        },
      ],
    });
  });

  it("loads our dashboards from the repository into a folder that the UI cannot change", () => {
    const provider = (
      yaml.load(renderDashboardProviders()) as { providers: Record<string, unknown>[] }
    ).providers[0];
    assert.deepEqual(provider.options, { path: "/etc/grafana/dashboards" });
    assert.equal(provider.allowUiUpdates, false);
    const dashboards = loadDashboards();
    assert.deepEqual(
      dashboards.map((d) => d.name),
      ["containers", "hosts", "reverse-proxy"],
    );
    for (const d of dashboards) {
      const parsed = JSON.parse(d.json) as {
        uid: string;
        panels: { datasource?: { uid?: string }; targets?: { expr: string }[] }[];
      };
      assert.equal(parsed.uid, `homeport-${d.name}`);
      assert.ok(parsed.panels.length >= 5, d.name);
      for (const panel of parsed.panels) {
        assert.equal(
          panel.datasource?.uid,
          "prometheus",
          `${d.name}: a panel without our data source`,
        );
        assert.ok((panel.targets ?? []).every((t) => t.expr.length > 0));
      }
    }
  });

  it("names the dashboard file that is not valid JSON", () => {
    const dir = writeTree({ "broken.json": "{ not json" });
    try {
      assert.throws(() => loadDashboards(dir), /^Error: Dashboard broken\.json is not valid JSON/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
