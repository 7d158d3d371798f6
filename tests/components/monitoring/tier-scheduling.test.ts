import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ConfigError } from "../../../components/config/load";
import { tierScheduling } from "../../../components/monitoring/tier-scheduling";
import { stackConfig } from "../../helpers/harness";

const config = (sizes: Record<string, number>) =>
  stackConfig({ target: "swarm", domain: "home.example.org", sizes });

describe("monitoring sizes", () => {
  it("runs one copy, recorded as a singleton with its reason, when the size is unset or 1", () => {
    for (const sizes of [{}, { grafana: 1 }] as Record<string, number>[]) {
      assert.deepEqual(tierScheduling(config(sizes).sizes.grafana, "grafana", "SQLite", false), {
        mode: "singleton",
        reason: "SQLite",
      });
    }
  });

  it("runs HA twins of Prometheus, and keeps a size of 0 as 0", () => {
    assert.deepEqual(
      tierScheduling(config({ prometheus: 2 }).sizes.prometheus, "prometheus", "TSDB", true),
      {
        mode: "replicated",
        replicas: 2,
      },
    );
    assert.deepEqual(
      tierScheduling(config({ prometheus: 0 }).sizes.prometheus, "prometheus", "TSDB", true),
      {
        mode: "replicated",
        replicas: 0,
      },
    );
  });

  it("refuses several copies of a tier that cannot scale, naming the setting and the fix", () => {
    assert.throws(
      () =>
        tierScheduling(
          config({ grafana: 3 }).sizes.grafana,
          "grafana",
          "users, preferences and sessions live in one SQLite database",
          false,
        ),
      (err: unknown) =>
        err instanceof ConfigError &&
        err.problems.length === 1 &&
        err.problems[0] ===
          "homeport:sizes.grafana is 3: it runs exactly one copy (users, preferences and sessions live in one SQLite database). Fix: remove it or set it to 1.",
    );
  });
});
