import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import {
  cpuQuantity,
  memoryQuantity,
  NodeConstraint,
  replicaCount,
  ResolvedHealthCheck,
  ResolvedWorkload,
  wholeSeconds,
} from "../../model";
import {
  ENTRYPOINT_WEB,
  ENTRYPOINT_WEBSECURE,
  middlewareName,
  routeRule,
  routerName,
} from "../routing";

type Probe = k8s.types.input.core.v1.Probe;
type PodSpec = k8s.types.input.core.v1.PodSpec;

/** The controller kind a workload becomes. */
export type ControllerKind = "Deployment" | "StatefulSet" | "DaemonSet" | "Job";

/** Names of the objects that carry a workload's secrets and files. */
export const secretName = (w: ResolvedWorkload) => `${w.name}-secrets`;
export const configMapName = (w: ResolvedWorkload) => `${w.name}-files`;
export const claimName = (w: ResolvedWorkload, volume: string) => `${w.name}-${volume}`;
export const sharedClaimName = (volume: string) => `shared-${volume}`;

/** Selector labels: stable for the workload's lifetime. */
export function selectorLabels(w: ResolvedWorkload): Record<string, string> {
  return { "app.kubernetes.io/name": w.name, "app.kubernetes.io/instance": w.name };
}

/** Recommended labels on every object. */
export function objectLabels(w: ResolvedWorkload): Record<string, string> {
  return {
    ...selectorLabels(w),
    "app.kubernetes.io/component": w.part,
    "app.kubernetes.io/part-of": "homeport",
    "app.kubernetes.io/managed-by": "pulumi",
  };
}

/**
 * Per-node workloads are DaemonSets; run-to-completion jobs are Jobs; stateful workloads with
 * their own RWO volumes are StatefulSets (one claim per replica); everything else is a Deployment.
 */
export function controllerKind(w: ResolvedWorkload): ControllerKind {
  if (w.scheduling.mode === "per-node") return "DaemonSet";
  if (w.scheduling.mode === "job") return "Job";
  const ownsBlock = w.volumes.some((v) => v.class === "local" || v.class === "block");
  return w.state === "stateful" && ownsBlock ? "StatefulSet" : "Deployment";
}

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
 * Service at the first failure; a startup probe gives slow starters their start period.
 */
export function probes(
  h: ResolvedHealthCheck | undefined,
): Pick<k8s.types.input.core.v1.Container, "livenessProbe" | "readinessProbe" | "startupProbe"> {
  if (!h) return {};
  const action = probeAction(h);
  const period = wholeSeconds(h.interval);
  const timeout = wholeSeconds(h.timeout);
  return {
    startupProbe: {
      ...action,
      periodSeconds: 5,
      timeoutSeconds: timeout,
      failureThreshold: Math.max(1, Math.ceil(wholeSeconds(h.startPeriod) / 5)) + h.retries,
    },
    livenessProbe: {
      ...action,
      periodSeconds: period,
      timeoutSeconds: timeout,
      failureThreshold: h.retries,
    },
    readinessProbe: {
      ...action,
      periodSeconds: Math.max(1, Math.floor(period / 2)),
      timeoutSeconds: timeout,
      failureThreshold: 1,
      successThreshold: 1,
    },
  };
}

