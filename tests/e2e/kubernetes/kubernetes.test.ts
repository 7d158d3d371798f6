/**
 * End-to-end: every Kubernetes object of every Kubernetes stack file (homeport:target kubernetes)
 * sent to a real kube-apiserver (etcd + kube-apiserver from tools/engines.sh start-kube).
 * See docs/e2e.md, "Nomad and Kubernetes engines".
 *
 * Per stack: its CustomResourceDefinitions, Namespaces and PriorityClasses are created for real
 * (in that order: a pod's priority class must exist when the pod is admitted),
 * then every other object is created with a server-side dry run (`dryRun=All`) and strict field
 * validation, so the server's admission and schema checks run without anything being stored.
 * Every workload's pod template is also dry-run as a Pod, which is where Pod Security admission
 * enforces the namespace's level. Objects of API groups the server does not serve are reported
 * one by one as skipped, with the reason; only the groups in EXTERNAL_GROUPS may be missing.
 */
import assert from "node:assert/strict";
import * as path from "node:path";
import { after, before, describe, it, TestContext } from "node:test";
import { renderRookCrds } from "../../../components/storage/rook-crds";
import type { RenderedResource } from "../../../tools/render-lib";
import { KubeClient, KubeReply } from "../lib/kube";
import {
  Engine,
  ensureEngines,
  renderStackFile,
  seconds,
  stackFilesFor,
  startEngine,
  stopEngine,
} from "../nomad/engines";

/**
 * API groups whose definitions come from outside the stack, with where they come from. An object
 * of any other group the server does not know fails the suite.
 */
const EXTERNAL_GROUPS: Record<string, string> = {
  "traefik.io":
    "Traefik's CRDs, installed with Traefik (docs/proxy.md, Kubernetes prerequisites); the stack does not declare them",
};

/**
 * What Rook's operator installs before a stack's Rook objects can exist: its CRDs and its
 * namespace. Stand-ins here: our own minimal CRDs (components/storage/rook-crds.ts, exactly the
 * fields we write, so the server checks every CephCluster, CephBlockPool and CephFilesystem
 * field) and the namespace, added only when the stack has Rook objects.
 */
function rookPrerequisites(objects: Manifest[]): Manifest[] {
  if (!objects.some((m) => groupOf(m.apiVersion) === "ceph.rook.io")) return [];
  const namespaces = new Set(
    objects
      .filter((m) => groupOf(m.apiVersion) === "ceph.rook.io")
      .map((m) => m.metadata.namespace),
  );
  return [
    ...(renderRookCrds() as unknown as Manifest[]),
    ...[...namespaces].map((name) => ({
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name: String(name) },
    })),
  ];
}

/** Kinds whose pod template is dry-run as a Pod too. */
const WORKLOADS = new Set(["Deployment", "StatefulSet", "DaemonSet", "Job"]);

interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; [k: string]: unknown };
  spec?: {
    template?: { metadata?: Record<string, unknown>; spec?: { volumes?: unknown[] } };
    volumeClaimTemplates?: { metadata: { name: string } }[];
  };
  [k: string]: unknown;
}

type Reply = KubeReply;

const kube: { blocked?: string; engine?: Engine; client?: KubeClient } = {};

const request = (method: string, p: string, body?: unknown): Promise<Reply> =>
  kube.client!.request(method, p, body);

/** The server's own message for a refused request. */
const messageOf = (r: Reply): string =>
  typeof r.body === "object" && r.body !== null && "message" in r.body
    ? String((r.body as { message: unknown }).message)
    : JSON.stringify(r.body);

interface ApiResource {
  name: string;
  namespaced: boolean;
}

/** Discovery, per group/version: kind -> resource; undefined when the server does not serve it. */
const discovery = new Map<string, Map<string, ApiResource> | undefined>();

