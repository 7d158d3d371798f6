import { mebibytes, millicores, scratchVolume, seconds, WorkloadSpec } from "../model";
import { APP_PORTS, FRONTEND_CONFIG_PATH, ROUTED_SHUTDOWN_DELAY_SECONDS } from "./constants";
import { frontendConfig } from "./config-files";
import { AppWiring, appEnvironment } from "./wiring";

/**
 * Seconds a routed replica's own drain lasts: none where the platform drains it before stopping
 * it (`drainsBeforeStop`), else the images' entrypoint delays the server's SIGTERM.
 */
const shutdownDelay = (platformDrains: boolean): number =>
  platformDrains ? 0 : ROUTED_SHUTDOWN_DELAY_SECONDS;

const withShutdownDelay = <T>(env: Record<string, T>, delay: number): Record<string, T | string> =>
  delay > 0 ? { ...env, SHUTDOWN_DELAY_SECONDS: String(delay) } : env;

/** The frontend: the static SPA, with /config.json pointing the browser at the API. */
export function frontendSpec(opts: {
  readonly image: string;
  readonly replicas: number;
  readonly host: string;
  readonly apiUrl: string;
  /** The platform drains a routed replica before stopping it (`drainsBeforeStop`). */
  readonly platformDrains: boolean;
}): WorkloadSpec {
  const delay = shutdownDelay(opts.platformDrains);
  return {
    image: opts.image,
    ...(delay > 0 ? { env: withShutdownDelay({}, delay) } : {}),
    files: [{ name: "config", path: FRONTEND_CONFIG_PATH, content: frontendConfig(opts.apiUrl) }],
    ports: [{ name: "http", port: APP_PORTS.frontend }],
    // A static site: the browser calls the API through the proxy, never this container.
    flows: [],
    routes: [{ host: opts.host, port: "http", middlewares: [{ kind: "security-headers" }] }],
    health: {
      kind: "http",
      port: "http",
      path: "/",
      inContainer: [
        "CMD",
        "wget",
        "-q",
        "-O",
        "/dev/null",
        `http://127.0.0.1:${APP_PORTS.frontend}/`,
      ],
    },
    resources: {
      requests: { cpu: millicores(25), memory: mebibytes(32) },
      limits: { memory: mebibytes(128) },
    },
    scheduling: { mode: "replicated", replicas: opts.replicas },
    placement: { spread: true },
    // The shutdown delay, then serve's own stop: it finishes the requests in flight (static files).
    stopGracePeriod: seconds(delay + 10),
    security: { user: "1000:1000", readOnlyRootFilesystem: true },
  };
}

/** The API: gunicorn serving the Flask app on 8080, at the root of its own host. */
export function backendSpec(
  opts: {
    readonly image: string;
    readonly replicas: number;
    readonly host: string;
    /** The platform drains a routed replica before stopping it (`drainsBeforeStop`). */
    readonly platformDrains: boolean;
  },
  wiring: AppWiring,
): WorkloadSpec {
  const delay = shutdownDelay(opts.platformDrains);
  const { env, secrets, flows } = appEnvironment(wiring);
  return {
    image: opts.image,
    args: [
      "gunicorn",
      "--workers",
      "2",
      "--threads",
      "4",
      "--bind",
      `0.0.0.0:${APP_PORTS.backend}`,
      "--access-logfile",
      "-",
      "image_api.web:app",
    ],
    env: withShutdownDelay(env, delay),
    secrets,
    flows,
    ports: [{ name: "http", port: APP_PORTS.backend }],
    routes: [{ host: opts.host, port: "http" }],
    health: {
      kind: "http",
      port: "http",
      path: "/health",
      // The slim Python image has no curl; Python itself checks the endpoint.
      inContainer: [
        "CMD",
        "python",
        "-c",
        `import urllib.request; urllib.request.urlopen("http://127.0.0.1:${APP_PORTS.backend}/health", timeout=4)`,
      ],
      startPeriod: seconds(20),
    },
    resources: {
      // At rest a few percent of a core (gunicorn's idle workers); bursts are not capped.
      requests: { cpu: millicores(50), memory: mebibytes(192) },
      limits: { memory: mebibytes(512) },
    },
    scheduling: { mode: "replicated", replicas: opts.replicas },
    placement: { spread: true },
    // The shutdown delay, then gunicorn's own graceful stop (its graceful_timeout, 30 s).
    stopGracePeriod: seconds(delay + 30),
    // gunicorn's workers keep their heartbeat files in the temporary directory.
    volumes: [scratchVolume()],
    security: { user: "10001:10001" },
  };
}
