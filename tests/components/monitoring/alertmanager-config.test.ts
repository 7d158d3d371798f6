import assert from "node:assert/strict";
import * as fs from "node:fs";
import { after, before, describe, it } from "node:test";
import * as yaml from "js-yaml";
import {
  alertmanagerConfig,
  AlertmanagerConfigOptions,
  renderAlertmanagerConfig,
} from "../../../components/monitoring/alertmanager-config";
import { checkToolsMissing, requireTool, runTool, writeTree } from "./check-tools";

const RECEIVERS: Record<string, AlertmanagerConfigOptions> = {
  none: { receiver: { kind: "none" } },
  webhook: {
    receiver: { kind: "webhook", url: "https://hooks.example.org/alerts?token=t0k3n" },
    watchdogUrl: "https://deadman.example.org/ping/abc",
  },
  email: {
    receiver: {
      kind: "email",
      to: "ops@example.org",
      from: "alerts@example.org",
      smarthost: "smtp.example.org:587",
      username: "alerts",
      password: "smtp-pass",
      requireTls: true,
    },
  },
  slack: {
    receiver: {
      kind: "slack",
      apiUrl: "https://hooks.slack.example/services/T/B/X",
      channel: "#alerts",
    },
  },
};

type Config = {
  route: { receiver: string; routes: { receiver: string; matchers: string[] }[] };
  receivers: Record<string, unknown>[];
  inhibit_rules: Record<string, unknown>[];
};

describe("Alertmanager configuration", () => {
  it("sends every alert to the configured receiver and the Watchdog to its own", () => {
    const config = alertmanagerConfig(RECEIVERS.webhook) as unknown as Config;
    assert.equal(config.route.receiver, "default");
    assert.deepEqual(config.route.routes[0].matchers, ['alertname="Watchdog"']);
    assert.equal(config.route.routes[0].receiver, "watchdog");
    assert.deepEqual(config.receivers, [
      {
        name: "default",
        webhook_configs: [
          { url: "https://hooks.example.org/alerts?token=t0k3n", send_resolved: true },
        ],
      },
      {
        name: "watchdog",
        webhook_configs: [{ url: "https://deadman.example.org/ping/abc", send_resolved: false }],
      },
    ]);
  });

  it("drops the Watchdog without a dead man's switch, and keeps alerts in the UI without a receiver", () => {
    const config = alertmanagerConfig(RECEIVERS.none) as unknown as Config;
    assert.deepEqual(config.receivers, [{ name: "default" }, { name: "watchdog" }]);
  });

  it("writes the SMTP credentials and TLS requirement of the email receiver", () => {
    const config = alertmanagerConfig(RECEIVERS.email) as unknown as Config;
    assert.deepEqual(config.receivers[0], {
      name: "default",
      email_configs: [
        {
          to: "ops@example.org",
          from: "alerts@example.org",
          smarthost: "smtp.example.org:587",
          require_tls: true,
          send_resolved: true,
          auth_username: "alerts",
          auth_password: "smtp-pass",
        },
      ],
    });
  });

  it("lets a node-down alert silence the target-down alerts of that node", () => {
    const config = alertmanagerConfig(RECEIVERS.none) as unknown as Config;
    assert.deepEqual(config.inhibit_rules[0], {
      source_matchers: ['alertname="NodeDown"'],
      target_matchers: ['alertname="TargetDown"'],
      equal: ["node"],
    });
  });
});

describe("amtool check-config on the rendered configuration", { skip: checkToolsMissing }, () => {
  let amtool: string;
  const dirs: string[] = [];
  before(() => {
    amtool = requireTool("amtool");
  });
  after(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

  for (const [name, opts] of Object.entries(RECEIVERS)) {
    it(`accepts the configuration with the ${name} receiver`, () => {
      const text = renderAlertmanagerConfig(opts);
      assert.deepEqual(yaml.load(text), alertmanagerConfig(opts));
      const dir = writeTree({ "alertmanager.yml": text });
      dirs.push(dir);
      const result = runTool(amtool, ["check-config", "alertmanager.yml"], dir);
      assert.equal(result.status, 0, result.output);
      assert.match(result.output, /SUCCESS/);
      assert.match(result.output, /2 receivers/);
    });
  }

  it("rejects a configuration whose route names no receiver, so the check can fail", () => {
    const text = renderAlertmanagerConfig(RECEIVERS.none).replace(
      "receiver: default",
      "receiver: nobody",
    );
    const dir = writeTree({ "alertmanager.yml": text });
    dirs.push(dir);
    assert.notEqual(runTool(amtool, ["check-config", "alertmanager.yml"], dir).status, 0);
  });
});
