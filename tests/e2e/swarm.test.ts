/**
 * End-to-end: the e2e stack (Pulumi.e2e.yaml) deployed with a real `pulumi up` onto a real
 * single-node Docker Swarm, then checked from the outside. See docs/e2e.md.
 *
 * Each check that cannot run here says why and counts as skipped; a check whose precondition
 * failed (no deployment) is skipped with that reason, and the failing step itself fails.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { after, before, describe, it, TestContext } from "node:test";
import {
  assertOnlyRetainedLeft,
  containerEnv,
  converged,
  DOCKER,
  docker,
  engineApi,
  engineObjects,
  gatewayAddress,
  inspectService,
  Kind,
  retainedVolumes,
  serviceContainers,
  serviceNames,
  serviceState,
} from "./lib/docker";
import {
  buildTestImages,
  createStackHostPaths,
  startSwarmEngine,
  stopSwarmEngine,
} from "./lib/engine";
import { record, seconds, FIGURES_FILE } from "./lib/figures";
import { requestLoop, tryRequest } from "./lib/https";
import {
  AlertReceiver,
  checkDiscoveredTargets,
  checkReplacementDiscovered,
  checkTargetDown,
  checkWatchdog,
  PrometheusApi,
  setReceiverSecrets,
  workloadTargets,
} from "./lib/monitoring";
import { block as blockDeployment, deployedWorkspace, ROOT, Workspace } from "./lib/pulumi";
import { must, run, runSync, tail, waitFor } from "./lib/shell";
import { META } from "../../components/model/metadata";
import {
  checkDashboard,
  checkGrafanaThroughProxy,
  checkRedirect,
  checkRoutes,
  routeHosts,
} from "./lib/proxy-checks";
import { stackFileForThisMachine, stackParts } from "./lib/stacks";

/**
 * The stack deployed: the e2e stack by default; HOMEPORT_E2E_STACK=dev deploys the dev stack with
 * its own settings, only this machine's overrides on top (tests/e2e/lib/stacks.ts);
 * HOMEPORT_E2E_STACK=path/to/Pulumi.<name>.yaml deploys that file as it is.
 */
const STACK_FILE = stackFileForThisMachine(process.env.HOMEPORT_E2E_STACK ?? "e2e");
const STACK = /^Pulumi\.(.+)\.ya?ml$/.exec(path.basename(STACK_FILE))?.[1] ?? "e2e";
const POLICY_PACK = path.join(ROOT, "policies");
const POLICY_CONFIG = path.join(POLICY_PACK, "config", "dev.json");
const CONVERGE_TIMEOUT_MS = 5 * 60_000;
/** The image the rollout check moves the backend to (built by tests/e2e/images). */
const ROLLOUT_IMAGE = "homeport-e2e/image-api:2";

/** Everything the checks share; `blocked` says why the deployment checks cannot run. */
const state: {
  blocked?: string;
  ws?: Workspace;
  deployed?: boolean;
  destroyed?: boolean;
  upStarted?: number;
  /** Milliseconds from the first `pulumi up` to every service converged. */
  convergenceMs?: number;
  policy?: string[];
  services: string[];
  baseline?: Record<Kind, string[]>;
  hosts: Record<string, string>;
  dashboardAuth?: string;
  credentials: Record<string, string>;
  /** The test's alert receiver, or why there is none. */
  receiver?: AlertReceiver;
  noReceiver?: string;
  /** When the alerting settings took effect (the end of pulumi up). */
  alertingFrom?: number;
} = { services: [], hosts: {}, credentials: {} };

/** The images' provenance labels (build-images.sh): upstream build, Debian package or stand-in. */
function imageSource(image: string): string {
  const r = docker("image", "inspect", "-f", "{{json .Config.Labels}}", image);
  if (r.status !== 0) return "missing";
  const labels = (JSON.parse(r.stdout) ?? {}) as Record<string, string>;
  if (labels["homeport.e2e.upstream"]) return `upstream ${labels["homeport.e2e.upstream"]}`;
  if (labels["homeport.e2e.debian"]) return `debian ${labels["homeport.e2e.debian"]}`;
  if (labels["homeport.e2e.standin"]) return `stand-in ${labels["homeport.e2e.standin"]}`;
  return "stand-in";
}

