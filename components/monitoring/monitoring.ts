import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { MonitoringSettings } from "../config/parts/monitoring";
import {
  ExemptionSpec,
  gibibytes,
  memory,
  mebibytes,
  millicores,
  PlatformAdapter,
  SchedulingSpec,
  scratchVolume,
  seconds,
  WorkloadDeployment,
  WorkloadSpec,
} from "../model";
import { renderAlertRules } from "./alert-rules";
import { renderAlertmanagerConfig } from "./alertmanager-config";
import { cadvisorSpec, nodeExporterSpec, RULE_DOCKER_SOCKET, wget } from "./exporters";
import {
  GRAFANA_PATHS,
  loadDashboards,
  PROMETHEUS_ADDRESS_ENV,
  renderDashboardProviders,
  renderDatasources,
} from "./grafana-provisioning";
import { MONITORING_IMAGES, MONITORING_PORTS, MONITORING_WORKLOADS } from "./images";
import { renderPrometheusConfig, RULES_FILE } from "./prometheus-config";
import { receiverConfig } from "./receiver";
import { MONITORING_TIERS, MonitoringTier, tierScheduling } from "./tier-scheduling";

export const MONITORING_TYPE = "homeport:monitoring:Monitoring";

/** The part name written on every monitoring workload. */
export const MONITORING_PART = "monitoring";

export interface MonitoringArgs {
  /** The orchestrator the workloads are deployed on. */
  readonly platform: PlatformAdapter;
  /** The DNS domain the UIs are served under (grafana.<domain>, prometheus.<domain>…). */
  readonly domain: string;
  /**
   * Retention, storage, scrape interval, alerting, Grafana's login, UI users and image overrides
   * (`homeport:monitoring`); the orchestrator-specific settings belong to the adapters.
   */
  readonly settings: Omit<MonitoringSettings, "nomadAddress" | "dockerGroupId">;
  /** Copies of each tier. @default one each */
  readonly replicas?: Partial<Record<MonitoringTier, number>>;
}

/** The monitoring UIs' host names under the stack's domain. */
export const monitoringHosts = (domain: string): Record<MonitoringTier, string> => ({
  prometheus: `prometheus.${domain}`,
  alertmanager: `alertmanager.${domain}`,
  grafana: `grafana.${domain}`,
});

/**
 * Prometheus (with its rules), Alertmanager, Grafana, and node-exporter and cAdvisor on every
 * node, on the stack's orchestrator. Scrape targets are found through the orchestrator's own
 * service discovery, from the metrics port and path every workload declares.
 */
export class Monitoring extends pulumi.ComponentResource {
  /** Grafana's public URL. */
  public readonly grafanaUrl: pulumi.Output<string>;
  /** Grafana's administrator login. */
  public readonly grafanaAdminUser: pulumi.Output<string>;
  /** Grafana's generated administrator password (secret). */
  public readonly grafanaAdminPassword: pulumi.Output<string>;
  /** Prometheus and Alertmanager URLs, when their UIs are routed (behind basic auth). */
  public readonly prometheusUrl?: pulumi.Output<string>;
  public readonly alertmanagerUrl?: pulumi.Output<string>;
  /** The deployed workloads, by name. */
  public readonly workloads: Readonly<Record<string, WorkloadDeployment>>;