async function resourceOf(m: Manifest): Promise<ApiResource | "no-group" | "no-kind"> {
  if (!discovery.has(m.apiVersion)) {
    const base = m.apiVersion.includes("/") ? `/apis/${m.apiVersion}` : `/api/${m.apiVersion}`;
    const r = await request("GET", base);
    if (r.status === 404) discovery.set(m.apiVersion, undefined);
    else {
      assert.equal(r.status, 200, `discovery of ${m.apiVersion}: ${messageOf(r)}`);
      const list = (r.body as { resources: (ApiResource & { kind: string })[] }).resources;
      discovery.set(
        m.apiVersion,
        new Map(list.filter((x) => !x.name.includes("/")).map((x) => [x.kind, x])),
      );
    }
  }
  const kinds = discovery.get(m.apiVersion);
  if (!kinds) return "no-group";
  return kinds.get(m.kind) ?? "no-kind";
}

function collectionPath(m: Manifest, res: ApiResource): string {
  const base = m.apiVersion.includes("/") ? `/apis/${m.apiVersion}` : `/api/${m.apiVersion}`;
  return res.namespaced
    ? `${base}/namespaces/${m.metadata.namespace ?? "default"}/${res.name}`
    : `${base}/${res.name}`;
}

const groupOf = (apiVersion: string): string =>
  apiVersion.includes("/") ? apiVersion.split("/")[0] : "";
const label = (m: Manifest): string =>
  `${m.kind} ${m.metadata.namespace ? `${m.metadata.namespace}/` : ""}${m.metadata.name}`;

/** Creates for real; an object that already exists (an earlier stack's namespace) is fine. */
async function createForReal(m: Manifest): Promise<void> {
  const res = await resourceOf(m);
  assert.ok(typeof res === "object", `${label(m)}: the server does not serve ${m.apiVersion}`);
  const r = await request("POST", `${collectionPath(m, res)}?fieldValidation=Strict`, m);
  assert.ok(
    r.status === 201 || r.status === 409,
    `${label(m)} rejected (${r.status}): ${messageOf(r)}`,
  );
}

