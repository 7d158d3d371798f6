import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { Recorder, resource, stackConfig, startRecorder } from "../../helpers/harness";

type Inputs = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

let rec: Recorder;

before(async () => {
  rec = await startRecorder("test");
  const { Platform } = await import("../../../components/platform");
  const config = stackConfig({
    target: "kubernetes",
    domain: "home.example.org",
    parts: ["proxy"],
    sizes: { proxy: 3 },
    kubernetes: { namespace: "edge", ingressClass: "traefik" },
    proxy: { acme: { email: "ops@example.org", clusterIssuer: "letsencrypt" } },
  });
  new Platform("homeport", { config });
  await rec.settle();
});

const deployment = () => resource(rec, "kubernetes:apps/v1:Deployment", "traefik").inputs as Inputs;
const pod = () => deployment().spec.template.spec;

describe("reverse proxy on Kubernetes", () => {
  it("runs the configured replicas, one per node, replaced one at a time", () => {
    const spec = deployment().spec;
    assert.equal(spec.replicas, 3);
    assert.deepEqual(spec.strategy, {
      type: "RollingUpdate",
      rollingUpdate: { maxSurge: 0, maxUnavailable: 1 },
    });
    assert.deepEqual(
      pod().affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution,
      [
        {
          labelSelector: {
            matchLabels: {
              "app.kubernetes.io/name": "traefik",
              "app.kubernetes.io/instance": "traefik",
            },
          },
          topologyKey: "kubernetes.io/hostname",
        },
      ],
    );
    assert.equal(pod().topologySpreadConstraints[0].topologyKey, "kubernetes.io/hostname");
  });

  it("reads Ingresses and Traefik CRDs of the namespace, with no ACME resolver of its own", () => {
    const args: string[] = pod().containers[0].args;
    assert.deepEqual(args.slice(-5), [
      "--providers.kubernetesingress=true",
      "--providers.kubernetesingress.ingressClass=traefik",
      "--providers.kubernetesingress.namespaces=edge",
      "--providers.kubernetescrd=true",
      "--providers.kubernetescrd.namespaces=edge",
    ]);
    assert.ok(!args.some((a) => a.startsWith("--certificatesResolvers")));
    assert.ok(!args.some((a) => a.startsWith("--api.insecure")));
  });

  it("runs unprivileged without the Docker socket or ACME storage", () => {
    const container = pod().containers[0];
    assert.equal(container.securityContext.runAsUser, 65532);
    assert.equal(container.securityContext.readOnlyRootFilesystem, true);
    assert.deepEqual(container.securityContext.capabilities.drop, ["ALL"]);
    const volumes = (pod().volumes ?? []).map((v: Inputs) => v.name);
    assert.deepEqual(volumes, ["files"]);
    assert.equal(
      rec.resources.filter((r) => r.type === "kubernetes:core/v1:PersistentVolumeClaim").length,
      0,
    );
  });

  it("probes /ping on Traefik's own entry point", () => {
    const container = pod().containers[0];
    assert.deepEqual(container.readinessProbe.httpGet, { path: "/ping", port: "traefik" });
    assert.deepEqual(container.livenessProbe.httpGet, { path: "/ping", port: "traefik" });
  });

  it("asks cert-manager for the dashboard's certificate and protects it with basic auth", () => {
    const ingress = resource(rec, "kubernetes:networking.k8s.io/v1:Ingress", "traefik-ingress")
      .inputs as Inputs;
    assert.deepEqual(ingress.metadata.annotations, {
      "traefik.ingress.kubernetes.io/router.entrypoints": "websecure",
      "traefik.ingress.kubernetes.io/router.tls": "true",
      "traefik.ingress.kubernetes.io/router.middlewares":
        "edge-traefik-basic-auth@kubernetescrd,edge-traefik-security-headers-1@kubernetescrd",
      "cert-manager.io/cluster-issuer": "letsencrypt",
    });
    assert.deepEqual(ingress.spec.tls, [
      { hosts: ["traefik.home.example.org"], secretName: "traefik-tls" },
    ]);
    const auth = resource(
      rec,
      "kubernetes:traefik.io/v1alpha1:Middleware",
      "traefik-traefik-basic-auth",
    ).inputs as Inputs;
    assert.deepEqual(auth.spec, {
      basicAuth: { secret: "traefik-basic-auth-users", removeHeader: true },
    });
    const users = resource(rec, "kubernetes:core/v1:Secret", "traefik-traefik-basic-auth-users")
      .inputs as Inputs;
    assert.equal(users.stringData, "[secret]");
  });

  it("keeps a disruption budget of one proxy", () => {
    const pdb = resource(rec, "kubernetes:policy/v1:PodDisruptionBudget", "traefik-pdb")
      .inputs as Inputs;
    assert.equal(pdb.spec.maxUnavailable, 1);
  });
});
