import * as pulumi from "@pulumi/pulumi";
import { WHOAMI_IMAGE } from "../config/parts/proxy";
import {
  FileSpec,
  mebibytes,
  millicores,
  PlatformProfile,
  RouteSpec,
  SchedulingSpec,
  seconds,
  SecretSpec,
  VolumeSpec,
  WorkloadSpec,
} from "../model";
import { CertificateSource } from "./certificates";
import { ReverseProxySettings } from "./reverse-proxy-args";
import {
  dynamicConfig,
  entryPoints,
  privatePorts,
  TRAEFIK_PATHS,
  TRAEFIK_PORTS,
  traefikArgs,
} from "./traefik-args";

/** Replicas of the proxy when `homeport:sizes.proxy` is not set. */
export const DEFAULT_PROXY_REPLICAS = 2;

/** Why the proxy runs once when Traefik itself holds the ACME account. */
export const ACME_SINGLETON_REASON =
  "Traefik's ACME resolver keeps its account and certificates in one file that it alone may write; a second instance would request competing certificates";

/** Everything the proxy's workload is built from, resolved to plain values where possible. */
export interface TraefikWorkloadInput {
  /** What the proxy is asked to be. */
  readonly settings: ReverseProxySettings;
  /** What the orchestrator offers: its route provider, API access and port publishing. */
  readonly platform: Pick<PlatformProfile, "capabilities" | "apiAccess" | "routeProvider">;
  readonly certificates: CertificateSource;
  /** htpasswd line(s) for the dashboard, secret. Required when the dashboard is enabled. */
  readonly dashboardUsers?: pulumi.Input<string>;
  /** PEM of the extra CA bundle for the ACME directory, when configured. */
  readonly acmeCaBundle?: string;
  /** PEM of the supplied certificate chain, when configured. */
  readonly certificate?: string;
}

/** How many proxies run: one ACME holder (or none, when the size is 0), else the configured size. */
export function proxyScheduling(
  replicas: number | undefined,
  certificates: CertificateSource,
): SchedulingSpec {
  const size = replicas;
  if (certificates === "acme" && size !== 0) {
    return { mode: "singleton", reason: ACME_SINGLETON_REASON };
  }
  return { mode: "replicated", replicas: size ?? DEFAULT_PROXY_REPLICAS };
}

/** The dashboard's route: TLS only, basic auth, to Traefik's internal API service. */
export function dashboardRoute(host: string, users: pulumi.Input<string>): RouteSpec {
  return {
    host,
    port: "traefik",
    tls: true,
    internalService: "api@internal",
    middlewares: [{ kind: "basic-auth", users }, { kind: "security-headers" }],
  };
}

