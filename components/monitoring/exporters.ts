import { mebibytes, millicores, RULES, VolumeSpec, WorkloadSpec } from "../model";
import { MONITORING_IMAGES, MONITORING_PORTS } from "./images";

/** Policy rules the exporters and Prometheus are exempted from, with the reason. */
export const RULE_HOST_PATHS = "workload-no-sensitive-host-paths";
export const RULE_DOCKER_SOCKET = "workload-docker-socket-restricted";

/** An in-container HTTP check with wget, which the monitoring images ship. */
export const wget = (port: number, path: string): string[] => [
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

/** node-exporter on every node, reading the host through read-only mounts. */
export function nodeExporterSpec(
  images: Record<keyof typeof MONITORING_IMAGES, string>,
): WorkloadSpec {
  return {
    image: images.nodeExporter,
    args: [
      "--path.procfs=/host/proc",
      "--path.sysfs=/host/sys",
      "--path.rootfs=/host/root",
      "--collector.filesystem.mount-points-exclude=^/(dev|proc|sys|run|var/lib/docker/.+|var/lib/kubelet/.+)($|/)",
    ],
    ports: [{ name: "metrics", port: MONITORING_PORTS.nodeExporter }],
    // It only answers scrapes.
    flows: [],
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

/** cAdvisor on every node, reading the container runtime. */
export function cadvisorSpec(
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
    // It only answers scrapes; the container engine it reads is a local socket.
    flows: [],
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
      {
        rule: RULES.nonRoot,
        reason:
          "cAdvisor reads every container's cgroup files and the runtime's socket and state directory, which only root may read",
      },
    ],
  };
}
