import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { before, describe, it } from "node:test";
import {
  Recorder,
  resource,
  stackConfig,
  startRecorder,
  testParent,
} from "../../../helpers/harness";
import { dbWorkload, exporterWorkload, webWorkload } from "../../../helpers/workloads";
import { TOKENS } from "../../../helpers/types";

type Inputs = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
let rec: Recorder;

before(async () => {
  rec = await startRecorder("test");
  const { KubernetesPlatform } =
    await import("../../../../components/platforms/kubernetes/kubernetes-platform");
  const config = stackConfig({
    target: "kubernetes",
    domain: "home.example.org",
    parts: [],
    // An existing Ceph cluster whose StorageClasses the stack names.
    storage: { backend: "ceph", ceph: { monitors: ["10.0.0.1:6789"] } },
    kubernetes: {
      context: "lab",
      namespace: "hp",
      storageClasses: { shared: "cephfs", block: "ceph-rbd" },
    },
  });
  const parent = await testParent();
  const platform = new KubernetesPlatform("kubernetes", { config }, { parent });
  platform.deploy("web", "apps", webWorkload, { parent });
  platform.deploy("db", "apps", dbWorkload, { parent });
  platform.deploy("exporter", "monitoring", exporterWorkload, { parent });
  await rec.settle();
});

const container = (controller: Inputs) => controller.spec.template.spec.containers[0];

