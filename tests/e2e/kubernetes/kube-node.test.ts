/**
 * End-to-end: the Kubernetes e2e stack (Pulumi.e2e-kubernetes.yaml) deployed with a real
 * `pulumi up` and the real kubernetes provider onto a real single-node Kubernetes
 * (tools/engines.sh start-kube-node: etcd, kube-apiserver, kube-controller-manager,
 * kube-scheduler, Debian's containerd, kubelet, kube-proxy, CoreDNS), then checked from the
 * outside. See docs/e2e.md, "A Kubernetes node".
 *
 * What the cluster's own add-ons would do is done by the suite, and named so: it installs
 * Traefik's CRDs (as Traefik's chart would), makes one hostPath PersistentVolume per claim of
 * the stack (static provisioning: the node has no provisioner), and gives the proxy's
 * LoadBalancer Service an address on the node's bridge (as MetalLB would; kube-proxy then routes
 * that address to Traefik). Each check that cannot run here is skipped with the reason.
 */
import assert from "node:assert/strict";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { after, before, describe, it, TestContext } from "node:test";
import * as yaml from "js-yaml";
import { META } from "../../../components/model/metadata";
import { createStackHostPaths } from "../lib/engine";
import { record, seconds, FIGURES_FILE } from "../lib/figures";
import { requestLoop, tryRequest } from "../lib/https";
import { describePods, KubeClient, Pod, podSettled } from "../lib/kube";
import {
  AlertReceiver,
  checkDiscoveredTargets,
  checkTargetDown,
  checkWatchdog,
  PrometheusApi,
  setReceiverSecrets,
} from "../lib/monitoring";
import {
  block as blockDeployment,
  deployedWorkspace,
  ROOT,
  toolchainEnv,
  toolchainEnvFile,
  Workspace,
} from "../lib/pulumi";
import { must, run, runSync, tail, waitFor } from "../lib/shell";
import {
  checkDashboard,
  checkGrafanaThroughProxy,
  checkRedirect,
  checkRoutes,
  routeHosts,
} from "../lib/proxy-checks";
import { traefikCrdFile, TRAEFIK_VERSION } from "../lib/traefik";
import { Engine, ensureEngines, startEngine, stopEngine } from "../nomad/engines";

const STACK = "e2e-kubernetes";
const STACK_FILE = path.join(ROOT, `Pulumi.${STACK}.yaml`);
const POLICY = [
  "--policy-pack",
  path.join(ROOT, "policies"),
  "--policy-pack-config",
  path.join(ROOT, "policies/config/dev.json"),
];
const NODE_ENGINES = [
  "etcd",
  "kube-apiserver",
  "kube-controller-manager",
  "kube-scheduler",
  "kubelet",
  "kube-proxy",
  "coredns",
];
/** The address the suite gives the proxy's LoadBalancer Service: on the node's bridge, below the pods' range. */
const LOAD_BALANCER_IP = "10.87.0.100";
const ROLLOUT_IMAGE = "homeport-e2e/image-api:2";
/** Cluster-wide kinds the stack makes, found by the platform's part-of label. */
const CLUSTER_KINDS = [
  "rbac.authorization.k8s.io/v1/clusterroles",
  "rbac.authorization.k8s.io/v1/clusterrolebindings",
  "scheduling.k8s.io/v1/priorityclasses",
  "networking.k8s.io/v1/ingressclasses",
];

/** The stack's cluster-wide objects, as "kind/name". */
async function clusterObjects(): Promise<string[]> {
  const found: string[] = [];
  for (const kind of CLUSTER_KINDS) {
    const l = await state.kube!.get<{ items: { metadata: { name: string } }[] }>(
      `/apis/${kind}?labelSelector=app.kubernetes.io%2Fpart-of%3Dhomeport`,
    );
    found.push(...l.items.map((i) => `${path.basename(kind)}/${i.metadata.name}`));
  }
  return found.sort();
}

/** What the stack makes in its namespaces, each of which `pulumi destroy` must take away. */
const NAMESPACED_KINDS = [
  "pods",
  "services",
  "configmaps",
  "secrets",
  "serviceaccounts",
  "apps/v1/deployments",
  "apps/v1/statefulsets",
  "apps/v1/daemonsets",
  "batch/v1/jobs",
  "networking.k8s.io/v1/ingresses",
  "networking.k8s.io/v1/networkpolicies",
  "policy/v1/poddisruptionbudgets",
  "rbac.authorization.k8s.io/v1/roles",
  "rbac.authorization.k8s.io/v1/rolebindings",
  "traefik.io/v1alpha1/middlewares",
  "traefik.io/v1alpha1/ingressroutes",
];
const SETTLE_TIMEOUT_MS = 6 * 60_000;
/** The Swarm suite's images, saved from its engine (tests/e2e/images/export-images.sh). */
const E2E_CACHE =
  process.env.HOMEPORT_E2E_CACHE ?? path.join(process.env.HOME ?? "/root", ".cache/homeport/e2e");
