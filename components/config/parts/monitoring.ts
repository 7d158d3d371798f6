import { z } from "zod";
import { isPinnedImage } from "../../model/resolve";
import { positiveDuration } from "../durations";
import { secretString } from "../secret-string";

/** Prometheus durations: a number and a unit (ms, s, m, h, d, w, y), e.g. "15d" or "12h30m". */
const PROMETHEUS_DURATION = /^(\d+(ms|s|m|h|d|w|y))+$/;
/** Kubernetes-style sizes, as the workload model reads them, e.g. "20Gi". */
export const SIZE = /^\d+(\.\d+)?(Ki|Mi|Gi|Ti|k|M|G|T)$/;
const EMAIL = /^[^@\s]+@[^@\s]+$/;
const HOST_PORT = /^[^\s:]+:\d{1,5}$/;
/** Where Alertmanager sends notifications: an http(s) URL with a host. */
const httpUrl = z.url({ protocol: /^https?$/ });

const webhookReceiver = z
  .object({
    /** Where Alertmanager POSTs alerts; often carries a token, so it is a secret. */
    url: secretString(httpUrl),
  })
  .strict();

const emailReceiver = z
  .object({
    to: z.string().regex(EMAIL),
    from: z.string().regex(EMAIL),
    /** SMTP relay as host:port, e.g. smtp.example.org:587. */
    smarthost: z.string().regex(HOST_PORT),
    username: z.string().min(1).optional(),
    password: secretString().optional(),
    requireTls: z.boolean().default(true),
  })
  .strict();

const slackReceiver = z
  .object({
    /** Slack incoming-webhook URL; it is the credential. */
    apiUrl: secretString(httpUrl),
    channel: z.string().min(1),
  })
  .strict();

export const alertingSettings = z
  .object({
    /** Where alerts go: none keeps them in Alertmanager's UI only. */
    receiver: z.enum(["none", "webhook", "email", "slack"]).default("none"),
    webhook: webhookReceiver.optional(),
    email: emailReceiver.optional(),
    slack: slackReceiver.optional(),
    /** Dead man's switch URL that receives the always-firing Watchdog alert. @default none */
    watchdogUrl: secretString(httpUrl).optional(),
    /** How long a target fails its scrapes before TargetDown fires. @default "5m" */
    targetDownFor: z
      .string()
      .regex(PROMETHEUS_DURATION, { abort: true })
      .refine(positiveDuration, { message: "must be longer than 0" })
      .default("5m"),
  })
  .strict();

const pinnedImage = z
  .string()
  .min(1)
  .refine(isPinnedImage, { message: "is not pinned to a version" });

/** Image overrides, e.g. for a local mirror; each must stay pinned. */
export const monitoringImages = z
  .object({
    prometheus: pinnedImage.optional(),
    alertmanager: pinnedImage.optional(),
    grafana: pinnedImage.optional(),
    nodeExporter: pinnedImage.optional(),
    cadvisor: pinnedImage.optional(),
  })
  .strict();

/** `homeport:monitoring`: the monitoring part's settings. */
export const monitoringSettings = z
  .object({
    /** How long Prometheus keeps samples. */
    retention: z
      .string()
      .regex(PROMETHEUS_DURATION, { abort: true })
      .refine(positiveDuration, { message: "must be longer than 0" })
      .default("15d"),
    /** Size of Prometheus' TSDB volume. */
    storageSize: z.string().regex(SIZE).default("20Gi"),
    /** How often every target is scraped. */
    scrapeInterval: z
      .string()
      .regex(PROMETHEUS_DURATION, { abort: true })
      .refine(positiveDuration, { message: "must be longer than 0" })
      .default("30s"),
    alerting: alertingSettings.default({ receiver: "none", targetDownFor: "5m" }),
    /** Grafana's administrator login; the password is generated. */
    grafanaAdminUser: z.string().min(1).default("admin"),
    /**
     * htpasswd lines ("user:hash") that may open the Prometheus and Alertmanager UIs. Without it
     * neither UI is routed through the proxy.
     */
    uiUsers: secretString().optional(),
    /** Nomad only: the Nomad HTTP API address as Prometheus' task reaches it. */
    nomadAddress: z.url({ protocol: /^https?$/ }).optional(),
    /** Swarm only: group id of the docker socket on the managers (`getent group docker`). */
    dockerGroupId: z.number().int().min(0).default(999),
    images: monitoringImages.default({}),
  })
  .strict()
  .superRefine((s, ctx) => {
    const receiver = s.alerting.receiver;
    if (receiver !== "none" && !s.alerting[receiver]) {
      ctx.addIssue({
        code: "custom",
        path: ["alerting", "receiver"],
        message: `names ${receiver}, but homeport:monitoring.alerting.${receiver} is not set`,
      });
    }
    if (s.alerting.email?.password !== undefined && s.alerting.email.username === undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["alerting", "email", "password"],
        message: "is set without homeport:monitoring.alerting.email.username",
      });
    }
  });

