import assert from "node:assert/strict";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { before, describe, it } from "node:test";
import { resourceArgs, stackArgs } from "../../policies/lib/evaluate";
import type { HomeportPolicy } from "../../policies/lib/rule";
import { cores, mebibytes, millicores } from "../../components/model/units";
import { WorkloadSpec } from "../../components/model/workload";
import { RenderedResource, stackConfig, startRecorder, testParent } from "../helpers/harness";
import { dbWorkload, exporterWorkload, webWorkload } from "../helpers/workloads";

export type Target = "swarm" | "kubernetes" | "nomad";
export const TARGETS: readonly Target[] = ["swarm", "kubernetes", "nomad"];

/** The reverse proxy: publishes 80/443, reads the runtime's socket read-only (exempted). */
export const proxyWorkload: WorkloadSpec = {
  image: "traefik:v3.4.1",
  ports: [
    { name: "web", port: 8080, publish: { hostPort: 80 } },
    { name: "websecure", port: 8443, publish: { hostPort: 443 } },
  ],
  routes: [
    {
      host: "proxy.home.example.org",
      port: "websecure",
      internalService: "api@internal",
      middlewares: [{ kind: "basic-auth", users: "admin:$2y$05$hash" }],
    },
  ],
  health: { kind: "tcp", port: "web" },
  resources: {
    requests: { cpu: millicores(100), memory: mebibytes(64) },
    limits: { cpu: cores(1), memory: mebibytes(256) },
  },
  scheduling: { mode: "replicated", replicas: 2 },
  security: { dockerSocket: true },
  exemptions: [
    { rule: "workload-docker-socket-restricted", reason: "discovers routed services" },
    { rule: "workload-run-as-non-root", reason: "the runtime's socket is root's" },
  ],
};

/** A media app that keeps SQLite under /config on local disk and reads /data from shared storage. */
export const sqliteWorkload: WorkloadSpec = {
  image: "lscr.io/linuxserver/sonarr:4.0.15",
  ports: [{ name: "http", port: 8989 }],
  volumes: [
    { name: "sonarr-config", mountPath: "/config", class: "local" },
    { name: "media", mountPath: "/data", class: "shared" },
  ],
  routes: [{ host: "sonarr.home.example.org", port: "http" }],
  health: { kind: "http", port: "http", path: "/ping" },
  state: "stateful",
  storageEngine: "sqlite",
  scheduling: { mode: "singleton", reason: "SQLite database in /config" },
  update: { order: "stop-first" },
  security: { capAdd: ["CHOWN", "SETUID", "SETGID"] },
  exemptions: [
    { rule: "workload-run-as-non-root", reason: "s6 init drops to PUID:PGID itself" },
    { rule: "workload-read-only-root-filesystem", reason: "s6 init writes its service tree" },
  ],
};

/** A one-shot job: a plain container on Swarm, a Job on Kubernetes, a batch job on Nomad. */
export const jobWorkload: WorkloadSpec = {
  image: "registry.example/tools:2.1.0",
  command: ["sh", "-c", "echo ready"],
  resources: {
    requests: { cpu: millicores(50), memory: mebibytes(32) },
    limits: { memory: mebibytes(64) },
  },
  scheduling: { mode: "job" },
  security: { user: "1000:1000" },
};

/** Compliant workloads, deployed by name on every target. */
export const WORKLOADS: Record<string, [string, WorkloadSpec]> = {
  proxy: ["proxy", proxyWorkload],
  web: ["apps", webWorkload],
  db: ["apps", dbWorkload],
  exporter: ["monitoring", exporterWorkload],
  sonarr: ["apps", sqliteWorkload],
  job: ["apps", jobWorkload],
};

/** Every source file the fixtures depend on: the components, these fixtures, the test workloads. */
function fixtureSources(): string[] {
  const walk = (dir: string): string[] =>
    fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
      const full = path.join(dir, e.name);
      return e.isDirectory() ? walk(full) : e.name.endsWith(".ts") ? [full] : [];
    });
  const root = path.resolve(__dirname, "..", "..");
  return [
    ...walk(path.join(root, "components")),
    __filename,
    path.join(root, "tests", "helpers", "workloads.ts"),
  ].sort();
}

/**
 * Deploys the compliant workloads with the three adapters under Pulumi's mock monitor and
 * returns every recorded resource, inputs as the render tool prints them. The rule test files
 * share one process (tools/run-tests.mjs), which renders at most once: the result is kept for the
 * process, and cached in the temp directory under a hash of every source it depends on, so that
 * a file run alone renders once per change too.
 */