const IMAGES_ARCHIVE = path.join(E2E_CACHE, "kube-images.tar");

const state: {
  blocked?: string;
  ws?: Workspace;
  deployed?: boolean;
  destroyed?: boolean;
  node?: Engine;
  kube?: KubeClient;
  namespaces: string[];
  hosts: Record<string, string>;
  credentials: Record<string, string>;
  dashboardAuth?: string;
  receiver?: AlertReceiver;
  alertingFrom?: number;
  loadBalancer?: NodeJS.Timeout;
} = { namespaces: [], hosts: {}, credentials: {} };

const block = (reason: string) => blockDeployment(state, reason);
const needsDeployment = (t: TestContext) => deployedWorkspace(t, state, "pulumi up");
const viaProxy = { address: LOAD_BALANCER_IP };
const createdHostPaths: string[] = [];

function ctr(...args: string[]) {
  return runSync(
    "ctr",
    ["--address", state.node!.env.HOMEPORT_CONTAINERD_SOCKET, "--namespace", "k8s.io", ...args],
    { timeoutMs: 5 * 60_000 },
  );
}

/**
 * What the images are built from: the image sources and the upstream builds they hold (as
 * build-images.sh hashes them for its stand-in base), so the archive is saved again when any
 * changed, and never because another tree rebuilt the shared engine's images.
 */
function imagesKey(): string {
  const hash = crypto.createHash("sha256");
  const dir = path.join(ROOT, "tests/e2e/images");
  for (const f of (fs.readdirSync(dir, { recursive: true }) as string[]).sort()) {
    const file = path.join(dir, f);
    if (fs.statSync(file).isFile()) hash.update(f).update(fs.readFileSync(file));
  }
  const cache = path.dirname(toolchainEnvFile());
  for (const build of ["traefik", "prometheus", "cadvisor"]) {
    const stamp = fs
      .readdirSync(cache)
      .filter((d) => d.startsWith(`${build}-`))
      .sort()
      .map((d) => path.join(cache, d, ".stamp"))
      .find((s) => fs.existsSync(s));
    hash.update(`${build}:${stamp ? fs.readFileSync(stamp, "utf8") : "none"}`);
  }
  return hash.digest("hex");
}

/** The images archive, saved again when the e2e engine's images changed since it was written. */
async function imagesArchive(): Promise<string | undefined> {
  const keyFile = `${IMAGES_ARCHIVE}.key`;
  const key = fs.existsSync(keyFile) ? fs.readFileSync(keyFile, "utf8").trim() : "";
  if (fs.existsSync(IMAGES_ARCHIVE) && key === imagesKey()) return undefined;
  // The Docker engine is shared with the Swarm suites: its lock, for the time of one `docker save`.
  const r = await run(
    "flock",
    [
      "/tmp/homeport-docker.lock",
      path.join(ROOT, "tests/e2e/images/export-images.sh"),
      IMAGES_ARCHIVE,
    ],
    { timeoutMs: 60 * 60_000 },
  );
  if (r.status !== 0)
    return `the test images could not be exported from the e2e engine (tests/e2e/images/export-images.sh, exit ${r.status}): ${tail(r.stderr, 5)}`;
  fs.writeFileSync(keyFile, `${imagesKey()}\n`);
  return undefined;
}

/** As the cluster's load balancer would: an address for every LoadBalancer Service. */
async function assignLoadBalancerAddresses(): Promise<void> {
  for (const ns of state.namespaces) {
    const r = await state
      .kube!.request("GET", `/api/v1/namespaces/${ns}/services`)
      .catch(() => undefined);
    if (r?.status !== 200) continue;
    const items = (
      r.body as {
        items: {
          metadata: { name: string };
          spec: { type: string };
          status?: { loadBalancer?: { ingress?: unknown[] } };
        }[];
      }
    ).items;
    for (const s of items.filter(
      (s) => s.spec.type === "LoadBalancer" && !s.status?.loadBalancer?.ingress?.length,
    )) {
      await state
        .kube!.request(
          "PATCH",
          `/api/v1/namespaces/${ns}/services/${s.metadata.name}/status`,
          { status: { loadBalancer: { ingress: [{ ip: LOAD_BALANCER_IP, ipMode: "VIP" }] } } },
          "application/merge-patch+json",
        )
        .catch(() => undefined);
    }
  }
}

