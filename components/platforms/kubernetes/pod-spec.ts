import * as k8s from "@pulumi/kubernetes";
import {
  NodeConstraint,
  replicaCount,
  ResolvedHealthCheck,
  ResolvedUser,
  ResolvedVolume,
  ResolvedWorkload,
  SchedulingSpec,
  VolumeClass,
} from "../../model";
import {
  claimName,
  configMapName,
  secretName,
  selectorLabels,
  serviceAccountName,
  sharedClaimName,
} from "./names";
import { ownsClaim } from "./claims";
import { usesApi } from "./rbac";
import { cpuQuantity, memoryQuantity, wholeSeconds } from "./units";

type Probe = k8s.types.input.core.v1.Probe;
type PodSpec = k8s.types.input.core.v1.PodSpec;

/** The controller kind a workload becomes. */
export type ControllerKind = "Deployment" | "StatefulSet" | "DaemonSet" | "Job";

/**
 * Per-node workloads are DaemonSets; run-to-completion jobs are Jobs; stateful workloads with
 * their own RWO volumes are StatefulSets (one claim per replica); everything else is a Deployment.
 */
export const controllerKind = (w: ResolvedWorkload): ControllerKind =>
  CONTROLLERS[w.scheduling.mode](w);

const replicatedController = (w: ResolvedWorkload): ControllerKind =>
  w.state === "stateful" && w.volumes.some(ownsClaim) ? "StatefulSet" : "Deployment";

const CONTROLLERS: Record<SchedulingSpec["mode"], (w: ResolvedWorkload) => ControllerKind> = {
  "per-node": () => "DaemonSet",
  job: () => "Job",
  replicated: replicatedController,
  singleton: replicatedController,
};

function probeAction(h: ResolvedHealthCheck): Pick<Probe, "httpGet" | "tcpSocket" | "exec"> {
  switch (h.kind) {
    case "http":
      return { httpGet: { path: h.path, port: h.port } };
    case "tcp":
      return { tcpSocket: { port: h.port } };
    case "command":
      return { exec: { command: h.command } };
  }
}

/**
 * Liveness restarts a hung container after `retries` failures; readiness takes it out of the
 * Service at the first failure; a startup probe gives slow starters their start period. The
 * startup and liveness probes run the local liveness check, so that an outage of a dependency the
 * readiness check goes through never kills the container.
 */
export function probes(
  h: ResolvedHealthCheck | undefined,
  live: ResolvedHealthCheck | undefined = h,
): Pick<k8s.types.input.core.v1.Container, "livenessProbe" | "readinessProbe" | "startupProbe"> {
  if (!h || !live) return {};
  const period = wholeSeconds(h.interval);
  return {
    startupProbe: {
      ...probeAction(live),
      periodSeconds: 5,
      timeoutSeconds: wholeSeconds(live.timeout),
      failureThreshold: Math.max(1, Math.ceil(wholeSeconds(live.startPeriod) / 5)) + live.retries,
    },
    livenessProbe: {
      ...probeAction(live),
      periodSeconds: wholeSeconds(live.interval),
      timeoutSeconds: wholeSeconds(live.timeout),
      failureThreshold: live.retries,
    },
    readinessProbe: {
      ...probeAction(h),
      periodSeconds: Math.max(1, Math.floor(period / 2)),
      timeoutSeconds: wholeSeconds(h.timeout),
      failureThreshold: 1,
      successThreshold: 1,
    },
  };
}

/** The node label each constraint attribute reads. */
const NODE_KEYS: Record<NodeConstraint["attribute"], (c: NodeConstraint) => string | undefined> = {
  hostname: () => "kubernetes.io/hostname",
  label: (c) => c.key,
  // Swarm's manager/worker role has no Kubernetes counterpart: it is not translated.
  role: () => undefined,
};

function nodeRequirement(
  c: NodeConstraint & { operator: "==" | "!=" },
): k8s.types.input.core.v1.NodeSelectorRequirement | undefined {
  const key = NODE_KEYS[c.attribute](c);
  if (!key) return undefined;
  return { key, operator: c.operator === "==" ? "In" : "NotIn", values: [c.value] };
}