/** Prometheus' HTTP API from inside its running container (the UI is not routed in this stack). */
function prometheusApi(): PrometheusApi {
  const prometheus = state.services.find((s) => /prometheus$/.test(s));
  assert.ok(prometheus, "the monitoring part deployed no Prometheus service");
  return async (query) => {
    const container = serviceContainers(prometheus).find((c) => c.status.startsWith("Up"));
    if (!container) return undefined;
    const r = await run(
      DOCKER,
      ["exec", container.id, "wget", "-q", "-O", "-", `http://127.0.0.1:9090${query}`],
      { timeoutMs: 30_000 },
    );
    return r.status === 0 ? (JSON.parse(r.stdout) as unknown) : undefined;
  };
}

/** Workloads whose services declare a metrics endpoint (the platform's metrics-port label). */
function declaredMetricsWorkloads(): string[] {
  return state.services
    .map((s) => inspectService(s).Spec.Labels ?? {})
    .filter((l) => l[META.metricsPort] && l[META.workload])
    .map((l) => l[META.workload])
    .sort();
}

/** Skips the alerting checks when the test's receiver could not be set up. */
function needsReceiver(t: TestContext): AlertReceiver | undefined {
  if (!state.receiver) {
    t.skip(state.noReceiver ?? "the alert receiver was not set up");
    return undefined;
  }
  return state.receiver;
}

/** Host paths the suite created for the monitoring part, removed at the end. */
const createdHostPaths: string[] = [];

const block = (reason: string) => blockDeployment(state, reason);
const needsDeployment = (t: TestContext) => deployedWorkspace(t, state, "pulumi up");

/** Skips the test (with the reason) when the stack does not deploy `part`. */
function needsPart(t: TestContext, part: string): boolean {
  const parts = (state.ws?.config()["homeport:parts"] as string[] | undefined) ?? [];
  if (parts.includes(part)) return true;
  t.skip(`the ${STACK} stack has no ${part} part`);
  return false;
}

async function allConverged(): Promise<string | undefined> {
  const states = serviceNames().map(serviceState);
  const pending = states.filter((s) => !converged(s));
  return states.length > 0 && pending.length === 0 ? "ok" : undefined;
}

function convergenceReport(): string {
  return serviceNames()
    .map(serviceState)
    .map((s) => s.summary)
    .join("\n");
}