/** One Retain hostPath PersistentVolume per claim the stack's StatefulSets make (no class, as the claims). */
async function createVolumes(kube: KubeClient, dir: string, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const p = path.join(dir, `pv-${i}`);
    fs.mkdirSync(p, { recursive: true });
    // The pods run as their images' users; a hostPath volume keeps the directory's owner.
    fs.chmodSync(p, 0o777);
    await kube.create("/api/v1/persistentvolumes", {
      apiVersion: "v1",
      kind: "PersistentVolume",
      metadata: { name: `homeport-e2e-${i}`, labels: { "homeport.e2e/volume": "true" } },
      spec: {
        capacity: { storage: "20Gi" },
        accessModes: ["ReadWriteOnce"],
        persistentVolumeReclaimPolicy: "Retain",
        storageClassName: "",
        hostPath: { path: p, type: "Directory" },
      },
    });
  }
}

async function installTraefikCrds(kube: KubeClient): Promise<number> {
  const file = traefikCrdFile();
  assert.ok(file, `no Traefik ${TRAEFIK_VERSION} CRD file in the Go module cache`);
  let n = 0;
  for (const crd of yaml.loadAll(fs.readFileSync(file, "utf8"))) {
    if (!crd) continue;
    await kube.create("/apis/apiextensions.k8s.io/v1/customresourcedefinitions", crd);
    n++;
  }
  return n;
}

async function allPods(): Promise<Pod[]> {
  return (await Promise.all(state.namespaces.map((ns) => state.kube!.pods(ns)))).flat();
}

async function podsSettled(): Promise<Pod[] | undefined> {
  const pods = await allPods();
  return pods.length > 0 && pods.every(podSettled) ? pods : undefined;
}

/** Prometheus' HTTP API at its pod's address on the node's bridge. */
function prometheusApi(): PrometheusApi {
  return async (query) => {
    const pod = (await allPods()).find(
      (p) => p.metadata.annotations?.[META.workload] === "prometheus" && podSettled(p),
    );
    if (!pod?.status.podIP) return undefined;
    const r = await fetch(`http://${pod.status.podIP}:9090${query}`).catch(() => undefined);
    return r?.ok ? ((await r.json()) as unknown) : undefined;
  };
}

/** The running pod of a workload (the platform's workload annotation). */
async function podOf(workload: string): Promise<Pod | undefined> {
  return (await allPods()).find(
    (p) =>
      p.metadata.annotations?.[META.workload] === workload &&
      podSettled(p) &&
      p.status.phase === "Running",
  );
}

