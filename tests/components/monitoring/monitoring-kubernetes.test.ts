import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { Recorder, resource, resourcesOfType } from "../../helpers/harness";
import { deployMonitoring, Inputs } from "./monitoring-run";

const K = "kubernetes:";
let rec: Recorder;
let urls: Record<string, string>;

before(async () => {
  ({ rec, urls } = await deployMonitoring(
    {
      target: "kubernetes",
      kubernetes: { namespace: "homeport", storageClasses: { block: "ceph-rbd" } },
      monitoring: { uiUsers: "ops:$apr1$abc$hash", storageSize: "50Gi" },
    },
    ["monitoring"],
  ));
});

const inputs = (type: string, name: string): Inputs => resource(rec, `${K}${type}`, name).inputs;
const pod = (type: string, name: string): Inputs => inputs(type, name).spec.template.spec;
const container = (type: string, name: string): Inputs => pod(type, name).containers[0];

describe("Monitoring on Kubernetes", () => {
  it("runs the exporters as DaemonSets and the stateful servers as StatefulSets", () => {
    assert.deepEqual(Object.keys(resourcesOfType(rec, `${K}apps/v1:DaemonSet`)).sort(), [
      "cadvisor",
      "node-exporter",
    ]);
    assert.deepEqual(Object.keys(resourcesOfType(rec, `${K}apps/v1:StatefulSet`)).sort(), [
      "alertmanager",
      "grafana",
      "prometheus",
    ]);
    assert.equal(inputs("apps/v1:StatefulSet", "prometheus").spec.replicas, 1);
  });

  it("mounts the exporters' host paths read-only, without the Docker directories of Swarm and Nomad", () => {
    const volumes = pod("apps/v1:DaemonSet", "cadvisor").volumes as Inputs[];
    assert.deepEqual(
      volumes.map((v) => v.hostPath?.path),
      ["/", "/var/run", "/sys", "/dev/disk"],
    );
    const mounts = container("apps/v1:DaemonSet", "cadvisor").volumeMounts as Inputs[];
    assert.ok(mounts.every((m) => m.readOnly === true));
    assert.ok(!container("apps/v1:DaemonSet", "cadvisor").args.includes("--docker_only=true"));
    const exporterMounts = container("apps/v1:DaemonSet", "node-exporter").volumeMounts as Inputs[];
    assert.deepEqual(
      exporterMounts.map((m) => [m.mountPath, m.readOnly]),
      [
        ["/host/proc", true],
        ["/host/sys", true],
        ["/host/root", true],
      ],
    );
  });

  it("claims a block volume of the configured size for the TSDB", () => {
    const claims = inputs("apps/v1:StatefulSet", "prometheus").spec
      .volumeClaimTemplates as Inputs[];
    assert.deepEqual(
      claims.map((c) => c.spec),
      [
        {
          accessModes: ["ReadWriteOnce"],
          storageClassName: "ceph-rbd",
          resources: { requests: { storage: "50Gi" } },
        },
      ],
    );
    assert.equal(pod("apps/v1:StatefulSet", "prometheus").securityContext.fsGroup, 65534);
    // HA twins never share a node.
    assert.equal(
      pod("apps/v1:StatefulSet", "prometheus").affinity.podAntiAffinity
        .requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey,
      "kubernetes.io/hostname",
    );
  });

  it("gives Prometheus a service account that may only read pods, services and endpoints", () => {
    const spec = pod("apps/v1:StatefulSet", "prometheus");
    assert.equal(spec.serviceAccountName, "prometheus-discovery");
    assert.equal(spec.automountServiceAccountToken, true);
    assert.deepEqual(inputs("rbac.authorization.k8s.io/v1:Role", "prometheus-discovery").rules, [
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
    ]);
    const binding = inputs("rbac.authorization.k8s.io/v1:RoleBinding", "prometheus-discovery");
    assert.equal(binding.roleRef.kind, "Role");
    assert.deepEqual(binding.subjects, [
      { kind: "ServiceAccount", name: "prometheus-discovery", namespace: "homeport" },
    ]);
    // The same role in the node agents' namespace, for the same service account.
    const agents = inputs("rbac.authorization.k8s.io/v1:RoleBinding", "prometheus-discovery-1");
    assert.equal(agents.metadata.namespace, "homeport-node-agents");
    assert.deepEqual(agents.subjects, binding.subjects);
    assert.deepEqual(
      inputs("rbac.authorization.k8s.io/v1:Role", "prometheus-discovery-1").rules,
      inputs("rbac.authorization.k8s.io/v1:Role", "prometheus-discovery").rules,
    );
    assert.equal(
      inputs("apps/v1:DaemonSet", "node-exporter").metadata.namespace,
      "homeport-node-agents",
    );
    // The other workloads keep no API token.
    assert.equal(pod("apps/v1:StatefulSet", "grafana").automountServiceAccountToken, false);
    assert.equal(pod("apps/v1:DaemonSet", "cadvisor").automountServiceAccountToken, false);
  });

  it("annotates pods with the metrics port and path that Prometheus relabels on", () => {
    const annotations = inputs("apps/v1:DaemonSet", "node-exporter").spec.template.metadata
      .annotations as Record<string, string>;
    assert.equal(annotations["homeport.dev/metrics-port"], "9100");
    assert.equal(annotations["homeport.dev/metrics-path"], "/metrics");
    const config = inputs("core/v1:ConfigMap", "prometheus-files").data.config as string;
    assert.match(
      config,
      /kubernetes_sd_configs:\n\s+- role: pod\n\s+namespaces:\n\s+names:\n\s+- homeport/,
    );
  });

  it("keeps the Alertmanager configuration and Grafana's password in Secrets", () => {
    assert.equal(inputs("core/v1:Secret", "alertmanager-secrets").stringData, "[secret]");
    assert.equal(inputs("core/v1:Secret", "grafana-secrets").stringData, "[secret]");
    const env = container("apps/v1:StatefulSet", "grafana").env as Inputs[];
    assert.ok(env.some((e) => e.name === "GF_SECURITY_ADMIN_PASSWORD__FILE"));
    assert.ok(!env.some((e) => e.name === "GF_SECURITY_ADMIN_PASSWORD"));
  });

  it("routes the Prometheus and Alertmanager UIs only behind basic auth when UI users are set", () => {
    for (const name of ["prometheus", "alertmanager"]) {
      const ingress = inputs("networking.k8s.io/v1:Ingress", `${name}-ingress`);
      assert.equal(ingress.spec.rules[0].host, `${name}.home.example.org`);
      assert.equal(
        ingress.metadata.annotations["traefik.ingress.kubernetes.io/router.middlewares"],
        `homeport-${name}-basic-auth@kubernetescrd,homeport-${name}-security-headers-1@kubernetescrd`,
      );
      assert.equal(
        inputs("traefik.io/v1alpha1:Middleware", `${name}-${name}-basic-auth`).spec.basicAuth
          .secret,
        `${name}-basic-auth-users`,
      );
    }
    assert.ok(
      container("apps/v1:StatefulSet", "prometheus").args.includes(
        "--web.external-url=https://prometheus.home.example.org/",
      ),
    );
    assert.deepEqual(urls, {
      grafana: "https://grafana.home.example.org",
      prometheus: "https://prometheus.home.example.org",
      alertmanager: "https://alertmanager.home.example.org",
    });
  });
});