  constructor(name: string, args: MonitoringArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super(MONITORING_TYPE, name, {}, opts);
    const { platform, settings, domain } = args;
    const replicas = args.replicas ?? {};
    const images = { ...MONITORING_IMAGES, ...settings.images };
    const scheduling = Object.fromEntries(
      (Object.keys(MONITORING_TIERS) as MonitoringTier[]).map((tier) => [
        tier,
        tierScheduling(
          replicas[tier],
          tier,
          MONITORING_TIERS[tier].reason,
          MONITORING_TIERS[tier].scalable,
        ),
      ]),
    ) as Record<MonitoringTier, SchedulingSpec>;
    const discovery = platform.metricsDiscovery();
    const api = platform.apiAccess;
    const deploy = (workload: string, spec: WorkloadSpec, dependsOn?: pulumi.Resource[]) =>
      platform.deploy(workload, MONITORING_PART, spec, { parent: this, dependsOn });

    const nodeExporter = deploy(MONITORING_WORKLOADS.nodeExporter, nodeExporterSpec(images));
    const cadvisor = deploy(
      MONITORING_WORKLOADS.cadvisor,
      cadvisorSpec(images, platform.capabilities.dockerEngine),
    );

    const receiver = receiverConfig(settings);
    const alertmanagerYaml = pulumi
      .all([receiver, pulumi.output(settings.alerting.watchdogUrl)])
      .apply(([r, watchdogUrl]) => renderAlertmanagerConfig({ receiver: r, watchdogUrl }));
    const uiRoute = (host: string, port: string) =>
      settings.uiUsers !== undefined
        ? [
            {
              host,
              port,
              middlewares: [
                { kind: "basic-auth" as const, users: settings.uiUsers },
                { kind: "security-headers" as const },
              ],
            },
          ]
        : [];
    const hosts = monitoringHosts(domain);
    const alertmanagerHost = hosts.alertmanager;
    const alertmanager = deploy(MONITORING_WORKLOADS.alertmanager, {
      image: images.alertmanager,
      args: [
        "--config.file=/etc/alertmanager/alertmanager.yml",
        "--storage.path=/alertmanager",
        ...(settings.uiUsers !== undefined
          ? [`--web.external-url=https://${alertmanagerHost}/`]
          : []),
      ],
      secrets: [
        {
          name: "config",
          value: pulumi.secret(alertmanagerYaml),
          path: "/etc/alertmanager/alertmanager.yml",
        },
      ],
      ports: [{ name: "http", port: MONITORING_PORTS.alertmanager }],
      flows: [
        {
          kind: "external",
          reason: "notifications go to the receiver and the watchdog, out of the stack",
        },
      ],
      volumes: [{ name: "data", mountPath: "/alertmanager", class: "block", size: mebibytes(512) }],
      routes: uiRoute(alertmanagerHost, "http"),
      health: {
        kind: "http",
        port: "http",
        path: "/-/healthy",
        inContainer: wget(MONITORING_PORTS.alertmanager, "/-/healthy"),
      },
      resources: {
        requests: { cpu: millicores(50), memory: mebibytes(64) },
        limits: { memory: mebibytes(256) },
      },
      scheduling: scheduling.alertmanager,
      update: { order: "stop-first" },
      state: "stateful",
      metrics: { port: "http" },
      security: { user: "65534:65534" },
    });

    const prometheusHost = hosts.prometheus;
    const prometheusYaml = renderPrometheusConfig({
      discovery,
      scrapeInterval: settings.scrapeInterval,
      alertmanager: `${MONITORING_WORKLOADS.alertmanager}:${MONITORING_PORTS.alertmanager}`,
      externalLabels: { homeport_stack: pulumi.getStack() },
    });
    // Where the orchestrator's API is the Docker engine's, Prometheus reads it through the socket.
    const prometheusExemptions: ExemptionSpec[] = api.dockerSocket
      ? [
          {
            rule: RULE_DOCKER_SOCKET,
            reason:
              "Prometheus discovers Swarm tasks through the Docker API of a manager, read-only",
          },
        ]
      : [];
    const prometheus = deploy(
      MONITORING_WORKLOADS.prometheus,
      {
        image: images.prometheus,
        args: [
          "--config.file=/etc/prometheus/prometheus.yml",
          "--storage.tsdb.path=/prometheus",
          `--storage.tsdb.retention.time=${settings.retention}`,
          ...(settings.uiUsers !== undefined
            ? [`--web.external-url=https://${prometheusHost}/`]
            : []),
        ],
        files: [
          { name: "config", path: "/etc/prometheus/prometheus.yml", content: prometheusYaml },
          {
            name: "rules",
            path: `/etc/prometheus/${RULES_FILE}`,
            content: renderAlertRules(discovery.containerWorkload, {
              targetDownFor: settings.alerting.targetDownFor,
            }),
          },
        ],
        secrets: discovery.secrets,
        ports: [{ name: "http", port: MONITORING_PORTS.prometheus }],
        flows: [
          { kind: "metrics" },
          {
            kind: "workload",
            to: MONITORING_WORKLOADS.alertmanager,
            ports: [MONITORING_PORTS.alertmanager],
          },
        ],
        volumes: [
          {
            name: "data",
            mountPath: "/prometheus",
            class: "block",
            size: memory(settings.storageSize),
          },
        ],
        routes: uiRoute(prometheusHost, "http"),
        health: {
          kind: "http",
          port: "http",
          path: "/-/healthy",
          inContainer: wget(MONITORING_PORTS.prometheus, "/-/healthy"),
          startPeriod: seconds(60),
        },
        resources: {
          requests: { cpu: millicores(250), memory: mebibytes(512) },
          limits: { memory: gibibytes(2) },
        },
        scheduling: scheduling.prometheus,
        // Two servers cannot open one TSDB: the old one stops before the new one starts.
        update: { order: "stop-first" },
        stopGracePeriod: seconds(60),
        state: "stateful",
        // HA twins each keep their own TSDB: never two on one node, where they would share it.
        placement: {
          constraints: api.constraints,
          maxPerNode: 1,
        },
        security: {
          // The socket's group (Swarm: the managers' docker group) grants read access to it.
          user: `65534:${api.socketGroup ?? 65534}`,
          dockerSocket: api.dockerSocket,
          discovery: true,
        },
        exemptions: prometheusExemptions,
      },
      [...alertmanager.resources],
    );

    const adminPassword = new random.RandomPassword(
      `${name}-grafana-admin`,
      { length: 24, special: false },
      { parent: this },
    );
    const grafanaPassword = pulumi.secret(adminPassword.result);
    const grafanaHost = hosts.grafana;
    const dashboards = loadDashboards();
    const grafana = deploy(
      MONITORING_WORKLOADS.grafana,
      {
        image: images.grafana,
        env: {
          GF_SECURITY_ADMIN_USER: settings.grafanaAdminUser,
          // Grafana reads the password from the secret file; it never sits in the environment.
          GF_SECURITY_ADMIN_PASSWORD__FILE: "/run/secrets/admin-password",
          GF_SERVER_ROOT_URL: `https://${grafanaHost}/`,
          GF_USERS_ALLOW_SIGN_UP: "false",
          GF_AUTH_ANONYMOUS_ENABLED: "false",
          GF_ANALYTICS_REPORTING_ENABLED: "false",
          GF_ANALYTICS_CHECK_FOR_UPDATES: "false",
          [PROMETHEUS_ADDRESS_ENV]: prometheus.address("http"),
        },
        secrets: [
          { name: "admin-password", value: grafanaPassword, path: "/run/secrets/admin-password" },
        ],
        files: [
          { name: "datasources", path: GRAFANA_PATHS.datasources, content: renderDatasources() },
          {
            name: "dashboard-providers",
            path: GRAFANA_PATHS.dashboardProviders,
            content: renderDashboardProviders(),
          },
          ...dashboards.map((d) => ({
            name: `dashboard-${d.name}`,
            path: `${GRAFANA_PATHS.dashboards}/${d.name}.json`,
            content: d.json,
          })),
        ],
        ports: [{ name: "http", port: MONITORING_PORTS.grafana }],
        flows: [
          {
            kind: "workload",
            to: MONITORING_WORKLOADS.prometheus,
            ports: [MONITORING_PORTS.prometheus],
          },
        ],
        volumes: [
          { name: "data", mountPath: "/var/lib/grafana", class: "block", size: gibibytes(1) },
          // Grafana writes temporary files (image renders, plugin downloads) outside its data.
          scratchVolume(),
        ],
        routes: [{ host: grafanaHost, port: "http", middlewares: [{ kind: "security-headers" }] }],
        health: {
          kind: "http",
          port: "http",
          path: "/api/health",
          inContainer: wget(MONITORING_PORTS.grafana, "/api/health"),
          startPeriod: seconds(30),
        },
        resources: {
          requests: { cpu: millicores(100), memory: mebibytes(128) },
          limits: { memory: mebibytes(512) },
        },
        scheduling: scheduling.grafana,
        update: { order: "stop-first" },
        state: "stateful",
        storageEngine: "sqlite",
        metrics: { port: "http" },
        security: { user: "472:472" },
      },
      [...prometheus.resources],
    );

    this.workloads = {
      [MONITORING_WORKLOADS.nodeExporter]: nodeExporter,
      [MONITORING_WORKLOADS.cadvisor]: cadvisor,
      [MONITORING_WORKLOADS.alertmanager]: alertmanager,
      [MONITORING_WORKLOADS.prometheus]: prometheus,
      [MONITORING_WORKLOADS.grafana]: grafana,
    };
    this.grafanaUrl = pulumi.output(`https://${grafanaHost}`);
    this.grafanaAdminUser = pulumi.output(settings.grafanaAdminUser);
    this.grafanaAdminPassword = grafanaPassword;
    if (settings.uiUsers !== undefined) {
      this.prometheusUrl = pulumi.output(`https://${prometheusHost}`);
      this.alertmanagerUrl = pulumi.output(`https://${alertmanagerHost}`);
    }
    this.registerOutputs({
      grafanaUrl: this.grafanaUrl,
      grafanaAdminUser: this.grafanaAdminUser,
      grafanaAdminPassword: this.grafanaAdminPassword,
      prometheusUrl: this.prometheusUrl,
      alertmanagerUrl: this.alertmanagerUrl,
    });
  }
}
