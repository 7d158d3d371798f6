import * as yaml from "js-yaml";

/** Where alerts go, with the credentials already unwrapped (this runs inside an `apply`). */
export type ReceiverConfig =
  | { readonly kind: "none" }
  | { readonly kind: "webhook"; readonly url: string }
  | {
      readonly kind: "email";
      readonly to: string;
      readonly from: string;
      readonly smarthost: string;
      readonly username?: string;
      readonly password?: string;
      readonly requireTls: boolean;
    }
  | { readonly kind: "slack"; readonly apiUrl: string; readonly channel: string };

export interface AlertmanagerConfigOptions {
  readonly receiver: ReceiverConfig;
  /** Dead man's switch that receives the Watchdog alert. @default none: Watchdog is dropped */
  readonly watchdogUrl?: string;
}

/** Name of the receiver that gets every alert but the Watchdog. */
export const DEFAULT_RECEIVER = "default";

function receiverBody(receiver: ReceiverConfig): Record<string, unknown> {
  switch (receiver.kind) {
    case "none":
      return {};
    case "webhook":
      return { webhook_configs: [{ url: receiver.url, send_resolved: true }] };
    case "email":
      return {
        email_configs: [
          {
            to: receiver.to,
            from: receiver.from,
            smarthost: receiver.smarthost,
            require_tls: receiver.requireTls,
            send_resolved: true,
            ...(receiver.username !== undefined ? { auth_username: receiver.username } : {}),
            ...(receiver.password !== undefined ? { auth_password: receiver.password } : {}),
          },
        ],
      };
    case "slack":
      return {
        slack_configs: [
          {
            api_url: receiver.apiUrl,
            channel: receiver.channel,
            send_resolved: true,
            title: "[{{ .Status | toUpper }}] {{ .CommonLabels.alertname }}",
            text: "{{ range .Alerts }}{{ .Annotations.description }}\n{{ end }}",
          },
        ],
      };
  }
}

/**
 * The Alertmanager configuration object. It holds the receiver's credentials, so the component
 * delivers it as a secret file, never as a plain config file.
 */
export function alertmanagerConfig(options: AlertmanagerConfigOptions): Record<string, unknown> {
  return {
    route: {
      receiver: DEFAULT_RECEIVER,
      group_by: ["alertname", "workload", "node"],
      group_wait: "30s",
      group_interval: "5m",
      repeat_interval: "4h",
      routes: [
        {
          receiver: "watchdog",
          matchers: ['alertname="Watchdog"'],
          group_wait: "0s",
          group_interval: "1m",
          repeat_interval: "1m",
        },
      ],
    },
    // A node that is down takes its targets with it: page for the node, not for each target;
    // and the critical form of an alert silences its warning form.
    inhibit_rules: [
      {
        source_matchers: ['alertname="NodeDown"'],
        target_matchers: ['alertname="TargetDown"'],
        equal: ["node"],
      },
      {
        source_matchers: ['alertname="NodeFilesystemFillingUpFast"'],
        target_matchers: ['alertname="NodeFilesystemFillingUp"'],
        equal: ["node", "mountpoint"],
      },
      {
        source_matchers: ['alertname="TlsCertificateExpiringVerySoon"'],
        target_matchers: ['alertname="TlsCertificateExpiringSoon"'],
        equal: ["cn"],
      },
    ],
    receivers: [
      { name: DEFAULT_RECEIVER, ...receiverBody(options.receiver) },
      {
        name: "watchdog",
        ...(options.watchdogUrl
          ? { webhook_configs: [{ url: options.watchdogUrl, send_resolved: false }] }
          : {}),
      },
    ],
  };
}

/** alertmanager.yml, as YAML text. */
export function renderAlertmanagerConfig(options: AlertmanagerConfigOptions): string {
  return yaml.dump(alertmanagerConfig(options), { lineWidth: -1, noRefs: true, sortKeys: false });
}