function affinity(w: ResolvedWorkload): PodSpec["affinity"] {
  const requirements = w.placement.constraints.map(nodeRequirement).filter((r) => r !== undefined);
  const nodeAffinity =
    requirements.length > 0
      ? {
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: [{ matchExpressions: requirements }],
          },
        }
      : undefined;
  const podAntiAffinity =
    w.placement.maxPerNode === 1
      ? {
          requiredDuringSchedulingIgnoredDuringExecution: [
            {
              labelSelector: { matchLabels: selectorLabels(w) },
              topologyKey: "kubernetes.io/hostname",
            },
          ],
        }
      : undefined;
  return nodeAffinity || podAntiAffinity ? { nodeAffinity, podAntiAffinity } : undefined;
}

/** The user, and `runAsNonRoot` unless exempted: the kubelet then refuses an image's root user. */
function userContext(user: ResolvedUser | undefined, runAsNonRoot: boolean) {
  return {
    ...(user ? { runAsUser: user.uid } : {}),
    ...(user?.gid !== undefined ? { runAsGroup: user.gid } : {}),
    ...(runAsNonRoot ? { runAsNonRoot: true } : {}),
  };
}

/**
 * A workload that runs as a non-root group owns its volumes and secret files through that group
 * (fsGroup), so a fresh claim and a 0400 secret are readable and writable by it.
 */
function volumeGroup(w: ResolvedWorkload): { fsGroup?: number } {
  const gid = w.security.user?.gid;
  return gid !== undefined && gid > 0 ? { fsGroup: gid } : {};
}

type VolumeSource = Omit<k8s.types.input.core.v1.Volume, "name">;

/** What each volume class mounts in the pod; undefined where the controller supplies it. */
const POD_VOLUMES: Record<
  VolumeClass,
  (w: ResolvedWorkload, v: ResolvedVolume, kind: ControllerKind) => VolumeSource | undefined
> = {
  ephemeral: (_w, v) => ({ emptyDir: { sizeLimit: memoryQuantity(v.size) } }),
  "host-readonly": (_w, v) => ({ hostPath: { path: v.hostPath as string } }),
  shared: (_w, v) => ({ persistentVolumeClaim: { claimName: sharedClaimName(v.name) } }),
  local: (w, v, kind) => ownClaim(w, v, kind),
  block: (w, v, kind) => ownClaim(w, v, kind),
};

function ownClaim(w: ResolvedWorkload, v: ResolvedVolume, kind: ControllerKind) {
  return kind === "StatefulSet"
    ? undefined
    : { persistentVolumeClaim: { claimName: claimName(w, v.name) } };
}

/**
 * The pod template's spec. Pure: references secrets, config maps, claims and the PriorityClass
 * of high-priority workloads (`priorityClass`) by name.
 */
