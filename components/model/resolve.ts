import * as pulumi from "@pulumi/pulumi";
import {
  DEFAULT_PROBE,
  DEFAULT_REPLICAS,
  DEFAULT_RESOURCES,
  DEFAULT_STOP_GRACE_PERIOD,
  DEFAULT_UPDATE,
  DEFAULT_VOLUME_SIZE,
} from "./defaults";
import { checkDigest, exemptionKey, META, RULES } from "./metadata";
import { Cpu, Duration, Memory } from "./units";
import {
  ExemptionSpec,
  FileSpec,
  FlowSpec,
  HealthCheckSpec,
  MiddlewareSpec,
  NodeConstraint,
  PortSpec,
  SchedulingSpec,
  VolumeClass,
  WorkloadSpec,
} from "./workload";

/** A workload with every default applied and every cross-reference checked. */
export interface ResolvedWorkload {
  readonly name: string;
  readonly part: string;
  readonly image: string;
  readonly command?: string[];
  readonly args?: string[];
  readonly env: Record<string, pulumi.Input<string>>;
  readonly secrets: ResolvedSecret[];
  readonly files: Required<FileSpec>[];
  readonly ports: ResolvedPort[];
  readonly volumes: ResolvedVolume[];
  readonly routes: ResolvedRoute[];
  /** The connections it opens, checked (see {@link WorkloadSpec.flows}). */
  readonly flows: FlowSpec[];
  /**
   * The name flows reach it by: its cluster's (`META.cluster`) for a member, else its own. Peers
   * of one cluster share it.
   */
  readonly flowGroup: string;
  /** Decides readiness (and routing); may go through other workloads (`via`). */
  readonly health?: ResolvedHealthCheck;
  /** Decides restarts: always local. The health check itself when that is local. */
  readonly liveness?: ResolvedHealthCheck;
  readonly priority: "normal" | "high";
  readonly resources: {
    readonly requests: { readonly cpu: Cpu; readonly memory: Memory };
    readonly limits: { readonly cpu?: Cpu; readonly memory?: Memory };
  };
  readonly scheduling: SchedulingSpec;
  readonly placement: {
    readonly constraints: (NodeConstraint & { readonly operator: "==" | "!=" })[];
    readonly spread: boolean;
    readonly maxPerNode?: number;
  };
  readonly update: {
    readonly order: "start-first" | "stop-first";
    readonly parallelism: number;
    readonly delay: Duration;
    readonly monitor: Duration;
    readonly autoRollback: boolean;
  };
  readonly stopGracePeriod: Duration;
  readonly state: "stateless" | "stateful";
  readonly storageEngine?: "sqlite";
  readonly metrics?: { readonly port: string; readonly path: string };
  readonly floatingAddress?: string;
  readonly memberHost?: string;
  readonly security: {
    readonly privileged: boolean;
    readonly capAdd: string[];
    readonly dropAllCapabilities: boolean;
    readonly readOnlyRootFilesystem: boolean;
    /** The user the process runs as, parsed once from "uid[:gid]". */
    readonly user?: ResolvedUser;
    /** The process must not run as root, whatever the image's user (not exempted). */
    readonly runAsNonRoot: boolean;
    readonly dockerSocket: boolean;
    readonly hostNetwork: boolean;
    readonly discovery: boolean;
    readonly servesRoutes: boolean;
  };
  /** Labels for the leaf resources: the model's metadata, exemptions, then the workload's own. */
  readonly metadata: Record<string, string>;
  readonly exemptions: ExemptionSpec[];
}

/** A numeric user and, when given, group. */
export interface ResolvedUser {
  readonly uid: number;
  readonly gid?: number;
}

/** "uid[:gid]", as Docker and Nomad write a user. */
export const userString = (user: ResolvedUser): string =>
  user.gid === undefined ? `${user.uid}` : `${user.uid}:${user.gid}`;

