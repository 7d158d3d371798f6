import { mebibytes, millicores, seconds, WorkloadSpec } from "../model";
import { API_SHUTDOWN_DELAY_SECONDS, APP_PORTS, FRONTEND_CONFIG_PATH } from "./constants";
import { frontendConfig } from "./config-files";
import { AppWiring, appEnvironment } from "./wiring";

/** The frontend: the static SPA, with /config.json pointing the browser at the API. */
export function frontendSpec(opts: {
  readonly image: string;
  readonly replicas: number;
  readonly host: string;
  readonly apiUrl: string;
}): WorkloadSpec {
  return {
    image: opts.image,
    files: [{ name: "config", path: FRONTEND_CONFIG_PATH, content: frontendConfig(opts.apiUrl) }],
    ports: [{ name: "http", port: APP_PORTS.frontend }],
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
  // Where the platform does not drain, the image's entrypoint does (SHUTDOWN_DELAY_SECONDS).
  const delay = opts.platformDrains ? 0 : API_SHUTDOWN_DELAY_SECONDS;
  const { env, secrets } = appEnvironment(wiring);
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
    env: delay > 0 ? { ...env, SHUTDOWN_DELAY_SECONDS: String(delay) } : env,
    secrets,
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
      requests: { cpu: millicores(100), memory: mebibytes(192) },
      limits: { memory: mebibytes(512) },
    },
    scheduling: { mode: "replicated", replicas: opts.replicas },
    placement: { spread: true },
    // The shutdown delay, then gunicorn's own graceful stop (its graceful_timeout, 30 s).
    stopGracePeriod: seconds(delay + 30),
    security: { user: "10001:10001" },
  };
}
