import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ConfigError, parseStackConfig } from "../../../components/config/load";
import { SECRET_SETTINGS } from "../../../components/config/schema";

const base = { "homeport:target": "swarm", "homeport:domain": "home.example.org" };

const withMonitoring = (monitoring: unknown, secret = true) => ({
  raw: { ...base, "homeport:monitoring": JSON.stringify(monitoring) },
  secretKeys: new Set(secret ? ["homeport:monitoring"] : []),
});

function problems(monitoring: unknown, secret = true): readonly string[] {
  const { raw, secretKeys } = withMonitoring(monitoring, secret);
  try {
    parseStackConfig(raw, secretKeys);
    return [];
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${String(err)}`);
    return err.problems;
  }
}

describe("homeport:monitoring settings", () => {
  it("defaults to 15 days of retention, a 20Gi TSDB, 30s scrapes, no receiver and TargetDown after 5m", () => {
    const config = parseStackConfig(base);
    assert.equal(config.monitoring.retention, "15d");
    assert.equal(config.monitoring.storageSize, "20Gi");
    assert.equal(config.monitoring.scrapeInterval, "30s");
    assert.deepEqual(config.monitoring.alerting, { receiver: "none", targetDownFor: "5m" });
    assert.equal(config.monitoring.grafanaAdminUser, "admin");
    assert.equal(config.monitoring.uiUsers, undefined);
    assert.equal(config.monitoring.dockerGroupId, 999);
    assert.deepEqual(config.monitoring.images, {});
  });

  it("accepts each receiver with its settings", () => {
    for (const alerting of [
      { receiver: "webhook", webhook: { url: "https://hooks.example.org/x" } },
      {
        receiver: "email",
        email: {
          to: "ops@example.org",
          from: "alerts@example.org",
          smarthost: "smtp.example.org:587",
          username: "alerts",
          password: "pw",
        },
      },
      { receiver: "slack", slack: { apiUrl: "https://hooks.slack.example/T", channel: "#alerts" } },
    ]) {
      assert.deepEqual(problems({ alerting }), [], JSON.stringify(alerting));
    }
  });

  it("lists every credential among the settings that must be stored as secrets", () => {
    for (const path of [
      "monitoring.alerting.webhook.url",
      "monitoring.alerting.email.password",
      "monitoring.alerting.slack.apiUrl",
      "monitoring.alerting.watchdogUrl",
      "monitoring.uiUsers",
    ]) {
      assert.ok(SECRET_SETTINGS.includes(path), path);
    }
  });

  const cases: [string, unknown, string[]][] = [
    [
      "a retention without a unit",
      { retention: "15" },
      [
        'homeport:monitoring.retention is "15": has the wrong format. Fix: write a Prometheus duration longer than 0, such as "15d", "4w" or "720h".',
      ],
    ],
    [
      "a storage size without a unit",
      { storageSize: "20" },
      [
        'homeport:monitoring.storageSize is "20": has the wrong format. Fix: write a size such as "20Gi" or "500Gi".',
      ],
    ],
    [
      "an unknown receiver",
      { alerting: { receiver: "pager" } },
      [
        'homeport:monitoring.alerting.receiver is "pager": must be one of none, webhook, email, slack. Fix: set it to none, webhook, email or slack, and add the settings of that receiver under homeport:monitoring.alerting.',
      ],
    ],
    [
      "a receiver without its settings",
      { alerting: { receiver: "slack" } },
      [
        'homeport:monitoring.alerting.receiver is "slack": names slack, but homeport:monitoring.alerting.slack is not set. Fix: set it to none, webhook, email or slack, and add the settings of that receiver under homeport:monitoring.alerting.',
      ],
    ],
    [
      "an SMTP password without a user",
      {
        alerting: {
          receiver: "email",
          email: {
            to: "ops@example.org",
            from: "alerts@example.org",
            smarthost: "smtp.example.org:587",
            password: "pw",
          },
        },
      },
      [
        "homeport:monitoring.alerting.email.password is [secret]: is set without homeport:monitoring.alerting.email.username. Fix: set homeport:monitoring.alerting.email.username too, or remove the password.",
      ],
    ],
    [
      "a smarthost without a port",
      {
        alerting: {
          receiver: "email",
          email: { to: "ops@example.org", from: "alerts@example.org", smarthost: "smtp" },
        },
      },
      [
        'homeport:monitoring.alerting.email.smarthost is "smtp": has the wrong format. Fix: set the SMTP relay as host:port, e.g. smtp.example.org:587.',
      ],
    ],
    [
      "a TargetDown delay of zero",
      { alerting: { targetDownFor: "0s" } },
      [
        'homeport:monitoring.alerting.targetDownFor is "0s": must be longer than 0. Fix: write a Prometheus duration longer than 0, such as "5m" or "90s".',
      ],
    ],
    [
      "an unpinned image",
      { images: { grafana: "grafana/grafana:latest" } },
      [
        'homeport:monitoring.images.grafana is "grafana/grafana:latest": is not pinned to a version. Fix: give a pinned image reference, e.g. prom/prometheus:v3.5.0.',
      ],
    ],
    [
      "a Nomad address that is not a URL",
      { nomadAddress: "nomad:4646" },
      [
        'homeport:monitoring.nomadAddress is "nomad:4646": is not an http:// or https:// URL with a host. Fix: set it to the Nomad HTTP API address as tasks reach it, e.g. http://10.0.0.10:4646.',
      ],
    ],
    [
      "a docker group id that is not a number",
      { dockerGroupId: "docker" },
      [
        'homeport:monitoring.dockerGroupId is "docker": must be a number, not a string. Fix: set the docker group\'s id on the managers, shown by: getent group docker.',
      ],
    ],
  ];
  for (const [what, monitoring, expected] of cases) {
    it(`rejects ${what} with one clear message`, () => {
      assert.deepEqual(problems(monitoring), expected);
    });
  }

  it("refuses a webhook URL stored in plain text", () => {
    assert.deepEqual(
      problems(
        { alerting: { receiver: "webhook", webhook: { url: "https://x.example/h" } } },
        false,
      ),
      [
        "homeport:monitoring.alerting.webhook.url is stored in plain text. Fix: store it encrypted with: pulumi config set --secret --path homeport:monitoring.alerting.webhook.url <value>.",
      ],
    );
  });
});