describe("Kubernetes adapter", () => {
  it("denies by default in the namespace and gives each workload its NetworkPolicy before its pods start", () => {
    const deny = resource(rec, TOKENS.networkPolicy, "kubernetes-default-deny").inputs as Inputs;
    assert.equal(deny.metadata.name, "homeport-default-deny");
    assert.equal(deny.metadata.namespace, "hp");
    assert.deepEqual(deny.spec, {
      podSelector: { matchExpressions: [{ key: "homeport.dev/flow-group", operator: "Exists" }] },
      policyTypes: ["Ingress", "Egress"],
    });
    const policy = resource(rec, TOKENS.networkPolicy, "web-network-policy");
    assert.equal((policy.inputs as Inputs).metadata.name, "web");
    assert.equal((policy.inputs as Inputs).metadata.namespace, "hp");
    const web = resource(rec, TOKENS.deployment, "web");
    assert.equal(
      (web.inputs as Inputs).spec.template.metadata.labels["homeport.dev/flow-group"],
      "web",
    );
    assert.ok(web.dependsOn.includes(policy.urn), "the pods start after their policy exists");
  });

  it("targets the configured context and namespace", () => {
    const provider = resource(rec, "pulumi:providers:kubernetes", "kubernetes-k8s").inputs;
    assert.equal(provider.context, "lab");
    assert.equal(provider.namespace, "hp");
    const namespace = resource(rec, TOKENS.namespace, "kubernetes-namespace");
    const ns = namespace.inputs as Inputs;
    assert.equal(ns.metadata.name, "hp");
    assert.equal(ns.metadata.labels["pod-security.kubernetes.io/enforce"], "baseline");
    // It holds the claims: deleting it on destroy would delete them.
    assert.equal(namespace.retainOnDelete, true);
  });

  it("makes the stateless service a Deployment with replicas, probes, resources and a surge rollout", () => {
    const d = resource(rec, TOKENS.deployment, "web").inputs as Inputs;
    assert.equal(d.metadata.namespace, "hp");
    assert.equal(d.spec.replicas, 3);
    assert.deepEqual(d.spec.strategy, {
      type: "RollingUpdate",
      rollingUpdate: { maxSurge: 1, maxUnavailable: 0 },
    });
    const c = container(d);
    assert.equal(c.image, "registry.example/web:1.4.2");
    assert.deepEqual(c.livenessProbe, {
      httpGet: { path: "/health", port: "http" },
      periodSeconds: 15,
      timeoutSeconds: 3,
      failureThreshold: 4,
    });
    assert.deepEqual(c.readinessProbe, {
      httpGet: { path: "/health", port: "http" },
      periodSeconds: 7,
      timeoutSeconds: 3,
      failureThreshold: 1,
      successThreshold: 1,
    });
    assert.deepEqual(c.startupProbe, {
      httpGet: { path: "/health", port: "http" },
      periodSeconds: 5,
      timeoutSeconds: 3,
      failureThreshold: 8,
    });
    assert.deepEqual(c.resources, {
      requests: { cpu: "250m", memory: "128Mi" },
      limits: { cpu: "1000m", memory: "512Mi" },
    });
    assert.deepEqual(c.securityContext, {
      privileged: false,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ["ALL"] },
      runAsUser: 1000,
      runAsGroup: 1000,
      runAsNonRoot: true,
    });
    assert.deepEqual(d.spec.template.spec.topologySpreadConstraints, [
      {
        maxSkew: 1,
        topologyKey: "kubernetes.io/hostname",
        whenUnsatisfiable: "ScheduleAnyway",
        labelSelector: {
          matchLabels: { "app.kubernetes.io/name": "web", "app.kubernetes.io/instance": "web" },
        },
      },
    ]);
    assert.equal(d.spec.template.metadata.annotations["homeport.dev/metrics-path"], "/metrics");
    assert.equal(
      d.spec.template.metadata.annotations["homeport.dev/files-checksum"],
      createHash("sha256")
        .update(JSON.stringify(['{"mode":"prod"}']))
        .digest("hex"),
      "a changed file must roll the pods out",
    );
  });

  it("passes secrets through a Secret and secretKeyRef, never as env text", () => {
    const d = resource(rec, TOKENS.deployment, "web").inputs as Inputs;
    assert.deepEqual(container(d).env, [
      { name: "LOG_LEVEL", value: "info" },
      { name: "API_KEY", valueFrom: { secretKeyRef: { name: "web-secrets", key: "api-key" } } },
    ]);
    const secret = resource(rec, TOKENS.secret, "web-secrets").inputs as Inputs;
    assert.equal(secret.stringData, "[secret]");
    assert.ok(!JSON.stringify(rec.resources).includes("s3cr3t-value"));
  });

  it("mounts files from a ConfigMap and shared data from one RWX claim", () => {
    const cm = resource(rec, TOKENS.configMap, "web-files").inputs as Inputs;
    assert.deepEqual(cm.data, { settings: '{"mode":"prod"}' });
    const claim = resource(rec, TOKENS.claim, "shared-media").inputs as Inputs;
    assert.deepEqual(claim.spec, {
      accessModes: ["ReadWriteMany"],
      storageClassName: "cephfs",
      resources: { requests: { storage: "1Gi" } },
    });
    const d = resource(rec, TOKENS.deployment, "web").inputs as Inputs;
    assert.deepEqual(container(d).volumeMounts, [
      { name: "vol-media", mountPath: "/data" },
      { name: "vol-scratch", mountPath: "/tmp" },
      { name: "files", mountPath: "/etc/web/settings.json", subPath: "settings", readOnly: true },
    ]);
  });

  it("exposes the route as a TLS Ingress with the basic-auth middleware", () => {
    const ing = resource(rec, TOKENS.ingress, "web-ingress").inputs as Inputs;
    assert.equal(ing.spec.ingressClassName, "traefik");
    assert.deepEqual(ing.spec.tls, [{ hosts: ["web.home.example.org"], secretName: "web-tls" }]);
    assert.deepEqual(ing.spec.rules[0].http.paths[0], {
      path: "/",
      pathType: "Prefix",
      backend: { service: { name: "web", port: { name: "http" } } },
    });
    assert.deepEqual(ing.metadata.annotations, {
      "traefik.ingress.kubernetes.io/router.entrypoints": "websecure",
      "traefik.ingress.kubernetes.io/router.tls": "true",
      "traefik.ingress.kubernetes.io/router.middlewares": "hp-web-basic-auth@kubernetescrd",
    });
    const mw = resource(rec, TOKENS.traefikMiddleware, "web-web-basic-auth").inputs as Inputs;
    assert.deepEqual(mw.spec, {
      basicAuth: { secret: "web-basic-auth-users", removeHeader: true },
    });
    assert.equal(
      (resource(rec, TOKENS.secret, "web-web-basic-auth-users").inputs as Inputs).stringData,
      "[secret]",
    );
  });

  it("gives every replicated controller a PodDisruptionBudget", () => {
    const pdb = resource(rec, TOKENS.disruptionBudget, "web-pdb").inputs as Inputs;
    assert.deepEqual(pdb.spec, {
      maxUnavailable: 1,
      selector: {
        matchLabels: { "app.kubernetes.io/name": "web", "app.kubernetes.io/instance": "web" },
      },
    });
  });

  it("makes the stateful database a StatefulSet with a claim template and a headless Service", () => {
    const s = resource(rec, TOKENS.statefulSet, "db").inputs as Inputs;
    assert.equal(s.spec.replicas, 1);
    assert.equal(s.spec.serviceName, "db-headless");
    // Only what every server keeps: maxUnavailable is dropped where its feature gate is off.
    assert.deepEqual(s.spec.updateStrategy, { type: "RollingUpdate" });
    assert.deepEqual(s.spec.volumeClaimTemplates[0].spec, {
      accessModes: ["ReadWriteOnce"],
      storageClassName: "ceph-rbd",
      resources: { requests: { storage: "2Gi" } },
    });
    assert.deepEqual(container(s).securityContext.runAsUser, 999);
    assert.equal(
      s.metadata.annotations["policy.homeport.dev/exempt.workload-min-replicas"],
      "single-writer database",
    );
    const headless = resource(rec, TOKENS.service, "db-headless").inputs as Inputs;
    assert.equal(headless.spec.clusterIP, "None");
  });

  it("makes the exporter a DaemonSet with a read-only hostPath", () => {
    const ds = resource(rec, TOKENS.daemonSet, "exporter").inputs as Inputs;
    assert.deepEqual(ds.spec.template.spec.volumes, [
      { name: "vol-proc", hostPath: { path: "/proc" } },
    ]);
    assert.deepEqual(container(ds).volumeMounts, [
      { name: "vol-proc", mountPath: "/host/proc", readOnly: true },
    ]);
    assert.equal(
      rec.resources.some((r) => r.name === "exporter-pdb"),
      false,
    );
  });

  it("schedules the node agent before other pods, through the stack's one PriorityClass", () => {
    const classes = rec.resources.filter(
      (r) => r.type === "kubernetes:scheduling.k8s.io/v1:PriorityClass",
    );
    assert.deepEqual(
      classes.map((r) => [r.name, r.inputs]),
      [
        [
          "kubernetes-agent-priority",
          {
            apiVersion: "scheduling.k8s.io/v1",
            kind: "PriorityClass",
            metadata: {
              name: "hp-node-agents",
              labels: { "app.kubernetes.io/part-of": "homeport" },
            },
            value: 1000000,
            preemptionPolicy: "PreemptLowerPriority",
            globalDefault: false,
            description:
              "Per-node agents (exporters): scheduled on every node, before other workloads.",
          },
        ],
      ],
    );
    const ds = resource(rec, TOKENS.daemonSet, "exporter").inputs as Inputs;
    assert.equal(ds.spec.template.spec.priorityClassName, "hp-node-agents");
    const web = resource(rec, TOKENS.deployment, "web").inputs as Inputs;
    assert.equal(web.spec.template.spec.priorityClassName, undefined);
  });

  it("runs the node agent in a privileged namespace of its own, and the rest in the stack's", () => {
    const namespaces = rec.resources.filter((r) => r.type === "kubernetes:core/v1:Namespace");
    assert.deepEqual(
      namespaces.map((r) => [r.name, (r.inputs as Inputs).metadata]),
      [
        [
          "kubernetes-namespace",
          {
            name: "hp",
            labels: {
              "app.kubernetes.io/part-of": "homeport",
              "pod-security.kubernetes.io/enforce": "baseline",
              "pod-security.kubernetes.io/warn": "restricted",
            },
          },
        ],
        [
          "kubernetes-agent-namespace",
          {
            name: "hp-node-agents",
            labels: {
              "app.kubernetes.io/part-of": "homeport",
              "pod-security.kubernetes.io/enforce": "privileged",
              "pod-security.kubernetes.io/warn": "baseline",
            },
          },
        ],
      ],
    );
    const ds = resource(rec, TOKENS.daemonSet, "exporter").inputs as Inputs;
    assert.equal(ds.metadata.namespace, "hp-node-agents");
    const web = resource(rec, TOKENS.deployment, "web").inputs as Inputs;
    assert.equal(web.metadata.namespace, "hp");
  });
});

describe("the namespace's Pod Security level", () => {
  const level = async (settings: Record<string, unknown>) => {
    const { podSecurityLevel } =
      await import("../../../../components/platforms/kubernetes/kubernetes-platform");
    return podSecurityLevel(
      stackConfig({ target: "kubernetes", domain: "home.example.org", ...settings }),
    );
  };
  it("is baseline without node agents", async () => {
    assert.equal(await level({ parts: ["proxy", "apps"] }), "baseline");
  });
  it("is baseline with monitoring: the node agents have a namespace of their own", async () => {
    assert.equal(await level({ parts: ["proxy", "monitoring"] }), "baseline");
  });
  it("follows the setting", async () => {
    assert.equal(
      await level({ parts: ["monitoring"], kubernetes: { podSecurity: "restricted" } }),
      "restricted",
    );
  });
});