export async function renderFixtures(): Promise<RenderedResource[]> {
  rendered ??= cachedFixtures();
  // A copy for each file, as each read the cache file before: a file may change what it got.
  return structuredClone(await rendered);
}
let rendered: Promise<RenderedResource[]> | undefined;

async function cachedFixtures(): Promise<RenderedResource[]> {
  const hash = crypto.createHash("sha256");
  for (const file of fixtureSources()) hash.update(file).update(fs.readFileSync(file));
  const cache = path.join(
    os.tmpdir(),
    `homeport-policy-fixtures-${hash.digest("hex").slice(0, 16)}.json`,
  );
  if (fs.existsSync(cache)) return JSON.parse(fs.readFileSync(cache, "utf8")) as RenderedResource[];
  const resources = await recordFixtures();
  const partial = `${cache}.${process.pid}`;
  fs.writeFileSync(partial, JSON.stringify(resources));
  fs.renameSync(partial, cache);
  return resources;
}

async function recordFixtures(): Promise<RenderedResource[]> {
  const rec = await startRecorder("policies");
  const { SwarmPlatform } = await import("../../components/platforms/swarm/swarm-platform");
  const { KubernetesPlatform } =
    await import("../../components/platforms/kubernetes/kubernetes-platform");
  const { NomadPlatform } = await import("../../components/platforms/nomad/nomad-platform");
  const base = {
    domain: "home.example.org",
    environment: "production",
    parts: [],
    storage: { backend: "nfs", nfs: { server: "nas.lan", path: "/export/homeport" } },
  };
  const parent = await testParent();
  const platforms = [
    new SwarmPlatform(
      "swarm",
      {
        config: stackConfig({ ...base, target: "swarm" }),
        routing: { certResolver: "acme" },
        namePrefix: "t-",
      },
      { parent },
    ),
    new KubernetesPlatform(
      "kubernetes",
      {
        config: stackConfig({
          ...base,
          target: "kubernetes",
          kubernetes: { storageClasses: { local: "local-path", shared: "nfs", block: "rbd" } },
        }),
      },
      { parent },
    ),
    new NomadPlatform(
      "nomad",
      {
        config: stackConfig({
          ...base,
          target: "nomad",
          nomad: { address: "http://127.0.0.1:4646" },
        }),
        routing: { certResolver: "acme" },
      },
      { parent },
    ),
  ];
  const { storagePlan } = await import("../../components/stack-args");
  const nfsPlan = storagePlan(stackConfig({ ...base, target: "swarm" }))!;
  // The share's provisioner exists already: the fixtures are the workloads, not the plugins.
  const plan = { ...nfsPlan, nfs: { ...nfsPlan.nfs!, provisioner: "existing" as const } };
  // The storage part first, as the Platform builds it: Nomad's CSI volumes wait for its plugins.
  for (const platform of platforms) platform.provisionStorage(plan, { parent });
  for (const platform of platforms)
    for (const [name, [part, spec]] of Object.entries(WORKLOADS))
      platform.deploy(name, part, spec, { parent });
  await rec.settle();
  return JSON.parse(JSON.stringify(rec.resources)) as RenderedResource[];
}

export const SWARM_SERVICE = "docker:index/service:Service";
export const NOMAD_JOB = "pulumi-nodejs:dynamic/nomad:Job";
const LEAF_TYPE: Record<"swarm" | "kubernetes", Record<string, string>> = {
  swarm: {
    web: SWARM_SERVICE,
    proxy: SWARM_SERVICE,
    db: SWARM_SERVICE,
    exporter: SWARM_SERVICE,
    sonarr: SWARM_SERVICE,
    job: "docker:index/container:Container",
  },
  kubernetes: {
    web: "kubernetes:apps/v1:Deployment",
    proxy: "kubernetes:apps/v1:Deployment",
    db: "kubernetes:apps/v1:StatefulSet",
    exporter: "kubernetes:apps/v1:DaemonSet",
    sonarr: "kubernetes:apps/v1:StatefulSet",
    job: "kubernetes:batch/v1:Job",
  },
};

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any

/** A deep copy of a recorded resource, so a test may mutate it. */
export function copyOf(resources: readonly RenderedResource[], type: string, name: string) {
  const found = resources.filter((r) => r.type === type && r.name === name);
  assert.equal(found.length, 1, `expected one ${type} named ${name}`);
  return structuredClone(found[0]) as RenderedResource & { inputs: Json };
}

