/**
 * End-to-end: the floating IP's MetalLB objects, with the project's own minimal CRDs, checked by a
 * real kube-apiserver (etcd + kube-apiserver from tools/engines.sh start-kube). The CRDs are
 * created for real; the pool, the advertisement and the proxy's LoadBalancer Service are created
 * with a server-side dry run and strict field validation, so the server's schema checks run and
 * nothing is stored. Two broken objects show that the schema is really applied.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import { after, before, describe, it, TestContext } from "node:test";
import { parseFloatingIp } from "../../../components/edge/floating-ip";
import { loadBalancerServiceFields, metallbObjects } from "../../../components/edge/metallb";
import { METALLB_CRDS } from "../../../components/edge/metallb-crds";
import { Engine, ensureEngines, startEngine, stopEngine } from "../nomad/engines";
import { record, seconds } from "../lib/figures";
import { runSync, sleep } from "../lib/shell";

const floatingIp = parseFloatingIp({
  address: "172.16.3.10/16",
  interface: "vxlan100",
  routerId: 51,
  nodes: [
    { name: "node-1", address: "172.16.1.1" },
    { name: "node-2", address: "172.16.1.2" },
  ],
});
const { pool, advertisement } = metallbObjects({ floatingIp, name: "homeport-edge" });

interface Answer {
  readonly status: number;
  readonly body: { message?: string; status?: { conditions?: { type: string; status: string }[] } };
}

const api: { blocked?: string; engine?: Engine; server?: string; token?: string; ca?: string } = {};

/** One API call with curl (the server's CA and the admin token from engines.sh). */
function call(method: string, path: string, body?: unknown): Answer {
  const r = runSync(
    "curl",
    [
      "--silent",
      "--show-error",
      "--max-time",
      "30",
      "--cacert",
      api.ca ?? "",
      "--header",
      `Authorization: Bearer ${api.token}`,
      "--header",
      "Content-Type: application/json",
      "--request",
      method,
      ...(body === undefined ? [] : ["--data-binary", "@-"]),
      "--write-out",
      "\n%{http_code}",
      `${api.server}${path}`,
    ],
    { input: body === undefined ? undefined : JSON.stringify(body), timeoutMs: 40_000 },
  );
  assert.equal(r.status, 0, `curl ${method} ${path}: ${r.stderr}`);
  const cut = r.stdout.lastIndexOf("\n");
  return {
    status: Number(r.stdout.slice(cut + 1)),
    body: JSON.parse(r.stdout.slice(0, cut) || "{}"),
  };
}

const dryRun = (path: string, body: unknown) =>
  call("POST", `${path}?dryRun=All&fieldValidation=Strict`, body);
const poolsPath = `/apis/metallb.io/v1beta1/namespaces/${pool.metadata.namespace}/ipaddresspools`;

describe("MetalLB objects on a real kube-apiserver", () => {
  before(async () => {
    api.blocked = await ensureEngines(["etcd", "kube-apiserver"]);
    if (api.blocked) return;
    api.engine = await startEngine("kube");
    record("edge.metallb.kubeStartSeconds", seconds(api.engine.startMs), " s");
    api.server = api.engine.env.HOMEPORT_KUBE_SERVER;
    api.ca = api.engine.env.HOMEPORT_KUBE_CA;
    api.token = fs.readFileSync(api.engine.env.HOMEPORT_KUBE_TOKEN_FILE, "utf8").trim();
  });
  after(async () => {
    if (api.engine) await stopEngine(api.engine.dir);
  });

  it("establishes the two CRDs", async (t: TestContext) => {
    if (api.blocked) return t.skip(api.blocked);
    for (const crd of METALLB_CRDS) {
      const r = call("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", crd);
      assert.equal(r.status, 201, `${crd.metadata.name}: ${r.body.message}`);
      const deadline = Date.now() + 60_000;
      for (;;) {
        const got = call(
          "GET",
          `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${crd.metadata.name}`,
        );
        if (
          got.body.status?.conditions?.some((c) => c.type === "Established" && c.status === "True")
        )
          break;
        assert.ok(Date.now() < deadline, `${crd.metadata.name} was not established in 60 s`);
        await sleep(500);
      }
    }
    for (const ns of [pool.metadata.namespace, "homeport"]) {
      const r = call("POST", "/api/v1/namespaces", {
        apiVersion: "v1",
        kind: "Namespace",
        metadata: { name: ns },
      });
      assert.equal(r.status, 201, `namespace ${ns}: ${r.body.message}`);
    }
  });

  it("accepts the pool and the advertisement", (t: TestContext) => {
    if (api.blocked) return t.skip(api.blocked);
    const p = dryRun(poolsPath, pool);
    assert.equal(p.status, 201, `IPAddressPool: ${p.body.message}`);
    const a = dryRun(
      `/apis/metallb.io/v1beta1/namespaces/${advertisement.metadata.namespace}/l2advertisements`,
      advertisement,
    );
    assert.equal(a.status, 201, `L2Advertisement: ${a.body.message}`);
  });

  it("rejects a field the schema does not declare, and a wrong type", (t: TestContext) => {
    if (api.blocked) return t.skip(api.blocked);
    const unknown = dryRun(poolsPath, { ...pool, spec: { ...pool.spec, avoidBuggyIPs: true } });
    assert.equal(unknown.status, 400);
    assert.match(unknown.body.message ?? "", /unknown field "spec.avoidBuggyIPs"/);
    const wrongType = dryRun(poolsPath, {
      ...pool,
      spec: { ...pool.spec, addresses: "172.16.3.10/32" },
    });
    assert.equal(wrongType.status, 422);
    assert.match(wrongType.body.message ?? "", /spec.addresses: Invalid value: "string"/);
  });

  it("accepts the proxy's LoadBalancer Service asking for the address", (t: TestContext) => {
    if (api.blocked) return t.skip(api.blocked);
    const fields = loadBalancerServiceFields(floatingIp);
    const r = dryRun("/api/v1/namespaces/homeport/services", {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "proxy", annotations: fields.annotations },
      spec: {
        type: fields.type,
        externalTrafficPolicy: fields.externalTrafficPolicy,
        selector: { "app.kubernetes.io/name": "proxy" },
        ports: [{ name: "tunnel", port: 8081, targetPort: 8081 }],
      },
    });
    assert.equal(r.status, 201, `Service: ${r.body.message}`);
  });
});