function nodeRequirement(
  c: NodeConstraint & { operator: "==" | "!=" },
): k8s.types.input.core.v1.NodeSelectorRequirement | undefined {
  const key =
    c.attribute === "hostname"
      ? "kubernetes.io/hostname"
      : c.attribute === "label"
        ? c.key
        : undefined;
  // Swarm's manager/worker role has no Kubernetes counterpart: it is not translated.
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

function userContext(user: string | undefined) {
  if (!user) return {};
  const [uid, gid] = user.split(":").map(Number);
  return {
    runAsUser: uid,
    ...(gid !== undefined && !Number.isNaN(gid) ? { runAsGroup: gid } : {}),
  };
}

/** Service account of a workload that reads the API to discover others. */
export const serviceAccountName = (w: ResolvedWorkload) => `${w.name}-discovery`;

/** What a discovering workload may read: pods, services and endpoints of its namespace. */
export const DISCOVERY_RULES: k8s.types.input.rbac.v1.PolicyRule[] = [
  {
    apiGroups: [""],
    resources: ["pods", "services", "endpoints"],
    verbs: ["get", "list", "watch"],
  },
  {
    apiGroups: ["discovery.k8s.io"],
    resources: ["endpointslices"],
    verbs: ["get", "list", "watch"],
  },
];

/** What the reverse proxy may do in the stack's namespace: read routes, their backends and TLS. */
export const ROUTE_SERVING_RULES: k8s.types.input.rbac.v1.PolicyRule[] = [
  {
    apiGroups: [""],
    resources: ["services", "secrets", "configmaps"],
    verbs: ["get", "list", "watch"],
  },
  { apiGroups: ["discovery.k8s.io"], resources: ["endpointslices"], verbs: ["list", "watch"] },
  { apiGroups: ["networking.k8s.io"], resources: ["ingresses"], verbs: ["get", "list", "watch"] },
  { apiGroups: ["networking.k8s.io"], resources: ["ingresses/status"], verbs: ["update"] },
  {
    apiGroups: ["traefik.io"],
    resources: [
      "middlewares",
      "middlewaretcps",
      "ingressroutes",
      "ingressroutetcps",
      "ingressrouteudps",
      "traefikservices",
      "tlsoptions",
      "tlsstores",
      "serverstransports",
      "serverstransporttcps",
    ],
    verbs: ["get", "list", "watch"],
  },
];

/** What the reverse proxy may read cluster-wide: IngressClasses and Nodes, which are not namespaced. */
export const ROUTE_SERVING_CLUSTER_RULES: k8s.types.input.rbac.v1.PolicyRule[] = [
  {
    apiGroups: ["networking.k8s.io"],
    resources: ["ingressclasses"],
    verbs: ["get", "list", "watch"],
  },
  { apiGroups: [""], resources: ["nodes"], verbs: ["get", "list", "watch"] },
];

/** True when a workload talks to the Kubernetes API and so gets its own service account. */
export const usesApi = (w: ResolvedWorkload): boolean =>
  w.security.discovery || w.security.servesRoutes;

/**
 * A workload that runs as a non-root group owns its volumes and secret files through that group
 * (fsGroup), so a fresh claim and a 0400 secret are readable and writable by it.
 */
function volumeGroup(w: ResolvedWorkload): { fsGroup?: number } {
  const gid = Number(w.security.user?.split(":")[1]);
  return Number.isInteger(gid) && gid > 0 ? { fsGroup: gid } : {};
}

/** The pod template's spec. Pure: references secrets, config maps and claims by name. */
export function podSpec(w: ResolvedWorkload): PodSpec {
  const volumes: k8s.types.input.core.v1.Volume[] = [];
  const mounts: k8s.types.input.core.v1.VolumeMount[] = [];
  const kind = controllerKind(w);
  for (const v of w.volumes) {
    const volName = `vol-${v.name}`;
    mounts.push({ name: volName, mountPath: v.mountPath, readOnly: v.readOnly || undefined });
    if (v.class === "ephemeral")
      volumes.push({ name: volName, emptyDir: { sizeLimit: memoryQuantity(v.size) } });
    else if (v.class === "host-readonly")
      volumes.push({ name: volName, hostPath: { path: v.hostPath as string } });
    else if (v.class === "shared")
      volumes.push({
        name: volName,
        persistentVolumeClaim: { claimName: sharedClaimName(v.name) },
      });
    else if (kind !== "StatefulSet")
      volumes.push({ name: volName, persistentVolumeClaim: { claimName: claimName(w, v.name) } });
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
          ...userContext(w.security.user),
        },
        volumeMounts: mounts.length > 0 ? mounts : undefined,
        ...probes(w.health),
      },
    ],
    volumes: volumes.length > 0 ? volumes : undefined,
  };
}