/** The Traefik workload in the neutral model. Pure: creates no resource. */
export function traefikWorkloadSpec(input: TraefikWorkloadInput): WorkloadSpec {
  const { settings, certificates, platform } = input;
  const provider = platform.routeProvider();
  // Where the orchestrator's API is the Docker engine's, the proxy reads it through the socket.
  const api = platform.apiAccess;
  const files: FileSpec[] = [
    { name: "dynamic", path: TRAEFIK_PATHS.dynamicConfig, content: dynamicConfig(certificates) },
  ];
  const secrets: SecretSpec[] = [];
  if (certificates === "acme" && input.acmeCaBundle !== undefined) {
    files.push({ name: "acme-ca", path: TRAEFIK_PATHS.acmeCaBundle, content: input.acmeCaBundle });
  }
  if (certificates === "supplied" && settings.certificate && input.certificate !== undefined) {
    files.push({ name: "tls-cert", path: TRAEFIK_PATHS.certificate, content: input.certificate });
    secrets.push({
      name: "tls-key",
      value: settings.certificate.key,
      path: TRAEFIK_PATHS.certificateKey,
    });
  }
  secrets.push(...provider.secrets);
  const volumes: VolumeSpec[] =
    certificates === "acme"
      ? [
          {
            name: "acme",
            mountPath: TRAEFIK_PATHS.acmeDir,
            // On shared storage the ACME state follows the proxy to whichever node runs it.
            class: settings.acmeStateClass ?? "local",
          },
        ]
      : [];

  const routes: RouteSpec[] = [];
  if (settings.dashboard) {
    if (input.dashboardUsers === undefined) {
      throw new Error("The dashboard is enabled but no htpasswd users were given.");
    }
    routes.push(dashboardRoute(settings.dashboard.host, input.dashboardUsers));
  }

  const scheduling = proxyScheduling(settings.replicas, certificates);
  // Where every node binds the published ports itself, two proxies cannot share a node, and a
  // rollout cannot start a new proxy beside the old one.
  const perNode = platform.capabilities.publishedPortsBindNodes;
  const points = settings.entryPoints ?? entryPoints({});
  // keepalived's track script reaches the ping on each node; a load balancer needs no such port.
  const pingPort =
    settings.floatingIp && platform.capabilities.floatingAddress === "vrrp"
      ? settings.floatingIp.healthPort
      : undefined;
  const privatePort = privatePorts(points, pingPort);
  return {
    image: settings.image,
    args: traefikArgs({
      logLevel: settings.logLevel ?? "INFO",
      acme: settings.acme,
      dashboard: settings.dashboard !== undefined,
      certificates,
      providerArgs: provider.traefikArgs,
      entryPoints: points,
      pingPort,
    }),
    ports: [
      ...points.map((p) => ({ name: p.name, port: p.port, publish: { hostPort: p.published } })),
      { name: "traefik", port: privatePort.traefik },
      ...(pingPort ? [{ name: "ping", port: pingPort, publish: { hostPort: pingPort } }] : []),
    ],
    ...(settings.floatingIp ? { floatingAddress: settings.floatingIp.ip } : {}),
    flows: [
      { kind: "routes" },
      ...(certificates === "acme"
        ? [{ kind: "external" as const, reason: "Traefik asks the ACME CA for certificates" }]
        : []),
    ],
    files,
    secrets,
    volumes,
    routes,
    health: {
      kind: "http",
      port: pingPort ? "ping" : "traefik",
      path: "/ping",
      // `traefik healthcheck` reads its own flags, not the server's: name the ping's entry point
      // where it is not the default (the private entry point on 8080).
      inContainer: [
        "CMD",
        "traefik",
        "healthcheck",
        "--ping",
        ...(pingPort
          ? [`--entryPoints.ping.address=:${pingPort}`, "--ping.entryPoint=ping"]
          : privatePort.traefik !== TRAEFIK_PORTS.traefik.port
            ? [`--entryPoints.traefik.address=:${privatePort.traefik}`]
            : []),
      ],
      interval: seconds(10),
      timeout: seconds(3),
      retries: 3,
      startPeriod: seconds(10),
    },
    metrics: { port: "traefik", path: "/metrics" },
    resources: {
      requests: { cpu: millicores(100), memory: mebibytes(64) },
      limits: { memory: mebibytes(256) },
    },
    scheduling,
    placement: {
      // The provider reads services where the orchestrator's API is (Swarm: the managers).
      constraints: api.constraints,
      spread: true,
      maxPerNode: perNode ? 1 : undefined,
    },
    update: {
      // A new proxy can start beside the old one only where ports are not bound per node; the
      // ACME holder never overlaps with itself.
      order: scheduling.mode === "singleton" || perNode ? "stop-first" : "start-first",
      parallelism: 1,
    },
    // In-flight requests drain before the task stops.
    stopGracePeriod: seconds(30),
    state: certificates === "acme" ? "stateful" : "stateless",
    security: {
      dockerSocket: api.dockerSocket,
      servesRoutes: true,
      readOnlyRootFilesystem: true,
      // The Docker socket and fresh ACME volumes belong to root; elsewhere Traefik runs unprivileged.
      user: api.dockerSocket || certificates === "acme" ? undefined : "65532:65532",
    },
    exemptions: [
      ...(api.dockerSocket || certificates === "acme"
        ? [
            {
              rule: "workload-run-as-non-root",
              reason: api.dockerSocket
                ? "Traefik's Swarm provider reads the Docker API through the managers' socket, which is root's"
                : "Traefik keeps its ACME account and certificates on a fresh volume, which is root's",
            },
          ]
        : []),
      ...(scheduling.mode === "singleton"
        ? [
            {
              rule: "stack-no-single-point-of-failure",
              reason: `${ACME_SINGLETON_REASON}; supply homeport:proxy.certificate to run several`,
            },
          ]
        : []),
      ...(api.dockerSocket
        ? [
            {
              rule: "workload-docker-socket-restricted",
              reason:
                "Traefik's Swarm provider discovers routes through the Docker API: read-only, on managers",
            },
          ]
        : []),
    ],
  };
}

/** The optional whoami test service, routed at `host`. */
export function whoamiWorkloadSpec(host: string, replicas: number): WorkloadSpec {
  return {
    image: WHOAMI_IMAGE,
    args: ["--port", "8080"],
    ports: [{ name: "http", port: 8080 }],
    flows: [],
    routes: [{ host, port: "http", tls: true }],
    // Kubernetes and Nomad probe /health from outside; Swarm runs checks inside the container,
    // and this image holds nothing but the server, so there the check is off (see exemptions).
    health: { kind: "http", port: "http", path: "/health", inContainer: ["NONE"] },
    resources: {
      requests: { cpu: millicores(10), memory: mebibytes(16) },
      limits: { memory: mebibytes(32) },
    },
    scheduling: { mode: "replicated", replicas },
    security: { user: "65532:65532", readOnlyRootFilesystem: true },
    exemptions: [
      {
        rule: "workload-require-health-check",
        reason:
          "opt-in test service whose image holds only the server, so no check can run inside it on Swarm",
      },
    ],
  };
}