const containerId = (p: Pod) =>
  String(p.status.containerStatuses?.[0]?.containerID ?? "").replace(/^containerd:\/\//, "");

describe("e2e: the platform on a real single-node Kubernetes", { concurrency: false }, () => {
  before(async () => {
    if (process.getuid?.() !== 0)
      return block("a Kubernetes node needs root (containerd, kubelet, iptables)");
    if (!fs.existsSync(STACK_FILE)) return block(`${STACK_FILE} is missing`);
    const env = toolchainEnv();
    if (typeof env === "string") return block(env);
    if (!traefikCrdFile())
      return block(
        `no Traefik ${TRAEFIK_VERSION} CRD file in the Go module cache (tests/e2e/images/build-traefik.sh downloads it)`,
      );
    const missing = await ensureEngines(NODE_ENGINES);
    if (missing) return block(missing);
    const images = await imagesArchive();
    if (images) return block(images);
    try {
      state.node = await startEngine("kube-node");
    } catch (e) {
      return block((e as Error).message);
    }
    console.log(`# ${state.node.report.split("\n").slice(-1)[0]}`);
    record("kubeNodeStartSeconds", seconds(state.node.startMs), " s");
    state.kube = new KubeClient(state.node.env);
    const t0 = Date.now();
    const imported = ctr("images", "import", IMAGES_ARCHIVE);
    if (imported.status !== 0)
      return block(`ctr images import failed: ${tail(imported.stderr, 5)}`);
    record("kubeImagesImportSeconds", seconds(Date.now() - t0), " s");
    const crds = await installTraefikCrds(state.kube);
    console.log(`# Traefik ${TRAEFIK_VERSION}: ${crds} CRDs installed`);
    await createVolumes(state.kube, path.join(state.node.dir, "volumes"), 8);
    createdHostPaths.push(...createStackHostPaths());

    state.ws = new Workspace(STACK, STACK_FILE, { ...env, KUBECONFIG: state.node.env.KUBECONFIG });
    const k8s = (state.ws.config()["homeport:kubernetes"] ?? {}) as { namespace?: string };
    const ns = k8s.namespace ?? "homeport";
    state.namespaces = [ns, `${ns}-node-agents`];
    state.loadBalancer = setInterval(() => void assignLoadBalancerAddresses(), 1000);
    // Alertmanager posts to a receiver in this process, on the node's bridge address.
    state.receiver = await AlertReceiver.start(state.node.env.HOMEPORT_KUBE_NODE_ADDR);
    const monitoring = (state.ws.config()["homeport:monitoring"] ?? {}) as {
      alerting?: Record<string, unknown>;
    };
    state.ws.setConfig({
      "homeport:monitoring": {
        ...monitoring,
        alerting: { ...monitoring.alerting, receiver: "webhook" },
      },
    });
    must(
      runSync("pulumi", ["stack", "init", STACK, "--non-interactive"], {
        cwd: state.ws.projectDir,
        env: state.ws.env,
      }),
      "pulumi stack init",
    );
    setReceiverSecrets(state.ws, state.receiver);
  });

  after(async () => {
    clearInterval(state.loadBalancer);
    await state.receiver?.close();
    if (state.ws && state.deployed !== undefined && !state.destroyed) {
      const r = await state.ws.pulumi(["destroy", "--yes", "--skip-preview", "--refresh"]);
      console.log(`# cleanup: pulumi destroy exited ${r.status}`);
    }
    if (state.ws) {
      const log = state.ws.saveLog(path.join(path.dirname(FIGURES_FILE), "pulumi-kubernetes.log"));
      console.log(`# pulumi output: ${log}`);
      if (state.destroyed) fs.rmSync(state.ws.dir, { recursive: true, force: true });
    }
    if (state.node) await stopEngine(state.node.dir);
    for (const p of createdHostPaths.reverse()) fs.rmSync(p, { recursive: true, force: true });
  });

  it("pulumi up deploys the stack with the real kubernetes provider; every pod runs and is ready", async (t) => {
    if (state.blocked) return t.skip(state.blocked);
    const ws = state.ws!;
    state.deployed = false;
    const started = Date.now();
    const r = await ws.pulumi(["up", "--yes", "--skip-preview", ...POLICY], 20 * 60_000);
    const upSeconds = seconds(Date.now() - started);
    assert.equal(r.status, 0, `pulumi up failed:\n${tail(r.stdout, 60)}\n${tail(r.stderr)}`);
    state.deployed = true;
    state.alertingFrom = Date.now();
    const pods = await waitFor(
      "every pod to run and be ready",
      podsSettled,
      SETTLE_TIMEOUT_MS,
    ).catch(async (e: Error) => {
      throw new Error(`${e.message}\n${describePods(await allPods())}`);
    });
    record("kubeUpSeconds", upSeconds, " s");
    record("kubeSettledSeconds", seconds(Date.now() - started), " s");
    record("kubePods", pods.length);
    console.log(`# pods:\n${describePods(pods)}`);
    const outputs = ws.outputs();
    state.hosts = routeHosts(outputs);
    state.credentials = (outputs.credentials ?? {}) as Record<string, string>;
    const dashboard = state.credentials["proxy-dashboard-password"];
    if (dashboard) state.dashboardAuth = `admin:${dashboard}`;
  });

  it("the proxy (real Traefik) answers on HTTPS at its LoadBalancer address and routes each host to its own service", async (t) => {
    if (!needsDeployment(t)) return;
    await checkRoutes(state.hosts, viaProxy);
  });

  it("redirects plain HTTP to HTTPS", async (t) => {
    if (!needsDeployment(t)) return;
    await checkRedirect(state.hosts["proxy-whoami"], viaProxy);
  });

  it("refuses the dashboard without credentials and accepts the generated ones", async (t) => {
    if (!needsDeployment(t)) return;
    const host = state.hosts["proxy-dashboard"];
    if (!host) return t.skip("the dashboard is disabled in the stack");
    await checkDashboard(host, state.dashboardAuth, viaProxy);
  });

  it("monitoring: Prometheus discovers every workload that declares metrics through Kubernetes discovery, all up, and finds Alertmanager", async (t) => {
    if (!needsDeployment(t)) return;
    const declared = [
      ...new Set(
        (await allPods())
          .filter(
            (p) =>
              p.metadata.annotations?.[META.metricsPort] && p.metadata.annotations?.[META.workload],
          )
          .map((p) => p.metadata.annotations![META.workload]),
      ),
    ].sort();
    const api = prometheusApi();
    const report = await checkDiscoveredTargets(api, {
      metaPrefix: "__meta_kubernetes_",
      declared,
      timeoutMs: 240_000,
    });
    record("kubeMonitoringScrapeSeconds", seconds(report.waitedMs), " s");
    record("kubeMonitoringTargetsUp", report.upByWorkload);
    const managers = ((await api("/api/v1/alertmanagers")) as { data: Record<string, unknown[]> })
      .data.activeAlertmanagers;
    assert.equal(managers?.length, 1, "Prometheus found no Alertmanager");
  });

  it("monitoring: the Watchdog reaches the dead man's switch URL", async (t) => {
    if (!needsDeployment(t)) return;
    const delivery = await checkWatchdog(state.receiver!, state.alertingFrom!, 180_000);
    record("kubeWatchdogAfterUpSeconds", seconds(delivery.receivedAt - state.alertingFrom!), " s");
  });

  it("monitoring: a pod that stops answering (its container frozen) fires TargetDown, delivered by Alertmanager to the test's webhook receiver", async (t) => {
    if (!needsDeployment(t)) return;
    // As on Swarm: a deleted pod's target leaves discovery with it; a frozen one stays and stops
    // answering scrapes. The broker's liveness probe (every 30 s, 3 failures) leaves it running.
    const workload = "rabbitmq";
    const pod = await podOf(workload);
    assert.ok(pod, `no running ${workload} pod`);
    const id = containerId(pod);
    const paused = Date.now();
    must(ctr("tasks", "pause", id), "ctr tasks pause");
    try {
      const { delivery, alert } = await checkTargetDown(state.receiver!, workload, paused, 240_000);
      record("kubeTargetDownDeliveredSeconds", seconds(delivery.receivedAt - paused), " s");
      console.log(`# TargetDown: ${alert.annotations.description}`);
    } finally {
      must(ctr("tasks", "resume", id), "ctr tasks resume");
    }
  });

  it("monitoring: Grafana (a stand-in) takes only the generated password, and its provisioned data source answers a query through the proxy", async (t) => {
    if (!needsDeployment(t)) return;
    const answer = await checkGrafanaThroughProxy(state.hosts.grafana, state.credentials, viaProxy);
    record("kubeGrafanaQuerySeries", answer.series);
  });

  it("a second run changes nothing (pulumi preview --expect-no-changes)", async (t) => {
    const ws = needsDeployment(t);
    if (!ws) return;
    const r = await ws.pulumi(["preview", "--expect-no-changes", "--diff", ...POLICY]);
    assert.equal(
      r.status,
      0,
      `the preview found changes:\n${tail(r.stdout, 80)}\n${tail(r.stderr)}`,
    );
  });

  it("rolls out a new backend image with zero failed requests under a steady request loop through the proxy", async (t) => {
    const ws = needsDeployment(t);
    if (!ws) return;
    const host = state.hosts["apps.api"];
    ws.pulumiSync(["config", "set", "--path", "homeport:apps.images.backend", ROLLOUT_IMAGE]);
    const loop = requestLoop(host, "/health", 20, LOAD_BALANCER_IP);
    const started = Date.now();
    const r = await ws.pulumi(["up", "--yes", "--skip-preview", ...POLICY]);
    await waitFor(
      "every pod to run and be ready after the rollout",
      podsSettled,
      SETTLE_TIMEOUT_MS,
    );
    await new Promise((res) => setTimeout(res, 15_000));
    const result = await loop.stop();
    assert.equal(r.status, 0, `pulumi up failed:\n${tail(r.stdout)}\n${tail(r.stderr)}`);
    record("kubeRolloutSeconds", seconds(Date.now() - started), " s");
    record("kubeRolloutRequests", result.requests);
    record("kubeRolloutFailures", result.failures);
    console.log(
      `# versions seen: ${result.versions.join(" -> ")}; failures: ${result.samples.join("; ")}`,
    );
    const images = (await allPods())
      .filter((p) => p.metadata.annotations?.[META.workload] === "backend")
      .map((p) => p.spec.containers[0].image);
    assert.deepEqual([...new Set(images)], [ROLLOUT_IMAGE]);
    assert.ok(result.versions.includes("backend/2"), "no request reached the new version");
    assert.equal(result.failures, 0, `failed requests: ${result.samples.join("; ")}`);
  });

  it("replaces a killed pod, and the route answers again", async (t) => {
    if (!needsDeployment(t)) return;
    const host = state.hosts["proxy-whoami"];
    const victim = await podOf("whoami");
    assert.ok(victim, "no running whoami pod");
    const killed = Date.now();
    // Its container killed and the pod deleted at once (no grace): the ReplicaSet makes another.
    must(ctr("tasks", "kill", "--signal", "SIGKILL", containerId(victim)), "ctr tasks kill");
    const gone = await state.kube!.request(
      "DELETE",
      `/api/v1/namespaces/${victim.metadata.namespace}/pods/${victim.metadata.name}?gracePeriodSeconds=0`,
    );
    assert.equal(gone.status, 200, JSON.stringify(gone.body));
    await waitFor(
      "a replacement whoami pod, ready",
      async () => {
        const p = await podOf("whoami");
        return p && p.metadata.uid !== victim.metadata.uid ? p : undefined;
      },
      120_000,
      250,
    );
    const replaced = Date.now();
    await waitFor(
      `https://${host}/ to answer again`,
      async () =>
        (await tryRequest(host, "/health", viaProxy))?.status === 200 ? true : undefined,
      60_000,
      250,
    );
    record("kubeRecoverySeconds", seconds(replaced - killed), " s");
    record("kubeRecoveryThroughProxySeconds", seconds(Date.now() - killed), " s");
  });

  it("pulumi destroy leaves nothing of the stack but its retained claims (and their namespace)", async (t) => {
    const ws = needsDeployment(t);
    if (!ws) return;
    const claimsBefore = (
      await Promise.all(
        state.namespaces.map((ns) =>
          state.kube!.get<{ items: { metadata: { name: string } }[] }>(
            `/api/v1/namespaces/${ns}/persistentvolumeclaims`,
          ),
        ),
      )
    )
      .flatMap((l) => l.items.map((c) => c.metadata.name))
      .sort();
    assert.ok(claimsBefore.length > 0, "the stack made no claim");
    const clusterBefore = await clusterObjects();
    console.log(`# cluster-wide objects of the stack: ${clusterBefore.join(", ")}`);
    assert.ok(clusterBefore.length > 0, "no cluster-wide object carries the part-of label");
    const r = await ws.pulumi(["destroy", "--yes", "--skip-preview"]);
    assert.equal(r.status, 0, `pulumi destroy failed:\n${tail(r.stdout)}\n${tail(r.stderr)}`);
    state.deployed = false;
    state.destroyed = true;
    const left: string[] = [];
    for (const ns of state.namespaces) {
      for (const kind of NAMESPACED_KINDS) {
        const items = await waitFor(
          `${ns} ${kind} to go`,
          async () => {
            const group = kind.includes("/") ? `/apis/${path.dirname(kind)}` : "/api/v1";
            const l = await state.kube!.request(
              "GET",
              `${group}/namespaces/${ns}/${path.basename(kind)}`,
            );
            if (l.status === 404) return [];
            const names = (l.body as { items: { metadata: { name: string } }[] }).items
              .map((i) => i.metadata.name)
              // What Kubernetes itself keeps in every namespace.
              .filter(
                (n) =>
                  !(kind === "serviceaccounts" && n === "default") &&
                  !(kind === "configmaps" && n === "kube-root-ca.crt"),
              );
            return kind === "pods" && names.length > 0 ? undefined : names;
          },
          120_000,
        );
        left.push(...items.map((n) => `${ns}/${kind}/${n}`));
      }
    }
    assert.deepEqual(left, [], "objects left behind by pulumi destroy");
    assert.deepEqual(await clusterObjects(), [], "cluster-wide objects left behind");
    const claimsAfter = (
      await Promise.all(
        state.namespaces.map(async (ns) => {
          const l = await state.kube!.request(
            "GET",
            `/api/v1/namespaces/${ns}/persistentvolumeclaims`,
          );
          return l.status === 200
            ? (l.body as { items: { metadata: { name: string } }[] }).items.map(
                (c) => c.metadata.name,
              )
            : [];
        }),
      )
    )
      .flat()
      .sort();
    record("kubeRetainedClaims", claimsAfter.length);
    assert.deepEqual(
      claimsAfter,
      claimsBefore,
      "the claims that hold the stack's data must outlive pulumi destroy",
    );
  });
});