/** The workload leaf of a fixture workload on a target, mutated by `mutate` (on a copy). */
export function workloadLeaf(
  resources: readonly RenderedResource[],
  target: Target,
  name: string,
  mutate: (props: Json) => void = () => {},
): RenderedResource {
  if (target === "nomad") {
    const r = copyOf(resources, NOMAD_JOB, name);
    const job = JSON.parse(r.inputs.jobspec as string) as Json;
    mutate(job);
    return { ...r, inputs: { ...r.inputs, jobspec: JSON.stringify(job) } };
  }
  const r = copyOf(resources, LEAF_TYPE[target][name], name);
  mutate(r.inputs);
  return r;
}

interface Violation {
  readonly message: string;
  readonly urn?: string;
}

/** Runs a resource policy on one resource (inputs as props), with optional pack config. */
export function violations(
  policy: HomeportPolicy,
  resource: RenderedResource,
  config: Record<string, unknown> = {},
): string[] {
  assert.equal(policy.kind, "resource");
  if (policy.kind !== "resource") return [];
  const found: Violation[] = [];
  const validations = Array.isArray(policy.validateResource)
    ? policy.validateResource
    : [policy.validateResource];
  for (const validate of validations) {
    void validate?.(resourceArgs(resource, config), (message, urn) => found.push({ message, urn }));
  }
  return found.map((v) => v.message);
}

/** Runs a stack policy on a set of resources; returns "message" per violation. */
export function stackViolations(
  policy: HomeportPolicy,
  resources: readonly RenderedResource[],
  config: Record<string, unknown> = {},
): string[] {
  assert.equal(policy.kind, "stack");
  if (policy.kind !== "stack") return [];
  const found: string[] = [];
  void policy.validateStack(stackArgs(resources, config), (message) => found.push(message));
  return found;
}

/** Every workload leaf of every target, for "the compliant fixtures pass" tests. */
export function allWorkloadLeaves(resources: readonly RenderedResource[]): RenderedResource[] {
  return TARGETS.flatMap((t) => Object.keys(WORKLOADS).map((n) => workloadLeaf(resources, t, n)));
}

const TARGET_PREFIX: Record<Target, string> = {
  swarm: "docker:",
  kubernetes: "kubernetes:",
  nomad: "pulumi-nodejs:dynamic/",
};

/** The leaf resources of one target (components and providers left out). */
export function leavesOf(resources: readonly RenderedResource[], target: Target) {
  return resources.filter((r) => r.custom && r.type.startsWith(TARGET_PREFIX[target]));
}

/** One mutation of a compliant fixture, and the exact messages it must yield. */
export interface Mutation {
  readonly title: string;
  readonly target: Target;
  /** The fixture workload whose leaf is mutated… */
  readonly workload?: string;
  /** …or another leaf resource, by type and name. */
  readonly resource?: { readonly type: string; readonly name: string };
  mutate(props: Json): void;
  /** Pack config of the policy (thresholds). @default {} */
  readonly config?: Record<string, unknown>;
  readonly expected: string[];
}

/** Evaluates a policy (resource or stack) on a target's leaves: every message it reports. */
export function evaluate(
  policy: HomeportPolicy,
  leaves: readonly RenderedResource[],
  config: Record<string, unknown> = {},
): string[] {
  return policy.kind === "stack"
    ? stackViolations(policy, leaves, config)
    : leaves.flatMap((r) => violations(policy, r, config));
}

/**
 * The standard suite of a rule: on each target the compliant fixtures yield no violation, and
 * each mutation (applied to a copy) yields exactly its messages.
 */
export function describeRule(policy: HomeportPolicy, mutations: readonly Mutation[]): void {
  let resources: RenderedResource[] = [];
  before(async () => {
    resources = await renderFixtures();
  });
  describe(policy.name, () => {
    for (const target of TARGETS) {
      it(`reports nothing on the compliant ${target} fixtures`, () => {
        assert.deepEqual(evaluate(policy, leavesOf(resources, target)), []);
      });
    }
    for (const m of mutations) {
      it(`${m.target}: ${m.title}`, () => {
        const changed = m.resource
          ? (() => {
              const r = copyOf(resources, m.resource.type, m.resource.name);
              m.mutate(r.inputs);
              return r;
            })()
          : workloadLeaf(resources, m.target, m.workload ?? "web", m.mutate);
        const leaves = leavesOf(resources, m.target).map((r) =>
          r.type === changed.type && r.name === changed.name ? changed : r,
        );
        assert.deepEqual(evaluate(policy, leaves, m.config), m.expected);
      });
    }
  });
}
