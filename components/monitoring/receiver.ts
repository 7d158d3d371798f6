import * as pulumi from "@pulumi/pulumi";
import { MonitoringSettings } from "../config/parts/monitoring";
import { ReceiverConfig } from "./alertmanager-config";

/** The receiver settings as Outputs of plain values, secrets kept secret. */
export function receiverConfig(
  settings: Pick<MonitoringSettings, "alerting">,
): pulumi.Output<ReceiverConfig> {
  const alerting = settings.alerting;
  switch (alerting.receiver) {
    case "webhook":
      return pulumi
        .output(alerting.webhook?.url ?? "")
        .apply((url): ReceiverConfig => ({ kind: "webhook", url }));
    case "email": {
      const email = alerting.email;
      if (!email) return pulumi.output<ReceiverConfig>({ kind: "none" });
      return pulumi.output(email.password).apply((password): ReceiverConfig => ({
        kind: "email",
        to: email.to,
        from: email.from,
        smarthost: email.smarthost,
        username: email.username,
        password,
        requireTls: email.requireTls,
      }));
    }
    case "slack": {
      const slack = alerting.slack;
      if (!slack) return pulumi.output<ReceiverConfig>({ kind: "none" });
      return pulumi
        .output(slack.apiUrl)
        .apply((apiUrl): ReceiverConfig => ({ kind: "slack", apiUrl, channel: slack.channel }));
    }
    case "none":
      return pulumi.output<ReceiverConfig>({ kind: "none" });
  }
}