export interface ResolvedSecret {
  readonly name: string;
  /** What the workload receives: prefix, secret value and suffix, as a secret. */
  readonly value: pulumi.Output<string>;
  /** The secret value alone, for targets that assemble prefix and suffix at task start. */
  readonly secret: pulumi.Output<string>;
  /** Plain text around the secret (see {@link SecretSpec.prefix}); "" when not set. */
  readonly prefix: pulumi.Input<string>;
  readonly suffix: pulumi.Input<string>;
  readonly env?: string;
  readonly fileEnv?: string;
  readonly path: string;
}

export interface ResolvedVolume {
  readonly name: string;
  readonly mountPath: string;
  readonly class: VolumeClass;
  readonly size: Memory;
  readonly hostPath?: string;
  readonly readOnly: boolean;
  /** The spec's own say on whether it holds state. @default its class decides */
  readonly holdsState?: boolean;
}

export interface ResolvedPort extends PortSpec {
  readonly protocol: "tcp" | "udp";
}

export interface ResolvedRoute {
  readonly host: string;
  readonly pathPrefix: string;
  readonly port: string;
  readonly portNumber: number;
  readonly tls: boolean;
  readonly middlewares: MiddlewareSpec[];
  readonly internalService?: string;
}

export type ResolvedHealthCheck = HealthCheckSpec & {
  readonly interval: Duration;
  readonly timeout: Duration;
  readonly retries: number;
  readonly startPeriod: Duration;
  /** Port number, for http and tcp checks. */
  readonly portNumber?: number;
  /** Workloads the check goes through; [] for a local check. */
  readonly via: string[];
  /** The command a target that checks from inside the container runs. */
  readonly inContainerCommand: string[];
};

/** A workload that cannot be deployed as written; names the workload, the field and the fix. */
export class WorkloadError extends Error {
  constructor(workload: string, field: string, problem: string, fix: string) {
    super(`Workload "${workload}": ${field} ${problem}. Fix: ${fix}.`);
    this.name = "WorkloadError";
  }
}

const DNS_LABEL = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Names get suffixes on some targets (`-config-<hash>`), so they stay well under 63 characters. */
const MAX_NAME = 40;

/** True when an image reference is pinned: a digest, or a tag other than `latest`. */
export function isPinnedImage(image: string): boolean {
  if (/@sha256:[a-f0-9]{64}$/.test(image)) return true;
  const lastSegment = image.slice(image.lastIndexOf("/") + 1);
  const colon = lastSegment.lastIndexOf(":");
  if (colon < 0) return false;
  const tag = lastSegment.slice(colon + 1);
  return tag.length > 0 && tag !== "latest";
}

function healthCommand(health: HealthCheckSpec, port?: number): string[] {
  switch (health.kind) {
    case "http":
      return (
        health.inContainer ?? [
          "CMD",
          "curl",
          "-fsS",
          "-o",
          "/dev/null",
          `http://127.0.0.1:${port}${health.path}`,
        ]
      );
    case "tcp":
      return health.inContainer ?? ["CMD", "nc", "-z", "127.0.0.1", String(port)];
    case "command":
      return ["CMD", ...health.command];
  }
}

function parseUser(
  text: string,
  fail: (field: string, problem: string, fix: string) => never,
): ResolvedUser {
  const match = /^(\d+)(?::(\d+))?$/.exec(text);
  if (!match) {
    return fail(
      "security.user",
      `is "${text}"`,
      'write a numeric "uid" or "uid:gid", e.g. "1000:1000"',
    );
  }
  return { uid: Number(match[1]), ...(match[2] !== undefined ? { gid: Number(match[2]) } : {}) };
}

/**
 * Applies the model's defaults to a workload and checks it, before any resource exists.
 * @throws WorkloadError on the first problem.
 */
