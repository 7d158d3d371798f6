import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { Recorder, resource, stackConfig, startRecorder } from "../../helpers/harness";
import { TOKENS } from "../../helpers/types";

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

const deployment = () => resource(rec, TOKENS.deployment, "traefik").inputs as Inputs;
const pod = () => deployment().spec.template.spec;

describe("reverse proxy on Kubernetes", () => {
  it("runs the configured replicas spread across nodes, a new one ready before an old one stops", () => {
    const spec = deployment().spec;
    assert.equal(spec.replicas, 3);
    assert.deepEqual(spec.strategy, {
      type: "RollingUpdate",
      rollingUpdate: { maxSurge: 1, maxUnavailable: 0 },
    });
    assert.deepEqual(pod().topologySpreadConstraints, [
      {
        maxSkew: 1,
        topologyKey: "kubernetes.io/hostname",
        whenUnsatisfiable: "ScheduleAnyway",
        labelSelector: {
          matchLabels: {
            "app.kubernetes.io/name": "traefik",
            "app.kubernetes.io/instance": "traefik",
          },
        },
      },
    ]);
  });

  it("reads Ingresses and Traefik CRDs of the namespace, with no ACME resolver of its own", () => {
    const args: string[] = pod().containers[0].args;
    assert.deepEqual(args.slice(-6), [
      "--providers.kubernetesingress=true",
      "--providers.kubernetesingress.ingressClass=traefik",
      "--providers.kubernetesingress.namespaces=edge",
      "--providers.kubernetesingress.ingressEndpoint.publishedService=edge/traefik-public",
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
    assert.equal(rec.resources.filter((r) => r.type === TOKENS.claim).length, 0);
  });

  it("probes /ping on Traefik's own entry point", () => {
    const container = pod().containers[0];
    assert.deepEqual(container.readinessProbe.httpGet, { path: "/ping", port: "traefik" });
    assert.deepEqual(container.livenessProbe.httpGet, { path: "/ping", port: "traefik" });
  });

  it("routes the dashboard to api@internal through an IngressRoute behind basic auth", () => {
    const route = resource(rec, TOKENS.ingressRoute, "traefik-ingressroute").inputs as Inputs;
    assert.equal(route.metadata.namespace, "edge");
    assert.deepEqual(route.spec, {
      entryPoints: ["websecure"],
      routes: [
        {
          kind: "Rule",
          match: "Host(`traefik.home.example.org`)",
          middlewares: [{ name: "traefik-basic-auth" }, { name: "traefik-security-headers-1" }],
          services: [{ name: "api@internal", kind: "TraefikService" }],
        },
      ],
      tls: { secretName: "traefik-internal-tls" },
    });
    const auth = resource(rec, TOKENS.traefikMiddleware, "traefik-traefik-basic-auth")
      .inputs as Inputs;
    assert.deepEqual(auth.spec, {
      basicAuth: { secret: "traefik-basic-auth-users", removeHeader: true },
    });
    const users = resource(rec, TOKENS.secret, "traefik-traefik-basic-auth-users").inputs as Inputs;
    assert.equal(users.stringData, "[secret]");
    const ingresses = rec.resources.filter((r) => r.type === TOKENS.ingress);
    assert.deepEqual(ingresses, []);
  });

  it("asks cert-manager's ClusterIssuer for the dashboard's certificate", () => {
    const cert = resource(rec, TOKENS.certificate, "traefik-internal-certificate").inputs as Inputs;
    assert.deepEqual(cert.spec, {
      secretName: "traefik-internal-tls",
      dnsNames: ["traefik.home.example.org"],
      issuerRef: { kind: "ClusterIssuer", name: "letsencrypt" },
    });
  });

  it("publishes 80 and 443 through a LoadBalancer Service, binding no host port", () => {
    const svc = resource(rec, TOKENS.service, "traefik-public").inputs as Inputs;
    assert.equal(svc.metadata.name, "traefik-public");
    assert.equal(svc.metadata.annotations["homeport.dev/part"], "proxy");
    assert.deepEqual(svc.spec, {
      type: "LoadBalancer",
      externalTrafficPolicy: "Local",
      selector: { "app.kubernetes.io/name": "traefik", "app.kubernetes.io/instance": "traefik" },
      ports: [
        { name: "web", port: 80, targetPort: "web", protocol: "TCP" },
        { name: "websecure", port: 443, targetPort: "websecure", protocol: "TCP" },
      ],
    });
    for (const port of pod().containers[0].ports) assert.equal(port.hostPort, undefined);
  });

  it("reads the API with its own service account, limited to routes and their TLS", () => {
    assert.equal(pod().serviceAccountName, "traefik-discovery");
    assert.equal(pod().automountServiceAccountToken, true);
    const role = resource(rec, TOKENS.role, "traefik-discovery").inputs as Inputs;
    assert.deepEqual(
      role.rules.map((r: Inputs) => [r.apiGroups[0], r.resources.slice(0, 3), r.verbs]),
      [
        ["", ["services", "secrets", "configmaps"], ["get", "list", "watch"]],
        ["discovery.k8s.io", ["endpointslices"], ["list", "watch"]],
        ["networking.k8s.io", ["ingresses"], ["get", "list", "watch"]],
        ["networking.k8s.io", ["ingresses/status"], ["update"]],
        [
          "traefik.io",
          ["middlewares", "middlewaretcps", "ingressroutes"],
          ["get", "list", "watch"],
        ],
      ],
    );
    const cluster = resource(rec, TOKENS.clusterRole, "traefik-cluster-read").inputs as Inputs;
    assert.equal(cluster.metadata.name, "edge-traefik-discovery");
    assert.deepEqual(cluster.rules, [
      {
        apiGroups: ["networking.k8s.io"],
        resources: ["ingressclasses"],
        verbs: ["get", "list", "watch"],
      },
      { apiGroups: [""], resources: ["nodes"], verbs: ["get", "list", "watch"] },
    ]);
    const binding = resource(rec, TOKENS.clusterRoleBinding, "traefik-cluster-read")
      .inputs as Inputs;
    assert.deepEqual(binding.subjects, [
      { kind: "ServiceAccount", name: "traefik-discovery", namespace: "edge" },
    ]);
  });

  it("creates the stack's IngressClass for Traefik", () => {
    const ingressClass = resource(rec, TOKENS.ingressClass, "kubernetes-ingress-class")
      .inputs as Inputs;
    assert.equal(ingressClass.metadata.name, "traefik");
    assert.deepEqual(ingressClass.spec, { controller: "traefik.io/ingress-controller" });
  });

  it("keeps a disruption budget of one proxy", () => {
    const pdb = resource(rec, TOKENS.disruptionBudget, "traefik-pdb").inputs as Inputs;
    assert.equal(pdb.spec.maxUnavailable, 1);
  });
});