export function podSpec(w: ResolvedWorkload, priorityClass?: string): PodSpec {
  const volumes: k8s.types.input.core.v1.Volume[] = [];
  const mounts: k8s.types.input.core.v1.VolumeMount[] = [];
  const kind = controllerKind(w);
  for (const v of w.volumes) {
    const volName = `vol-${v.name}`;
    mounts.push({ name: volName, mountPath: v.mountPath, readOnly: v.readOnly || undefined });
    const source = POD_VOLUMES[v.class](w, v, kind);
    // A StatefulSet's own claims come from its volumeClaimTemplates, named like the volume.
    if (source) volumes.push({ name: volName, ...source });
  }
  const fileSecrets = w.secrets.filter((s) => !s.env);
  if (fileSecrets.length > 0) {
    volumes.push({
      name: "secrets",
      secret: {
        secretName: secretName(w),
        defaultMode: 0o400,
        items: fileSecrets.map((s) => ({ key: s.name, path: s.name })),
      },
    });
    for (const s of fileSecrets)
      mounts.push({ name: "secrets", mountPath: s.path, subPath: s.name, readOnly: true });
  }
  if (w.files.length > 0) {
    volumes.push({
      name: "files",
      configMap: {
        name: configMapName(w),
        items: w.files.map((f) => ({ key: f.name, path: f.name, mode: f.mode })),
      },
    });
    for (const f of w.files)
      mounts.push({ name: "files", mountPath: f.path, subPath: f.name, readOnly: true });
  }
  if (w.security.dockerSocket) {
    volumes.push({
      name: "docker-socket",
      hostPath: { path: "/var/run/docker.sock", type: "Socket" },
    });
    mounts.push({ name: "docker-socket", mountPath: "/var/run/docker.sock", readOnly: true });
  }

  const env: k8s.types.input.core.v1.EnvVar[] = [
    ...Object.entries(w.env)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([name, value]) => ({ name, value })),
    ...w.secrets
      .filter((s) => s.env)
      .map((s) => ({
        name: s.env as string,
        valueFrom: { secretKeyRef: { name: secretName(w), key: s.name } },
      })),
  ];

  return {
    hostNetwork: w.security.hostNetwork || undefined,
    priorityClassName: w.priority === "high" ? priorityClass : undefined,
    terminationGracePeriodSeconds: wholeSeconds(w.stopGracePeriod),
    // Only workloads that read the API (discovery) get a token, and their own service account.
    serviceAccountName: usesApi(w) ? serviceAccountName(w) : undefined,
    automountServiceAccountToken: usesApi(w),
    securityContext: { seccompProfile: { type: "RuntimeDefault" }, ...volumeGroup(w) },
    affinity: affinity(w),
    // A Job's pod is not restarted in place: a failed attempt is a new pod, up to the backoff limit.
    restartPolicy: kind === "Job" ? "Never" : undefined,
    topologySpreadConstraints:
      w.placement.spread && kind !== "DaemonSet" && kind !== "Job"
        ? [
            {
              maxSkew: 1,
              topologyKey: "kubernetes.io/hostname",
              whenUnsatisfiable: "ScheduleAnyway",
              labelSelector: { matchLabels: selectorLabels(w) },
            },
          ]
        : undefined,
    containers: [
      {
        name: w.name,
        image: w.image,
        command: w.command,
        args: w.args,
        env: env.length > 0 ? env : undefined,
        ports: w.ports.map((p) => ({
          name: p.name,
          containerPort: p.port,
          protocol: p.protocol.toUpperCase(),
        })),
        resources: {
          requests: {
            cpu: cpuQuantity(w.resources.requests.cpu),
            memory: memoryQuantity(w.resources.requests.memory),
          },
          limits: {
            ...(w.resources.limits.cpu ? { cpu: cpuQuantity(w.resources.limits.cpu) } : {}),
            ...(w.resources.limits.memory
              ? { memory: memoryQuantity(w.resources.limits.memory) }
              : {}),
          },
        },
        securityContext: {
          privileged: w.security.privileged,
          allowPrivilegeEscalation: false,
          readOnlyRootFilesystem: w.security.readOnlyRootFilesystem,
          capabilities: {
            drop: w.security.dropAllCapabilities ? ["ALL"] : undefined,
            add: w.security.capAdd.length > 0 ? w.security.capAdd : undefined,
          },
          ...userContext(w.security.user, w.security.runAsNonRoot),
        },
        volumeMounts: mounts.length > 0 ? mounts : undefined,
        ...probes(w.health, w.liveness),
      },
    ],
    volumes: volumes.length > 0 ? volumes : undefined,
  };
}

/** Rollout: start-first surges a new pod before removing an old one; stop-first does the reverse. */
export function deploymentStrategy(
  w: ResolvedWorkload,
): k8s.types.input.apps.v1.DeploymentStrategy {
  const hasRwo = w.volumes.some(ownsClaim);
  if (w.update.order === "stop-first" && (replicaCount(w) === 1 || hasRwo))
    return { type: "Recreate" };
  return w.update.order === "start-first"
    ? {
        type: "RollingUpdate",
        rollingUpdate: { maxSurge: w.update.parallelism, maxUnavailable: 0 },
      }
    : {
        type: "RollingUpdate",
        rollingUpdate: { maxSurge: 0, maxUnavailable: w.update.parallelism },
      };
}