/** Rollout: start-first surges a new pod before removing an old one; stop-first does the reverse. */
export function deploymentStrategy(
  w: ResolvedWorkload,
): k8s.types.input.apps.v1.DeploymentStrategy {
  const hasRwo = w.volumes.some((v) => v.class === "local" || v.class === "block");
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

/** cert-manager's Ingress annotation naming the ClusterIssuer that fills the TLS secrets. */
export const CLUSTER_ISSUER_ANNOTATION = "cert-manager.io/cluster-issuer";

/**
 * Routes to a proxy-internal service (Traefik's `api@internal`) cannot be Ingress rules, which
 * name Kubernetes Services only: they become a Traefik IngressRoute instead.
 */
const isInternal = (r: ResolvedWorkload["routes"][number]): boolean =>
  r.internalService !== undefined;

/** True when the workload has routes an Ingress can carry. */
export const hasIngressRoutes = (w: ResolvedWorkload): boolean =>
  w.routes.some((r) => !isInternal(r));

/** Secret of the certificate for a workload's routes to proxy-internal services. */
export const internalTlsSecretName = (w: ResolvedWorkload) => `${w.name}-internal-tls`;

/** Name of the LoadBalancer Service that publishes a workload's published ports. */
export const publicServiceName = (w: ResolvedWorkload) => `${w.name}-public`;

/**
 * The LoadBalancer Service for a workload's published ports (the reverse proxy's 80 and 443), or
 * undefined when it publishes none. A load balancer (MetalLB, the cloud's, k3s' ServiceLB) takes
 * the role of Swarm's and Nomad's node ports without binding host ports, which the namespace's
 * baseline Pod Security level forbids; `Local` keeps the client's address.
 */
export function publicServiceSpec(
  w: ResolvedWorkload,
): k8s.types.input.core.v1.ServiceSpec | undefined {
  const published = w.ports.flatMap((p) =>
    p.publish ? [{ ...p, hostPort: p.publish.hostPort }] : [],
  );
  if (published.length === 0) return undefined;
  return {
    type: "LoadBalancer",
    externalTrafficPolicy: "Local",
    selector: selectorLabels(w),
    ports: published.map((p) => ({
      name: p.name,
      port: p.hostPort,
      targetPort: p.name,
      protocol: p.protocol.toUpperCase(),
    })),
  };
}

/** Ingress rules and TLS for a workload's routes (Traefik's Ingress provider). */
export function ingressSpec(
  w: ResolvedWorkload,
  ingressClass: string,
): k8s.types.input.networking.v1.IngressSpec {
  const routes = w.routes.filter((r) => !isInternal(r));
  const tlsHosts = [...new Set(routes.filter((r) => r.tls).map((r) => r.host))];
  return {
    ingressClassName: ingressClass,
    tls: tlsHosts.length > 0 ? [{ hosts: tlsHosts, secretName: `${w.name}-tls` }] : undefined,
    rules: routes.map((r) => ({
      host: r.host,
      http: {
        paths: [
          {
            path: r.pathPrefix,
            pathType: "Prefix",
            backend: { service: { name: w.name, port: { name: r.port } } },
          },
        ],
      },
    })),
  };
}

/** Traefik annotations of the workload's Ingress: entry point, TLS, middlewares. */
export function ingressAnnotations(
  w: ResolvedWorkload,
  namespace: string,
  extra: Record<string, string>,
): Record<string, string> {
  const anyTls = w.routes.some((r) => r.tls && !isInternal(r));
  const middlewares = w.routes.flatMap((r, i) =>
    isInternal(r)
      ? []
      : r.middlewares.map(
          (mw, j) =>
            `${namespace}-${middlewareName(routerName(w.name, i), j, mw.kind)}@kubernetescrd`,
        ),
  );
  return {
    "traefik.ingress.kubernetes.io/router.entrypoints": anyTls
      ? ENTRYPOINT_WEBSECURE
      : ENTRYPOINT_WEB,
    ...(anyTls ? { "traefik.ingress.kubernetes.io/router.tls": "true" } : {}),
    ...(middlewares.length > 0
      ? { "traefik.ingress.kubernetes.io/router.middlewares": middlewares.join(",") }
      : {}),
    ...extra,
  };
}

/** Traefik Middleware custom resources for a workload's routes. */
export function middlewareObjects(
  w: ResolvedWorkload,
): { name: string; spec: Record<string, unknown>; secret?: pulumi.Input<string> }[] {
  return w.routes.flatMap((r, i) =>
    r.middlewares.map((mw, j) => {
      const name = middlewareName(routerName(w.name, i), j, mw.kind);
      switch (mw.kind) {
        case "basic-auth":
          return {
            name,
            spec: { basicAuth: { secret: `${name}-users`, removeHeader: true } },
            secret: mw.users,
          };
        case "forward-auth":
          return { name, spec: { forwardAuth: { address: mw.address, trustForwardHeader: true } } };
        case "security-headers":
          return {
            name,
            spec: {
              headers: {
                stsSeconds: 31536000,
                stsIncludeSubdomains: true,
                contentTypeNosniff: true,
                frameDeny: true,
              },
            },
          };
        case "rate-limit":
          return { name, spec: { rateLimit: { average: mw.average, burst: mw.burst } } };
      }
    }),
  );
}

/**
 * Traefik IngressRoute for a workload's routes to proxy-internal services, or undefined when it
 * has none. TLS uses `tlsSecret` when a certificate is issued for these hosts, else Traefik's
 * default certificate.
 */
export function ingressRouteSpec(
  w: ResolvedWorkload,
  tlsSecret: string | undefined,
): Record<string, unknown> | undefined {
  const routes = w.routes.flatMap((r, i) => (isInternal(r) ? [{ r, i }] : []));
  if (routes.length === 0) return undefined;
  const anyTls = routes.some(({ r }) => r.tls);
  return {
    entryPoints: [anyTls ? ENTRYPOINT_WEBSECURE : ENTRYPOINT_WEB],
    routes: routes.map(({ r, i }) => ({
      kind: "Rule",
      match: routeRule(r),
      middlewares: r.middlewares.map((mw, j) => ({
        name: middlewareName(routerName(w.name, i), j, mw.kind),
      })),
      services: [{ name: r.internalService, kind: "TraefikService" }],
    })),
    ...(anyTls ? { tls: tlsSecret ? { secretName: tlsSecret } : {} } : {}),
  };
}

/**
 * cert-manager Certificate for the hosts of a workload's TLS routes to proxy-internal services
 * (cert-manager's Ingress integration does not see IngressRoutes), or undefined when it has none.
 */
export function internalCertificateSpec(
  w: ResolvedWorkload,
  clusterIssuer: string,
): Record<string, unknown> | undefined {
  const hosts = [...new Set(w.routes.filter((r) => isInternal(r) && r.tls).map((r) => r.host))];
  if (hosts.length === 0) return undefined;
  return {
    secretName: internalTlsSecretName(w),
    dnsNames: hosts,
    issuerRef: { kind: "ClusterIssuer", name: clusterIssuer },
  };
}
