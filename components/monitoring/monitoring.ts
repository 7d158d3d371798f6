import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { ConfigError } from "../config/load";
import { MonitoringSettings } from "../config/parts/monitoring";
import { Tier } from "../config/schema";
import {
  ExemptionSpec,
  gibibytes,
  memory,
  mebibytes,
  millicores,
  PlatformAdapter,
  SchedulingSpec,
  seconds,
  VolumeSpec,
  WorkloadDeployment,
  WorkloadSpec,
} from "../model";
import { renderAlertRules } from "./alert-rules";
import { renderAlertmanagerConfig, ReceiverConfig } from "./alertmanager-config";
import {
  GRAFANA_PATHS,
  loadDashboards,
  PROMETHEUS_ADDRESS_ENV,
  renderDashboardProviders,
  renderDatasources,
} from "./grafana-provisioning";
import { MONITORING_IMAGES, MONITORING_PORTS, MONITORING_WORKLOADS } from "./images";
import { renderPrometheusConfig, RULES_FILE } from "./prometheus-config";

export const MONITORING_TYPE = "homeport:monitoring:Monitoring";

/** The part name written on every monitoring workload. */
export const MONITORING_PART = "monitoring";

/** Policy rules the exporters and Prometheus are exempted from, with the reason. */
export const RULE_HOST_PATHS = "workload-no-sensitive-host-paths";
export const RULE_DOCKER_SOCKET = "workload-docker-socket-restricted";

/** The monitoring tiers whose number of copies a stack may set. */
export type MonitoringTier = Extract<Tier, "prometheus" | "alertmanager" | "grafana">;

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

const wget = (port: number, path: string): string[] => [
  "CMD",
  "wget",
  "-q",
  "-O",
  "/dev/null",
  `http://127.0.0.1:${port}${path}`,
];

const hostPath = (name: string, path: string, mountPath: string): VolumeSpec => ({
  name,
  hostPath: path,
  mountPath,
  class: "host-readonly",
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
    const scheduling = {
      prometheus: tierScheduling(
        replicas.prometheus,
        "prometheus",
        "one TSDB per replica: a second copy is a separate HA twin, set homeport:sizes.prometheus to run two",
        true,
      ),
      alertmanager: tierScheduling(
        replicas.alertmanager,
        "alertmanager",
        "silences and the notification log live in one instance (no gossip cluster)",
        false,
      ),
      grafana: tierScheduling(
        replicas.grafana,
        "grafana",
        "users, preferences and sessions live in one SQLite database",
        false,
      ),
    };
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
    const alertmanagerHost = `alertmanager.${domain}`;
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

    const prometheusHost = `prometheus.${domain}`;
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
            content: renderAlertRules(discovery.containerWorkload),
          },
        ],
        ports: [{ name: "http", port: MONITORING_PORTS.prometheus }],
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
    const grafanaHost = `grafana.${domain}`;
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
        volumes: [
          { name: "data", mountPath: "/var/lib/grafana", class: "block", size: gibibytes(1) },
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

/**
 * How many copies of a monitoring tier run. Unset means one, recorded as a singleton with its
 * reason; tiers that cannot scale refuse any other count with a clear error.
 */
export function tierScheduling(
  replicas: number | undefined,
  tier: MonitoringTier,
  reason: string,
  scalable: boolean,
): SchedulingSpec {
  if (replicas === undefined || replicas === 1) return { mode: "singleton", reason };
  if (!scalable) {
    throw new ConfigError([
      `homeport:sizes.${tier} is ${replicas}: it runs exactly one copy (${reason}). Fix: remove it or set it to 1.`,
    ]);
  }
  return { mode: "replicated", replicas };
}

/** The receiver settings as Outputs of plain values, secrets kept secret. */
function receiverConfig(
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

function nodeExporterSpec(images: Record<keyof typeof MONITORING_IMAGES, string>): WorkloadSpec {
  return {
    image: images.nodeExporter,
    args: [
      "--path.procfs=/host/proc",
      "--path.sysfs=/host/sys",
      "--path.rootfs=/host/root",
      "--collector.filesystem.mount-points-exclude=^/(dev|proc|sys|run|var/lib/docker/.+|var/lib/kubelet/.+)($|/)",
    ],
    ports: [{ name: "metrics", port: MONITORING_PORTS.nodeExporter }],
    volumes: [
      hostPath("proc", "/proc", "/host/proc"),
      hostPath("sys", "/sys", "/host/sys"),
      hostPath("root", "/", "/host/root"),
    ],
    health: {
      kind: "http",
      port: "metrics",
      path: "/",
      inContainer: wget(MONITORING_PORTS.nodeExporter, "/"),
    },
    resources: {
      requests: { cpu: millicores(50), memory: mebibytes(32) },
      limits: { memory: mebibytes(128) },
    },
    scheduling: { mode: "per-node" },
    metrics: { port: "metrics" },
    security: { user: "65534:65534", readOnlyRootFilesystem: true },
    exemptions: [
      {
        rule: RULE_HOST_PATHS,
        reason:
          "node-exporter reads host metrics from /proc, /sys and the root filesystem, read-only",
      },
    ],
  };
}

function cadvisorSpec(
  images: Record<keyof typeof MONITORING_IMAGES, string>,
  /** Containers run on the Docker engine, which cAdvisor then reads directly. */
  dockerEngine: boolean,
): WorkloadSpec {
  return {
    image: images.cadvisor,
    args: [
      "--housekeeping_interval=15s",
      "--store_container_labels=true",
      "--disable_metrics=percpu,sched,tcp,udp,hugetlb,referenced_memory,cpu_topology,resctrl,advtcp",
      ...(dockerEngine ? ["--docker_only=true"] : []),
    ],
    ports: [{ name: "http", port: MONITORING_PORTS.cadvisor }],
    volumes: [
      hostPath("rootfs", "/", "/rootfs"),
      hostPath("run", "/var/run", "/var/run"),
      hostPath("sys", "/sys", "/sys"),
      hostPath("disk", "/dev/disk", "/dev/disk"),
      ...(dockerEngine ? [hostPath("docker", "/var/lib/docker", "/var/lib/docker")] : []),
    ],
    health: {
      kind: "http",
      port: "http",
      path: "/healthz",
      inContainer: wget(MONITORING_PORTS.cadvisor, "/healthz"),
    },
    resources: {
      requests: { cpu: millicores(100), memory: mebibytes(64) },
      limits: { memory: mebibytes(256) },
    },
    scheduling: { mode: "per-node" },
    metrics: { port: "http" },
    security: { readOnlyRootFilesystem: true },
    exemptions: [
      {
        rule: RULE_HOST_PATHS,
        reason:
          "cAdvisor reads container statistics from /sys, /var/run and the container runtime's directory, read-only",
      },
      {
        rule: RULE_DOCKER_SOCKET,
        reason: "cAdvisor asks the container runtime (in /var/run, read-only) which containers run",
      },
    ],
  };
}