export type MonitoringSettings = z.output<typeof monitoringSettings>;

/** Settings under `homeport:monitoring` that hold credentials. */
export const monitoringSecretSettings: string[] = [
  "alerting.webhook.url",
  "alerting.email.password",
  "alerting.slack.apiUrl",
  "alerting.watchdogUrl",
  "uiUsers",
];

/** How to fix each bad `homeport:monitoring.*` setting, by dotted path below it. */
export const monitoringFixes: ReadonlyArray<readonly [string, string]> = [
  ["retention", 'write a Prometheus duration longer than 0, such as "15d", "4w" or "720h"'],
  ["storageSize", 'write a size such as "20Gi" or "500Gi"'],
  ["scrapeInterval", 'write a Prometheus duration longer than 0, such as "30s" or "1m"'],
  [
    "alerting.receiver",
    "set it to none, webhook, email or slack, and add the settings of that receiver under homeport:monitoring.alerting",
  ],
  [
    "alerting.webhook",
    "add homeport:monitoring.alerting.webhook.url (set it with pulumi config set --secret --path)",
  ],
  [
    "alerting.email",
    "add homeport:monitoring.alerting.email with to, from and smarthost, e.g. {to: ops@example.org, from: alerts@example.org, smarthost: smtp.example.org:587}",
  ],
  [
    "alerting.slack",
    "add homeport:monitoring.alerting.slack with apiUrl (a secret) and channel, e.g. #alerts",
  ],
  [
    "alerting.webhook.url",
    "set the http(s) URL Alertmanager posts alerts to, with: pulumi config set --secret --path homeport:monitoring.alerting.webhook.url <url>",
  ],
  [
    "alerting.slack.apiUrl",
    "set the Slack incoming-webhook URL (https://hooks.slack.com/services/…) with: pulumi config set --secret --path homeport:monitoring.alerting.slack.apiUrl <url>",
  ],
  [
    "alerting.watchdogUrl",
    "set the dead man's switch http(s) URL with: pulumi config set --secret --path homeport:monitoring.alerting.watchdogUrl <url>",
  ],
  ["alerting.targetDownFor", 'write a Prometheus duration longer than 0, such as "5m" or "90s"'],
  ["alerting.email.to", "set the address alerts are sent to, e.g. ops@example.org"],
  ["alerting.email.from", "set the sender address, e.g. alerts@example.org"],
  ["alerting.email.smarthost", "set the SMTP relay as host:port, e.g. smtp.example.org:587"],
  [
    "alerting.email.password",
    "set homeport:monitoring.alerting.email.username too, or remove the password",
  ],
  ["alerting.slack.channel", "set the Slack channel, e.g. #alerts"],
  ["grafanaAdminUser", "set the Grafana administrator login, e.g. admin"],
  [
    "nomadAddress",
    "set it to the Nomad HTTP API address as tasks reach it, e.g. http://10.0.0.10:4646",
  ],
  ["dockerGroupId", "set the docker group's id on the managers, shown by: getent group docker"],
  ["images.*", "give a pinned image reference, e.g. prom/prometheus:v3.5.0"],
];
