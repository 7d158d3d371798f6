import {
  mebibytes,
  millicores,
  PlatformCapabilities,
  scratchVolume,
  seconds,
  WorkloadSpec,
} from "../model";
import { withSecretFiles } from "./secret-files";
import { CELERY_APP } from "./constants";
import { AppWiring, appEnvironment, secretVariables } from "./wiring";

/**
 * Why the worker has no health check where checks cannot run commands (Nomad's built-in service
 * catalogue): it listens on no port, and Celery's ping is a command.
 */
export const workerCheckReason = (prose: PlatformCapabilities["prose"]): string =>
  `a Celery worker listens on no port and ${prose.serviceCatalogue} runs only HTTP and TCP checks; ${prose.orchestrator} restarts a worker whose process exits`;

/**
 * A local liveness check of the worker: its main process (PID 1, which the entrypoint execs) is
 * neither a zombie nor stopped. Celery answers no local request; its ping goes through the broker.
 */
export const WORKER_LIVENESS = [
  "python",
  "-c",
  'import sys; state = open("/proc/1/stat").read().rsplit(")", 1)[1].split()[0]; sys.exit(state in "ZTt")',
];

/**
 * The Celery worker that resizes images: ready while it answers Celery's ping through the broker,
 * alive while its process runs, so that a broker outage never restarts it and loses the tasks in
 * hand.
 */
export function workerSpec(
  opts: {
    readonly image: string;
    readonly replicas: number;
    /**
     * Whether the orchestrator runs command checks; where it does not, the missing check is a
     * recorded exemption. @default true
     */
    readonly commandChecks?: boolean;
    /** How messages name the orchestrator; required where `commandChecks` is false. */
    readonly prose?: PlatformCapabilities["prose"];
  },
  wiring: AppWiring,
): WorkloadSpec {
  const { env, secrets, flows } = appEnvironment(wiring);
  return {
    image: opts.image,
    args: ["celery", "--app", CELERY_APP, "worker", "--loglevel", "INFO"],
    env,
    secrets,
    flows,
    health: {
      kind: "command",
      // The check runs as its own process: on Swarm it loads the secret files itself.
      command: withSecretFiles(secretVariables(secrets), [
        "sh",
        "-c",
        `exec celery --app ${CELERY_APP} inspect ping --timeout 10 -d "celery@$HOSTNAME"`,
      ]),
      interval: seconds(60),
      timeout: seconds(20),
      startPeriod: seconds(30),
      via: ["rabbitmq"],
    },
    liveness: {
      kind: "command",
      command: WORKER_LIVENESS,
      interval: seconds(30),
      timeout: seconds(5),
      startPeriod: seconds(10),
    },
    // Celery and the check's Python write temporary files.
    volumes: [scratchVolume()],
    resources: {
      // At rest a few percent of a core (Celery waiting on the broker); bursts are not capped.
      requests: { cpu: millicores(50), memory: mebibytes(192) },
      limits: { memory: mebibytes(768) },
    },
    scheduling: { mode: "replicated", replicas: opts.replicas },
    placement: { spread: true },
    // Celery finishes the task in hand on SIGTERM (warm shutdown).
    stopGracePeriod: seconds(60),
    security: { user: "10001:10001" },
    exemptions:
      opts.commandChecks === false && opts.prose
        ? [
            { rule: "workload-require-health-check", reason: workerCheckReason(opts.prose) },
            { rule: "workload-require-readiness", reason: workerCheckReason(opts.prose) },
          ]
        : undefined,
  };
}