async function waitEstablished(crd: Manifest): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const r = await request(
      "GET",
      `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${crd.metadata.name}`,
    );
    const conditions =
      (r.body as { status?: { conditions?: { type: string; status: string }[] } }).status
        ?.conditions ?? [];
    if (conditions.some((c) => c.type === "Established" && c.status === "True")) {
      discovery.clear();
      return;
    }
    assert.ok(Date.now() < deadline, `CRD ${crd.metadata.name} was not established in 60 s`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/**
 * Sends a stack's objects to the server in dependency order: its CRDs (waiting until they are
 * established) and namespaces for real, then one dry run per object as a subtest of `t`.
 * Returns the figures.
 */
async function checkObjects(t: TestContext, objects: Manifest[]): Promise<string> {
  // The same object twice would pass a dry run each time and fail on a real cluster.
  const keys = objects.map((m) => `${m.apiVersion} ${label(m)}`);
  assert.deepEqual(
    keys.filter((k, i) => keys.indexOf(k) !== i),
    [],
    "objects declared twice",
  );

  // Dependency order: the stack's CRDs, its namespaces and priority classes (all for real: the
  // Priority admission plugin looks a pod's class up), then the rest.
  const crds = objects.filter((m) => m.kind === "CustomResourceDefinition");
  const namespaces = objects.filter((m) => m.kind === "Namespace" && m.apiVersion === "v1");
  const priorityClasses = objects.filter(
    (m) => m.kind === "PriorityClass" && m.apiVersion === "scheduling.k8s.io/v1",
  );
  const rest = objects.filter(
    (m) => !crds.includes(m) && !namespaces.includes(m) && !priorityClasses.includes(m),
  );
  for (const crd of crds) {
    await createForReal(crd);
    await waitEstablished(crd);
  }
  for (const ns of namespaces) await createForReal(ns);
  for (const pc of priorityClasses) await createForReal(pc);

  const started = Date.now();
  const counts = { accepted: 0, external: 0, podTemplates: 0, warnings: 0 };
  const warnings: string[] = [];
  for (const m of rest) {
    await t.test(`${m.apiVersion} ${label(m)}`, async (st) => {
      const res = await resourceOf(m);
      if (typeof res !== "object") {
        const why = EXTERNAL_GROUPS[groupOf(m.apiVersion)];
        assert.ok(
          why,
          `the server does not know ${m.kind} (${m.apiVersion}) and neither the stack nor EXTERNAL_GROUPS declares it`,
        );
        counts.external++;
        return st.skip(`${m.apiVersion} is not served: ${why}`);
      }
      const r = await request(
        "POST",
        `${collectionPath(m, res)}?dryRun=All&fieldValidation=Strict`,
        m,
      );
      assert.equal(r.status, 201, `${label(m)} rejected (${r.status}): ${messageOf(r)}`);
      counts.accepted++;
      for (const w of r.warnings) warnings.push(`${label(m)}: ${w}`);

      if (WORKLOADS.has(m.kind) && m.spec?.template?.spec) {
        // A StatefulSet's pods get their claims' volumes from the controller: add them.
        const claims = (m.spec.volumeClaimTemplates ?? []).map((c) => ({
          name: c.metadata.name,
          persistentVolumeClaim: { claimName: `${c.metadata.name}-${m.metadata.name}-0` },
        }));
        const template = m.spec.template.spec;
        const pod = {
          apiVersion: "v1",
          kind: "Pod",
          metadata: {
            ...m.spec.template.metadata,
            name: `${m.metadata.name}-template`,
            namespace: m.metadata.namespace,
          },
          spec: { ...template, volumes: [...(template.volumes ?? []), ...claims] },
        };
        const p = await request(
          "POST",
          `/api/v1/namespaces/${m.metadata.namespace ?? "default"}/pods?dryRun=All&fieldValidation=Strict`,
          pod,
        );
        assert.equal(
          p.status,
          201,
          `the pod template of ${label(m)} is rejected as a Pod (${p.status}): ${messageOf(p)}`,
        );
        counts.podTemplates++;
        for (const w of p.warnings) warnings.push(`${label(m)} (as a Pod): ${w}`);
      }
    });
  }
  counts.warnings = warnings.length;
  for (const w of warnings) t.diagnostic(`server warning: ${w}`);
  return (
    `${objects.length} objects (${crds.length} CRDs, ${namespaces.length} namespaces and ` +
    `${priorityClasses.length} priority classes created, ` +
    `${counts.accepted} accepted by dry run, ${counts.podTemplates} pod templates admitted as Pods, ` +
    `${counts.external} of external API groups skipped, ${counts.warnings} server warnings) in ${seconds(Date.now() - started)}`
  );
}

describe("e2e: Kubernetes objects on a real kube-apiserver", { concurrency: false }, () => {
  before(async () => {
    const missing = await ensureEngines(["etcd", "kube-apiserver"]);
    if (missing) kube.blocked = missing;
  });

  after(async () => {
    if (kube.engine) await stopEngine(kube.engine.dir);
  });

  function needsServer(t: TestContext): boolean {
    if (kube.blocked) {
      t.skip(kube.blocked);
      return false;
    }
    if (!kube.client) {
      t.skip("kube-apiserver did not start (see the failing start-up check)");
      return false;
    }
    return true;
  }

  it("starts etcd and kube-apiserver", async (t) => {
    if (kube.blocked) return t.skip(kube.blocked);
    kube.engine = await startEngine("kube");
    const env = kube.engine.env;
    kube.client = new KubeClient(env);
    const version = await request("GET", "/version");
    assert.equal(version.status, 200);
    t.diagnostic(`figure kube.startup: ${seconds(kube.engine.startMs)} (${kube.engine.report})`);
    t.diagnostic(`kube-apiserver ${(version.body as { gitVersion: string }).gitVersion}`);
    // Our own client really is refused without the token: the checks below are authenticated.
    assert.equal(
      (await new KubeClient(env, "wrong").request("GET", "/api/v1/namespaces")).status,
      401,
    );
  });

  it("the checks can fail: the server refuses unknown fields, bad names and a privileged pod", async (t) => {
    if (!needsServer(t)) return;
    const ns = "homeport-e2e-negative";
    await createForReal({
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name: ns, labels: { "pod-security.kubernetes.io/enforce": "baseline" } },
    });
    const dryRun = (p: string, body: unknown) =>
      request("POST", `${p}?dryRun=All&fieldValidation=Strict`, body);
    const unknownField = await dryRun(`/api/v1/namespaces/${ns}/configmaps`, {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "ok" },
      dta: { a: "b" },
    });
    assert.equal(unknownField.status, 400);
    assert.match(messageOf(unknownField), /unknown field "dta"/);
    const badName = await dryRun(`/api/v1/namespaces/${ns}/configmaps`, {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "Not_A_Name" },
    });
    assert.equal(badName.status, 422);
    const privileged = await dryRun(`/api/v1/namespaces/${ns}/pods`, {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "p" },
      spec: {
        containers: [{ name: "c", image: "busybox:1.37.0", securityContext: { privileged: true } }],
      },
    });
    assert.equal(privileged.status, 403);
    assert.match(messageOf(privileged), /violates PodSecurity "baseline:latest": privileged/);
    // A dry run stores nothing.
    assert.equal((await request("GET", `/api/v1/namespaces/${ns}/pods/p`)).status, 404);
  });

  it("installs the CRDs and namespaces a stack declares before the objects that need them", async (t) => {
    if (!needsServer(t)) return;
    const group = "e2e.homeport.dev";
    const crd: Manifest = {
      apiVersion: "apiextensions.k8s.io/v1",
      kind: "CustomResourceDefinition",
      metadata: { name: `widgets.${group}` },
      spec: {
        group,
        scope: "Namespaced",
        names: { plural: "widgets", singular: "widget", kind: "Widget", listKind: "WidgetList" },
        versions: [
          {
            name: "v1",
            served: true,
            storage: true,
            schema: {
              openAPIV3Schema: {
                type: "object",
                properties: {
                  spec: {
                    type: "object",
                    properties: { size: { type: "integer", minimum: 1 } },
                    required: ["size"],
                  },
                },
              },
            },
          },
        ],
      } as Manifest["spec"],
    };
    const widget = (name: string, size: number): Manifest => ({
      apiVersion: `${group}/v1`,
      kind: "Widget",
      metadata: { name, namespace: "homeport-e2e-widgets" },
      spec: { size } as Manifest["spec"],
    });
    const namespace: Manifest = {
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name: "homeport-e2e-widgets" },
    };
    // Declared in the worst order: objects first, their namespace, then their CRD.
    const summary = await checkObjects(t, [widget("small", 1), namespace, crd]);
    t.diagnostic(summary);
    assert.match(
      summary,
      /^3 objects \(1 CRDs, 1 namespaces and 0 priority classes created, 1 accepted by dry run/,
    );

    // The CRD's schema is enforced: a widget of size 0 is refused with the server's message.
    const refused = await request(
      "POST",
      `/apis/${group}/v1/namespaces/homeport-e2e-widgets/widgets?dryRun=All&fieldValidation=Strict`,
      widget("empty", 0),
    );
    assert.equal(refused.status, 422);
    assert.match(
      messageOf(refused),
      /spec.size: Invalid value: 0: spec.size in body should be greater than or equal to 1/,
    );
  });

  const stackFiles = stackFilesFor("kubernetes");
  it("finds the Kubernetes stack files", () => {
    assert.ok(
      stackFiles.some((f) => path.basename(f) === "Pulumi.k8s-example.yaml"),
      `stack files with target kubernetes: ${stackFiles.join(", ")}`,
    );
  });

  for (const stackFile of stackFiles) {
    const stackName = path.basename(stackFile);
    it(`every object of ${stackName} is accepted by the API server`, async (t) => {
      if (!needsServer(t)) return;
      const rendered = await renderStackFile(stackFile);
      const objects = rendered.resources
        .filter((r: RenderedResource) => r.custom && /^kubernetes:[^:]+\/[^:]+:/.test(r.type))
        .map((r) => r.inputs as unknown as Manifest);
      assert.ok(objects.length > 0, `${stackName} renders no Kubernetes object`);
      objects.push(...rookPrerequisites(objects));

      t.diagnostic(`figure kube.${stackName}: ${await checkObjects(t, objects)}`);
    });
  }
});