export function resolveWorkload(name: string, part: string, spec: WorkloadSpec): ResolvedWorkload {
  const fail = (field: string, problem: string, fix: string): never => {
    throw new WorkloadError(name, field, problem, fix);
  };
  if (!DNS_LABEL.test(name) || name.length > MAX_NAME) {
    fail(
      "name",
      `"${name}" is not a valid name`,
      `use lowercase letters, digits and dashes, at most ${MAX_NAME} characters`,
    );
  }
  if (!isPinnedImage(spec.image)) {
    fail(
      "image",
      `"${spec.image}" is not pinned`,
      "use an explicit version tag (not latest) or a digest",
    );
  }

  const ports = (spec.ports ?? []).map((p): ResolvedPort => ({
    ...p,
    protocol: p.protocol ?? "tcp",
  }));
  const seenPorts = new Set<string>();
  for (const p of ports) {
    if (seenPorts.has(p.name))
      fail("ports", `name "${p.name}" is used twice`, "give every port its own name");
    seenPorts.add(p.name);
    if (!Number.isInteger(p.port) || p.port < 1 || p.port > 65535) {
      fail(`port "${p.name}"`, `is ${p.port}`, "use a port number from 1 to 65535");
    }
  }
  const portNumber = (field: string, portName: string): number => {
    const port = ports.find((p) => p.name === portName);
    return port
      ? port.port
      : fail(
          field,
          `names port "${portName}", which the workload does not declare`,
          "declare the port in ports",
        );
  };

  const scheduling = spec.scheduling ?? { mode: "replicated", replicas: DEFAULT_REPLICAS };
  if (
    scheduling.mode === "replicated" &&
    (!Number.isInteger(scheduling.replicas) || scheduling.replicas < 0)
  ) {
    fail("replicas", `is ${scheduling.replicas}`, "set a whole number of replicas, 0 or more");
  }
  if (scheduling.mode === "singleton" && scheduling.reason.trim() === "") {
    fail("singleton", "has no reason", "say why this workload cannot run more than one copy");
  }
  if (scheduling.mode === "job") {
    if ((spec.routes ?? []).length > 0)
      fail("routes", "are set on a run-to-completion job", "route to a long-running workload");
    if (spec.health)
      fail(
        "health",
        "is set on a run-to-completion job",
        "remove it: a job's exit code is its health",
      );
  }

  const secrets = (spec.secrets ?? []).map((s): ResolvedSecret => {
    if (!DNS_LABEL.test(s.name))
      fail(`secret "${s.name}"`, "has an invalid name", "use lowercase letters, digits and dashes");
    if (s.env !== undefined && !ENV_NAME.test(s.env))
      fail(`secret "${s.name}"`, `has env "${s.env}"`, "use a valid variable name");
    const prefix = s.prefix ?? "";
    const suffix = s.suffix ?? "";
    return {
      name: s.name,
      value: pulumi.secret(pulumi.interpolate`${prefix}${s.value}${suffix}`),
      secret: pulumi.secret(s.value),
      prefix,
      suffix,
      env: s.env,
      fileEnv: s.fileEnv ?? (s.env !== undefined ? `${s.env}_FILE` : undefined),
      path: s.path ?? `/run/secrets/${s.name}`,
    };
  });
  for (const key of Object.keys(spec.env ?? {})) {
    if (!ENV_NAME.test(key))
      fail("env", `has an invalid variable name "${key}"`, "use letters, digits and underscores");
  }

  const volumes = (spec.volumes ?? []).map((v): ResolvedVolume => {
    if (v.class === "host-readonly" && !v.hostPath) {
      fail(
        `volume "${v.name}"`,
        "is host-readonly without a hostPath",
        "set hostPath to the host directory to mount",
      );
    }
    if (v.class !== "host-readonly" && v.hostPath) {
      fail(
        `volume "${v.name}"`,
        `sets hostPath but is of class ${v.class}`,
        "use class host-readonly for host paths",
      );
    }
    if (v.class === "host-readonly" && v.readOnly === false) {
      fail(
        `volume "${v.name}"`,
        "is a host path mounted read-write",
        "host paths are always mounted read-only",
      );
    }
    return {
      name: v.name,
      mountPath: v.mountPath,
      class: v.class,
      size: v.size ?? DEFAULT_VOLUME_SIZE,
      hostPath: v.hostPath,
      readOnly: v.readOnly ?? v.class === "host-readonly",
      ...(v.holdsState !== undefined ? { holdsState: v.holdsState } : {}),
    };
  });

  const routes = (spec.routes ?? []).map((r): ResolvedRoute => ({
    host: r.host,
    pathPrefix: r.pathPrefix ?? "/",
    port: r.port,
    portNumber: portNumber(`route ${r.host}`, r.port),
    tls: r.tls ?? true,
    middlewares: r.middlewares ?? [],
    internalService: r.internalService,
  }));

  const flows = spec.flows ?? [];
  for (const flow of flows) {
    const where = flow.kind === "workload" ? `flow to "${flow.to}"` : `${flow.kind} flow`;
    if (flow.kind === "workload" && !DNS_LABEL.test(flow.to))
      fail(where, "names no workload", "name a workload or a cluster of the stack");
    if (flow.kind === "external" && flow.reason.trim() === "")
      fail(where, "has no reason", "say why the workload connects out of the stack");
    const ports = flow.kind === "workload" || flow.kind === "external" ? (flow.ports ?? []) : [];
    if (flow.kind === "workload" && ports.length === 0)
      fail(where, "lists no port", "list the ports it connects to");
    for (const port of ports) {
      if (!Number.isInteger(port) || port < 1 || port > 65535)
        fail(where, `has port ${port}`, "use port numbers from 1 to 65535");
    }
  }

  const resolveCheck = (field: string, hc: HealthCheckSpec): ResolvedHealthCheck => {
    const port = hc.port === undefined ? undefined : portNumber(field, hc.port);
    return {
      ...hc,
      interval: hc.interval ?? DEFAULT_PROBE.interval,
      timeout: hc.timeout ?? DEFAULT_PROBE.timeout,
      retries: hc.retries ?? DEFAULT_PROBE.retries,
      startPeriod: hc.startPeriod ?? DEFAULT_PROBE.startPeriod,
      portNumber: port,
      via: hc.via ?? [],
      inContainerCommand: healthCommand(hc, port),
    };
  };
  const health = spec.health && resolveCheck("health check", spec.health);
  if (spec.liveness && (spec.liveness.via ?? []).length > 0) {
    fail(
      "liveness",
      `goes through ${spec.liveness.via?.join(", ")}`,
      "check the process alone: a liveness check decides restarts",
    );
  }
  if (health && health.via.length > 0 && !spec.liveness) {
    fail(
      "liveness",
      `is not set while the health check goes through ${health.via.join(", ")}`,
      "add a liveness check that the process answers without its dependencies",
    );
  }
  const liveness = spec.liveness ? resolveCheck("liveness", spec.liveness) : health;

  const metrics = spec.metrics
    ? { port: spec.metrics.port, path: spec.metrics.path ?? "/metrics" }
    : undefined;
  const metricsPort = metrics ? portNumber("metrics", metrics.port) : undefined;

  const exemptions = [...(spec.exemptions ?? [])];
  if (scheduling.mode === "singleton") {
    exemptions.push({ rule: "workload-min-replicas", reason: scheduling.reason });
  }
  const exempt = (rule: string) => exemptions.some((e) => e.rule === rule);
  for (const e of exemptions) {
    if (e.reason.trim() === "")
      fail(`exemption from ${e.rule}`, "has no reason", "say why the rule does not apply");
  }
  const readOnlyRootFilesystem =
    spec.security?.readOnlyRootFilesystem ?? !exempt(RULES.readOnlyRoot);
  if (!readOnlyRootFilesystem && !exempt(RULES.readOnlyRoot)) {
    fail(
      "security.readOnlyRootFilesystem",
      "is false without a reason",
      `add an exemption from ${RULES.readOnlyRoot} that says what the process writes outside its volumes, or mount an ephemeral volume where it writes`,
    );
  }
  const user = spec.security?.user === undefined ? undefined : parseUser(spec.security.user, fail);
  if (user?.uid === 0 && !exempt(RULES.nonRoot)) {
    fail(
      "security.user",
      `is "${spec.security?.user}" (root) without a reason`,
      `run as a non-root user, or add an exemption from ${RULES.nonRoot} that says why it needs root`,
    );
  }
  const priority = spec.priority ?? (scheduling.mode === "per-node" ? "high" : "normal");
  const state = spec.state ?? "stateless";
  const sharedVolumes = (spec.volumes ?? []).filter((v) => v.class === "shared").map((v) => v.name);
  const metadata: Record<string, string> = {
    [META.workload]: name,
    [META.part]: part,
    [META.state]: state,
    [META.scheduling]: scheduling.mode,
    ...(spec.storageEngine ? { [META.storageEngine]: spec.storageEngine } : {}),
    ...(sharedVolumes.length > 0 ? { [META.sharedVolumes]: sharedVolumes.join(",") } : {}),
    ...(scheduling.mode === "singleton" ? { [META.singletonReason]: scheduling.reason } : {}),
    ...(metrics
      ? { [META.metricsPort]: String(metricsPort), [META.metricsPath]: metrics.path }
      : {}),
    ...(health && health.via.length > 0
      ? {
          [META.readinessVia]: health.via.join(","),
          [META.readinessCheck]: checkDigest(health.inContainerCommand),
        }
      : {}),
    ...(priority === "high" ? { [META.priority]: priority } : {}),
    ...Object.fromEntries(exemptions.map((e) => [exemptionKey(e.rule), e.reason])),
    ...(spec.labels ?? {}),
  };

  const resources = spec.resources ?? DEFAULT_RESOURCES;
  return {
    name,
    part,
    image: spec.image,
    command: spec.command,
    args: spec.args,
    env: { ...(spec.env ?? {}) },
    secrets,
    files: (spec.files ?? []).map((f) => ({ ...f, mode: f.mode ?? 0o444 })),
    ports,
    volumes,
    routes,
    flows,
    flowGroup: spec.labels?.[META.cluster] ?? name,
    health,
    liveness,
    priority,
    resources: { requests: resources.requests, limits: resources.limits ?? {} },
    scheduling,
    placement: {
      constraints: (spec.placement?.constraints ?? []).map((c) => ({
        ...c,
        operator: c.operator ?? "==",
      })),
      spread: spec.placement?.spread ?? true,
      maxPerNode: spec.placement?.maxPerNode,
    },
    update: {
      order: spec.update?.order ?? DEFAULT_UPDATE.order,
      parallelism: spec.update?.parallelism ?? DEFAULT_UPDATE.parallelism,
      delay: spec.update?.delay ?? DEFAULT_UPDATE.delay,
      monitor: spec.update?.monitor ?? DEFAULT_UPDATE.monitor,
      autoRollback: spec.update?.autoRollback ?? DEFAULT_UPDATE.autoRollback,
    },
    stopGracePeriod: spec.stopGracePeriod ?? DEFAULT_STOP_GRACE_PERIOD,
    state,
    storageEngine: spec.storageEngine,
    metrics,
    floatingAddress: spec.floatingAddress,
    memberHost: spec.memberHost,
    security: {
      privileged: spec.security?.privileged ?? false,
      capAdd: spec.security?.capAdd ?? [],
      dropAllCapabilities: spec.security?.dropAllCapabilities ?? true,
      readOnlyRootFilesystem,
      user,
      runAsNonRoot: !exempt(RULES.nonRoot),
      dockerSocket: spec.security?.dockerSocket ?? false,
      hostNetwork: spec.security?.hostNetwork ?? false,
      discovery: spec.security?.discovery ?? false,
      servesRoutes: spec.security?.servesRoutes ?? false,
    },
    metadata,
    exemptions,
  };
}

/** Number of copies the orchestrator should run (a job runs one), where that is a fixed number. */
export function replicaCount(w: ResolvedWorkload): number | undefined {
  switch (w.scheduling.mode) {
    case "replicated":
      return w.scheduling.replicas;
    case "singleton":
    case "job":
      return 1;
    case "per-node":
      return undefined;
  }
}
