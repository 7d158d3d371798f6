import { mebibytes, millicores, seconds } from "./units";

/** Defaults of the workload model, in one place. Each is overridable per workload. */
export const DEFAULT_REPLICAS = 2;

export const DEFAULT_PROBE = {
  interval: seconds(10),
  timeout: seconds(5),
  retries: 3,
  startPeriod: seconds(10),
} as const;

export const DEFAULT_RESOURCES = {
  requests: { cpu: millicores(50), memory: mebibytes(64) },
  limits: { memory: mebibytes(256) },
} as const;

export const DEFAULT_UPDATE = {
  order: "start-first",
  parallelism: 1,
  delay: seconds(5),
  monitor: seconds(10),
  autoRollback: true,
} as const;

export const DEFAULT_STOP_GRACE_PERIOD = seconds(10);

/** Restarts are bounded: a crash-looping task gives up instead of thrashing the node. */
export const DEFAULT_RESTART = {
  delay: seconds(5),
  maxAttempts: 5,
  window: seconds(120),
} as const;

export const DEFAULT_VOLUME_SIZE = mebibytes(1024);

/**
 * A writable scratch directory for a workload whose root filesystem is read-only: an `ephemeral`
 * volume (tmpfs on Swarm and Nomad, emptyDir on Kubernetes), 64 MiB unless sized.
 */
export const scratchVolume = (mountPath = "/tmp", size = mebibytes(64)) =>
  ({ name: "scratch", mountPath, class: "ephemeral", size }) as const;