describe("e2e: the platform on a real Docker Swarm", { concurrency: false }, () => {
  before(async () => {
    if (!fs.existsSync(STACK_FILE)) {
      block(`${STACK_FILE} is missing`);
      return;
    }
    const env = await startSwarmEngine();
    if (typeof env === "string") {
      block(env);
      return;
    }
    const t0 = Date.now();
    // A stack without the proxy part needs no Traefik (nor its build).
    const images = buildTestImages(stackParts(STACK_FILE).includes("proxy"));
    if (typeof images === "string") {
      block(images);
      return;
    }
    console.log(`# images (${seconds(Date.now() - t0)}s):\n${images.report}`);

    state.baseline = engineObjects();
    state.ws = new Workspace(STACK, STACK_FILE, env);
    const parts = (state.ws.config()["homeport:parts"] as string[] | undefined) ?? [];
    if (parts.includes("monitoring")) {
      // Prometheus reads the engine's socket as the group that owns it on this machine.
      const gid = fs.statSync("/var/run/docker.sock").gid;
      const monitoring = (state.ws.config()["homeport:monitoring"] ?? {}) as Record<
        string,
        unknown
      >;
      state.ws.setConfig({ "homeport:monitoring": { ...monitoring, dockerGroupId: gid } });
      createdHostPaths.push(...createStackHostPaths());
      console.log(
        `# monitoring: docker group ${gid}; created host paths: ${createdHostPaths.join(", ") || "none"}`,
      );
    }
    const gateway = parts.includes("monitoring") ? gatewayAddress() : undefined;
    if (parts.includes("monitoring") && gateway) {
      // Alertmanager posts to a receiver in this process, on the Swarm's gateway bridge.
      state.receiver = await AlertReceiver.start(gateway);
      const monitoring = (state.ws.config()["homeport:monitoring"] ?? {}) as {
        alerting?: Record<string, unknown>;
      };
      state.ws.setConfig({
        "homeport:monitoring": {
          ...monitoring,
          alerting: { ...monitoring.alerting, receiver: "webhook" },
        },
      });
      console.log(`# alert receiver: ${state.receiver.url("/")}`);
    } else if (parts.includes("monitoring")) {
      state.noReceiver = "the engine has no docker_gwbridge address for an alert receiver";
    }
    must(
      runSync("pulumi", ["stack", "init", STACK, "--non-interactive"], {
        cwd: state.ws.projectDir,
        env: state.ws.env,
      }),
      "pulumi stack init",
    );
    if (state.receiver) setReceiverSecrets(state.ws, state.receiver);
  });

  after(async () => {
    await state.receiver?.close();
    if (state.ws && state.upStarted !== undefined && !state.destroyed) {
      // Leave the engine as it was found, whatever failed on the way.
      const r = await state.ws.pulumi(["destroy", "--yes", "--skip-preview", "--refresh"]);
      console.log(`# cleanup: pulumi destroy exited ${r.status}`);
    }
    if (state.ws) {
      const log = state.ws.saveLog(path.join(path.dirname(FIGURES_FILE), "pulumi.log"));
      console.log(`# pulumi output: ${log}; figures: ${FIGURES_FILE}`);
      // The state of a destroyed stack is of no further use; a failed run keeps it to look at.
      if (state.destroyed) fs.rmSync(state.ws.dir, { recursive: true, force: true });
    }
    for (const p of createdHostPaths.reverse()) fs.rmSync(p, { recursive: true, force: true });
    if (!state.blocked) stopSwarmEngine();
  });

  it("previews the stack with the policy pack attached, no mandatory violation", async (t) => {
    if (state.blocked) return t.skip(state.blocked);
    const ws = state.ws!;
    const r = await ws.pulumi([
      "preview",
      "--policy-pack",
      POLICY_PACK,
      "--policy-pack-config",
      POLICY_CONFIG,
    ]);
    if (r.status === 0)
      state.policy = ["--policy-pack", POLICY_PACK, "--policy-pack-config", POLICY_CONFIG];
    assert.equal(
      r.status,
      0,
      `preview with the policy pack failed:\n${tail(r.stdout)}\n${tail(r.stderr)}`,
    );
    const advisories = r.stdout.split("\n").filter((l) => /\[advisory\]/.test(l));
    console.log(
      `# policy pack: ${advisories.length} advisory finding(s)\n${advisories.join("\n")}`,
    );
  });

  it("pulumi up deploys the stack and every service converges, all tasks running and healthy", async (t) => {
    if (state.blocked) return t.skip(state.blocked);
    const ws = state.ws!;
    if (!state.policy) {
      console.log("# pulumi up runs WITHOUT the policy pack: the preview with it failed");
    }
    state.upStarted = Date.now();
    const r = await ws.pulumi(["up", "--yes", "--skip-preview", ...(state.policy ?? [])]);
    const upSeconds = seconds(Date.now() - state.upStarted);
    assert.equal(r.status, 0, `pulumi up failed:\n${tail(r.stdout, 60)}\n${tail(r.stderr)}`);
    state.deployed = true;
    state.alertingFrom = Date.now();
    await waitFor("every service to converge", allConverged, CONVERGE_TIMEOUT_MS).catch((e) => {
      throw new Error(`${(e as Error).message}\n${convergenceReport()}`);
    });
    state.convergenceMs = Date.now() - state.upStarted;
    record("upSeconds", upSeconds, " s");
    record("convergenceSeconds", seconds(state.convergenceMs), " s");
    state.services = serviceNames();
    console.log(`# services:\n${convergenceReport()}`);
    const outputs = ws.outputs();
    state.hosts = routeHosts(outputs);
    const credentials = (outputs.credentials ?? {}) as Record<string, string>;
    state.credentials = credentials;
    if (credentials["proxy-dashboard-password"]) {
      state.dashboardAuth = `admin:${credentials["proxy-dashboard-password"]}`;
    }
    assert.ok(
      state.services.length >= 2,
      `expected the proxy and its routes, got ${state.services}`,
    );
  });

  it("the proxy answers on HTTPS and routes each host to its own service", async (t) => {
    if (!needsDeployment(t) || !needsPart(t, "proxy")) return;
    await checkRoutes(state.hosts);
  });

  it("redirects plain HTTP to HTTPS", async (t) => {
    if (!needsDeployment(t) || !needsPart(t, "proxy")) return;
    await checkRedirect(Object.values(state.hosts)[0]);
  });

  it("refuses the dashboard without credentials and accepts the generated ones", async (t) => {
    if (!needsDeployment(t) || !needsPart(t, "proxy")) return;
    const host = state.hosts["proxy-dashboard"];
    if (!host) return t.skip("the dashboard is disabled in the e2e stack");
    await checkDashboard(host, state.dashboardAuth);
  });

  it("monitoring: Prometheus discovers every workload that declares metrics through Swarm discovery, all up, and finds Alertmanager", async (t) => {
    if (!needsDeployment(t) || !needsPart(t, "monitoring")) return;
    const images = (
      state.ws!.config()["homeport:monitoring"] as { images?: Record<string, string> }
    ).images;
    const sources = Object.fromEntries(
      Object.entries(images ?? {}).map(([k, image]) => [k, imageSource(image)]),
    );
    record("monitoringImages", sources);
    const api = prometheusApi();
    const declared = [...new Set(declaredMetricsWorkloads())];
    const report = await checkDiscoveredTargets(api, {
      metaPrefix: "__meta_dockerswarm_",
      declared,
      timeoutMs: 240_000,
    });
    record("monitoringScrapeSeconds", seconds(report.waitedMs), " s");
    record("monitoringTargetsUp", report.upByWorkload);
    console.log(
      `# prometheus targets: ${report.targets.map((x) => `${x.labels.job}/${x.labels.workload ?? "-"}=${x.health}`).join(", ")}`,
    );
    const managers = ((await api("/api/v1/alertmanagers")) as { data: Record<string, unknown[]> })
      .data.activeAlertmanagers;
    assert.equal(managers?.length, 1, "Prometheus found no Alertmanager");
  });

  it("monitoring: the Watchdog reaches the dead man's switch URL", async (t) => {
    if (!needsDeployment(t) || !needsPart(t, "monitoring")) return;
    const receiver = needsReceiver(t);
    if (!receiver) return;
    const delivery = await checkWatchdog(receiver, state.alertingFrom!, 180_000);
    record("watchdogAfterUpSeconds", seconds(delivery.receivedAt - state.alertingFrom!), " s");
  });

  it("monitoring: a task that stops answering (docker pause) fires TargetDown, delivered by Alertmanager to the test's webhook receiver", async (t) => {
    if (!needsDeployment(t) || !needsPart(t, "monitoring")) return;
    const receiver = needsReceiver(t);
    if (!receiver) return;
    // A killed Swarm task is replaced within seconds and its target leaves discovery with it, so
    // it never stays a target that is down; a task whose processes are frozen stays discovered
    // and stops answering scrapes, which is what TargetDown is about. The broker's health check
    // (every 30 s, 3 retries) leaves it running long enough.
    const victimWorkload = "rabbitmq";
    const service = state.services.find(
      (s) => inspectService(s).Spec.Labels?.[META.workload] === victimWorkload,
    );
    if (!service) return t.skip(`the ${STACK} stack has no ${victimWorkload} workload`);
    const victim = serviceContainers(service).find((c) => c.status.startsWith("Up"));
    assert.ok(victim, `${service} has no running container`);
    const paused = Date.now();
    must(docker("pause", victim.id), "docker pause");
    try {
      const { delivery, alert } = await checkTargetDown(receiver, victimWorkload, paused, 240_000);
      record("targetDownDeliveredSeconds", seconds(delivery.receivedAt - paused), " s");
      console.log(`# TargetDown: ${alert.annotations.description}`);
    } finally {
      must(docker("unpause", victim.id), "docker unpause");
    }
  });

  it("monitoring: a killed task's target leaves discovery and its replacement is scraped, up", async (t) => {
    if (!needsDeployment(t) || !needsPart(t, "monitoring")) return;
    const workload = "rabbitmq";
    const service = state.services.find(
      (s) => inspectService(s).Spec.Labels?.[META.workload] === workload,
    );
    if (!service) return t.skip(`the ${STACK} stack has no ${workload} workload`);
    const api = prometheusApi();
    const taskKey = "__meta_dockerswarm_task_id";
    // The check before pauses this very task: its target is down until a scrape after the
    // unpause answers (one scrape interval, or more while the scrape that timed out ends).
    const before = await waitFor(
      `a ${workload} target that is up`,
      async () => (await workloadTargets(api, workload)).find((x) => x.health === "up"),
      90_000,
    ).catch(() => undefined);
    assert.ok(
      before,
      `Prometheus scrapes no ${workload} target that is up (90 s after the unpause)`,
    );
    const task = before.discoveredLabels[taskKey];
    const victim = serviceContainers(service).find((c) => c.status.startsWith("Up"));
    assert.ok(victim, `${service} has no running container`);
    const killed = Date.now();
    must(docker("kill", victim.id), "docker kill");
    const fresh = await checkReplacementDiscovered(api, workload, taskKey, task, 180_000);
    record("replacementScrapedSeconds", seconds(Date.now() - killed), " s");
    console.log(`# ${workload}: task ${task} killed; ${fresh.scrapeUrl} scraped, up`);
  });

  it("monitoring: Grafana (a stand-in) takes only the generated password, and its provisioned data source answers a query through the proxy", async (t) => {
    if (!needsDeployment(t) || !needsPart(t, "monitoring")) return;
    if (!needsPart(t, "proxy")) return;
    const answer = await checkGrafanaThroughProxy(state.hosts.grafana, state.credentials);
    record("grafanaQuerySeries", answer.series);
  });

  it("isolates by flows: from the proxy's and the exporters' networks MinIO's and RabbitMQ's ports are unreachable, from the backend's they answer", async (t) => {
    if (!needsDeployment(t) || !needsPart(t, "apps")) return;
    const find = (pattern: RegExp) => state.services.find((s) => pattern.test(s));
    const backend = find(/-backend$/);
    const targets = [
      { name: "MinIO", service: find(/-minio(-0)?$/), port: 9000 },
      { name: "RabbitMQ", service: find(/-rabbitmq(-0)?$/), port: 5672 },
    ];
    const sources = [
      { name: "proxy", service: find(/-traefik$/), reaches: false },
      { name: "node-exporter", service: find(/-node-exporter$/), reaches: false },
      { name: "backend", service: backend, reaches: true },
    ];
    const missing = [...targets, ...sources].filter((x) => !x.service).map((x) => x.name);
    if (missing.length > 0) return t.skip(`the stack has no ${missing.join(", ")} service`);
    // Each target by the address of a running task on its own flow group's network, so that a
    // refusal is the network's and not a name that does not resolve.
    const addressOf = (service: string): string => {
      const group = inspectService(service).Spec.Labels?.[META.flowGroup];
      const task = serviceContainers(service).find((c) => c.status.startsWith("Up"));
      assert.ok(group && task, `${service} has no flow group label or no running task`);
      const networks = JSON.parse(
        must(docker("inspect", "-f", "{{json .NetworkSettings.Networks}}", task.id), "inspect"),
      ) as Record<string, { IPAddress: string }>;
      const own = Object.entries(networks).find(([n]) => n.endsWith(`-flow-${group}`));
      assert.ok(own, `${service}'s task is not on its group's network: ${Object.keys(networks)}`);
      return own[1].IPAddress;
    };
    // A throwaway container on exactly the networks of `service`, from the backend's image
    // (Python): does a TCP connection to host:port open within 5 s?
    const image = inspectService(backend!).Spec.TaskTemplate.ContainerSpec.Image;
    const connects = async (service: string, host: string, port: number): Promise<boolean> => {
      const networks = (inspectService(service).Spec.TaskTemplate.Networks ?? []).map(
        (n) => n.Target,
      );
      assert.ok(networks.length > 0, `${service} joins no network`);
      const name = `homeport-e2e-flow-probe-${process.pid}-${Date.now()}`;
      const code =
        "import socket,sys; socket.create_connection((sys.argv[1], int(sys.argv[2])), 5); print('open')";
      must(
        docker(
          "create",
          "--name",
          name,
          "--network",
          networks[0],
          "--entrypoint",
          "python3",
          image,
          "-c",
          code,
          host,
          String(port),
        ),
        "docker create",
      );
      try {
        for (const n of networks.slice(1)) must(docker("network", "connect", n, name), "connect");
        const r = await run(DOCKER, ["start", "-a", name], { timeoutMs: 30_000 });
        return r.status === 0 && r.stdout.includes("open");
      } finally {
        docker("rm", "-f", name);
      }
    };
    const seen: Record<string, boolean> = {};
    for (const target of targets) {
      const host = addressOf(target.service!);
      for (const source of sources) {
        const open = await connects(source.service!, host, target.port);
        seen[`${source.name} -> ${target.name}:${target.port}`] = open;
      }
    }
    record("swarm flow isolation (connection opened)", seen);
    for (const target of targets)
      for (const source of sources)
        assert.equal(
          seen[`${source.name} -> ${target.name}:${target.port}`],
          source.reaches,
          `from the ${source.name}'s networks, ${target.name}:${target.port} ${source.reaches ? "does not answer" : "answers"}`,
        );
  });

  it("hands secrets to containers as files under /run/secrets, never as environment text", async (t) => {
    const ws = needsDeployment(t);
    if (!ws) return;
    const secretValues = (ws.exportState().deployment.resources ?? [])
      .filter((r) => r.type === "docker:index/secret:Secret")
      .map((r) => Buffer.from(String(r.inputs?.data ?? ""), "base64").toString("utf8"))
      .filter((v) => v.length >= 6);
    if (secretValues.length === 0) return t.skip("no workload in the e2e stack has a secret");
    let mounted = 0;
    for (const service of state.services) {
      const spec = inspectService(service).Spec.TaskTemplate.ContainerSpec;
      for (const s of spec.Secrets ?? []) {
        // Under /run/secrets, or where the program is told to read it as its configuration
        // file (Alertmanager's whole configuration holds the receivers' credentials).
        const readByFlag = (spec.Args ?? []).some((a) => a.endsWith(`=${s.File.Name}`));
        assert.ok(
          s.File.Name.startsWith("/run/secrets/") || readByFlag,
          `${service}: secret ${s.SecretName} is mounted at ${s.File.Name}, neither under /run/secrets nor read by a flag`,
        );
        if (readByFlag) console.log(`# ${service}: secret ${s.SecretName} is its ${s.File.Name}`);
      }
      for (const c of serviceContainers(service).filter((c) => c.status.startsWith("Up"))) {
        const env = containerEnv(c.id).join("\n");
        for (const v of secretValues) {
          assert.ok(
            !env.includes(v),
            `${service}: a secret value is in the container's environment`,
          );
        }
        for (const s of spec.Secrets ?? []) {
          const probe = docker("exec", c.id, "test", "-s", s.File.Name);
          if (probe.stderr.includes("executable file not found")) continue; // no shell tools (scratch)
          assert.equal(probe.status, 0, `${service}: ${s.File.Name} is missing or empty`);
          mounted++;
        }
      }
    }
    console.log(
      `# ${secretValues.length} secret(s); ${mounted} secret file(s) checked in containers`,
    );
    assert.ok(mounted > 0, "no container could be checked for its secret files");
  });

  it("a second run changes nothing (pulumi preview --expect-no-changes)", async (t) => {
    const ws = needsDeployment(t);
    if (!ws) return;
    const r = await ws.pulumi([
      "preview",
      "--expect-no-changes",
      "--diff",
      ...(state.policy ?? []),
    ]);
    assert.equal(
      r.status,
      0,
      `the preview found changes:\n${tail(r.stdout, 80)}\n${tail(r.stderr)}`,
    );
  });

  it("rolls out a new backend image with zero failed requests under a steady request loop", async (t) => {
    const ws = needsDeployment(t);
    if (!ws || !needsPart(t, "proxy")) return;
    const host = state.hosts["apps.api"];
    if (!host)
      return t.skip(
        "the e2e stack has no routed service whose image is a stack setting (apps part absent)",
      );
    ws.pulumiSync(["config", "set", "--path", "homeport:apps.images.backend", ROLLOUT_IMAGE]);
    const loop = requestLoop(host, "/health");
    const started = Date.now();
    const r = await ws.pulumi(["up", "--yes", "--skip-preview", ...(state.policy ?? [])]);
    // Keep the loop going until Traefik has dropped the old tasks.
    await waitFor("every service to converge after the rollout", allConverged, CONVERGE_TIMEOUT_MS);
    await new Promise((res) => setTimeout(res, 20_000));
    const result = await loop.stop();
    assert.equal(r.status, 0, `pulumi up failed:\n${tail(r.stdout)}\n${tail(r.stderr)}`);
    record("rolloutSeconds", seconds(Date.now() - started), " s");
    record("rolloutRequests", result.requests);
    record("rolloutFailures", result.failures);
    console.log(
      `# versions seen: ${result.versions.join(" -> ")}; failures: ${result.samples.join("; ")}`,
    );
    const backend = state.services.find((s) =>
      inspectService(s).Spec.TaskTemplate.ContainerSpec.Image.startsWith("homeport-e2e/image-api"),
    );
    assert.ok(backend, "no backend service found");
    assert.equal(
      inspectService(backend).Spec.TaskTemplate.ContainerSpec.Image.split("@")[0],
      ROLLOUT_IMAGE,
    );
    assert.ok(result.versions.includes("backend/2"), "no request reached the new version");
    assert.equal(result.failures, 0, `failed requests: ${result.samples.join("; ")}`);
  });

  it("replaces a task whose container is killed", async (t) => {
    if (!needsDeployment(t) || !needsPart(t, "proxy")) return;
    const host = state.hosts["proxy-whoami"] ?? state.hosts["apps.api"];
    if (!host) return t.skip("no routed test service in the e2e stack");
    const service =
      state.services.find((s) => /whoami$/.test(s)) ??
      state.services.find((s) => /backend$/.test(s))!;
    const victim = serviceContainers(service).find((c) => c.status.startsWith("Up"));
    assert.ok(victim, `${service} has no running container`);
    const killed = Date.now();
    must(docker("kill", victim.id), "docker kill");
    await waitFor(
      `${service} to run a new task`,
      () => {
        const s = serviceState(service);
        const fresh = serviceContainers(service).some(
          (c) => c.id !== victim.id && c.status.startsWith("Up"),
        );
        return fresh && converged(s) ? true : undefined;
      },
      120_000,
      250,
    );
    const replaced = Date.now();
    await waitFor(
      `https://${host}/ to answer again`,
      async () => ((await tryRequest(host, "/health"))?.status === 200 ? true : undefined),
      60_000,
      250,
    );
    record("recoverySeconds", seconds(replaced - killed), " s");
    record("recoveryThroughProxySeconds", seconds(Date.now() - killed), " s");
  });

  it("pulumi up converges the stack's services, and so do the same services created by hand on the same engine: both times and their ratio", async (t) => {
    const ws = needsDeployment(t);
    if (!ws) return;
    // The services as they run now, each its whole spec as the engine holds it. Both runs start
    // from the same point: the stack's networks, secrets, configs and volumes exist, its
    // services do not (the first `pulumi up` also created those, so it is not the comparison).
    const specs = serviceNames().map(
      (name) =>
        (JSON.parse(must(docker("service", "inspect", name), name)) as { Spec: object }[])[0].Spec,
    );
    const removeServices = async (what: string) => {
      const names = serviceNames();
      if (names.length > 0) must(docker("service", "rm", ...names), `docker service rm (${what})`);
      await waitFor(
        `the ${what} services' containers to be removed`,
        () => (names.every((n) => serviceContainers(n).length === 0) ? true : undefined),
        120_000,
      );
    };
    await removeServices("stack's");
    // By hand: what `docker service create` sends the engine (POST /services/create), with each
    // service's own spec, all at once; then the same wait for convergence as after `pulumi up`.
    const byHandStarted = Date.now();
    for (const spec of specs) {
      const r = await engineApi("POST", "/services/create", spec);
      assert.equal(
        r.status,
        201,
        `creating ${JSON.stringify(spec).slice(0, 80)}…: ${JSON.stringify(r.body)}`,
      );
    }
    await waitFor("every service created by hand to converge", allConverged, CONVERGE_TIMEOUT_MS);
    const byHandMs = Date.now() - byHandStarted;
    await removeServices("hand-made");
    // The stack's state still names the removed services: a refresh forgets them, and `pulumi up`
    // creates them again, from the same point as by hand.
    const refresh = await ws.pulumi(["refresh", "--yes", "--skip-preview"]);
    assert.equal(
      refresh.status,
      0,
      `pulumi refresh failed:\n${tail(refresh.stdout)}\n${tail(refresh.stderr)}`,
    );
    const upStarted = Date.now();
    const up = await ws.pulumi(["up", "--yes", "--skip-preview", ...(state.policy ?? [])]);
    assert.equal(up.status, 0, `pulumi up failed:\n${tail(up.stdout, 60)}\n${tail(up.stderr)}`);
    await waitFor("every service to converge again", allConverged, CONVERGE_TIMEOUT_MS);
    const pulumiMs = Date.now() - upStarted;
    console.log(`# pulumi up of the services alone:\n${tail(up.stdout, 12)}`);
    record("servicesByHandSeconds", seconds(byHandMs), " s");
    record("servicesPulumiSeconds", seconds(pulumiMs), " s");
    record("servicesPulumiOverByHand", Math.round((pulumiMs / byHandMs) * 100) / 100, "x");
    if (state.convergenceMs !== undefined) {
      record(
        "firstConvergenceOverByHand",
        Math.round((state.convergenceMs / byHandMs) * 100) / 100,
        "x",
      );
    }
    assert.deepEqual(serviceNames(), specs.map((s) => (s as { Name: string }).Name).sort());
  });

  it("pulumi destroy leaves no service, container, network, secret or config behind, and only the data volumes the stack retains", async (t) => {
    const ws = needsDeployment(t);
    if (!ws) return;
    // The volumes that hold state are retained on destroy (retainOnDelete): read which from the
    // stack's own state before destroying, so the check follows the program, not a list here.
    const exported = await ws.pulumi(["stack", "export"]);
    assert.equal(exported.status, 0, `pulumi stack export failed:\n${tail(exported.stderr)}`);
    const retained = retainedVolumes(
      (JSON.parse(exported.stdout) as ReturnType<Workspace["exportState"]>).deployment.resources ??
        [],
    );
    assert.ok(retained.length > 0, "the stack retains no data volume");
    let r = await ws.pulumi(["destroy", "--yes", "--skip-preview"]);
    let attempts = 1;
    // The docker provider waits for a removed service's containers only as long as their stop
    // grace period; under vfs, deleting a container's copy of its image can take longer. The
    // service is gone by then, so a destroy that refreshes first finishes the rest.
    const waitTimeout =
      /error on wait for container with ID '[0-9a-f]+': context deadline exceeded/;
    while (r.status !== 0 && waitTimeout.test(r.stdout + r.stderr) && attempts < 3) {
      console.log(
        "# pulumi destroy: the provider's wait for a removed container timed out; destroying again with --refresh",
      );
      r = await ws.pulumi(["destroy", "--yes", "--skip-preview", "--refresh"]);
      attempts++;
    }
    record("destroyAttempts", attempts);
    assert.equal(r.status, 0, `pulumi destroy failed:\n${tail(r.stdout)}\n${tail(r.stderr)}`);
    state.deployed = false;
    state.destroyed = true;
    await assertOnlyRetainedLeft(state.baseline!, retained);
    record("retainedVolumes", retained.length);
  });
});
