import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { Recorder, resource, stackConfig, startRecorder } from "../../helpers/harness";
import { TOKENS } from "../../helpers/types";
import { TEST_CERT_PEM } from "../../helpers/certs";

type Inputs = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const CERT = TEST_CERT_PEM;
let rec: Recorder;

before(async () => {
  rec = await startRecorder("test");
  const { Platform } = await import("../../../components/platform");
  const config = stackConfig(
    {
      target: "nomad",
      domain: "lab.example.net",
      parts: ["proxy"],
      sizes: { proxy: 3 },
      nomad: { address: "http://127.0.0.1:4646", namespace: "homeport", datacenters: ["lab"] },
      proxy: {
        certificate: { cert: CERT, key: "-----BEGIN PRIVATE KEY-----" },
        nomadToken: "nomad-acl-token-value",
      },
    },
    ["proxy"],
  );
  new Platform("homeport", { config });
  await rec.settle();
});

const job = (): Inputs => {
  const jobspec = resource(rec, TOKENS.nomadJob, "traefik").inputs.jobspec;
  return JSON.parse(String(jobspec)) as Inputs;
};
const group = () => job().TaskGroups[0];
const task = () => group().Tasks[0];

describe("reverse proxy on Nomad", () => {
  it("runs the configured count on distinct nodes, spread, replaced one at a time", () => {
    assert.equal(group().Count, 3);
    assert.deepEqual(group().Constraints, [{ Operand: "distinct_hosts", RTarget: "true" }]);
    assert.deepEqual(job().Spreads, [{ Attribute: "${node.unique.id}", Weight: 100 }]);
    assert.equal(job().Update.MaxParallel, 1);
    assert.equal(job().Update.Canary, undefined);
  });

  it("reserves 80 and 443 on each node", () => {
    assert.deepEqual(group().Networks[0].ReservedPorts, [
      { Label: "web", Value: 80, To: 8000 },
      { Label: "websecure", Value: 443, To: 8443 },
    ]);
    assert.deepEqual(group().Networks[0].DynamicPorts, [{ Label: "traefik", To: 8080 }]);
  });

  it("reads the Nomad catalogue of the namespace through the node's agent", () => {
    assert.deepEqual(task().Config.args.slice(-6), [
      "--providers.nomad=true",
      "--providers.nomad.exposedByDefault=false",
      "--providers.nomad.namespaces=homeport",
      "--providers.nomad.endpoint.address=http://${attr.unique.network.ip-address}:4646",
      "--providers.nomad.endpoint.region=global",
      "--providers.nomad.refreshInterval=5s",
    ]);
    assert.equal(task().Config.volumes, undefined);
  });

  it("checks /ping on Traefik's own entry point", () => {
    assert.deepEqual(group().Services[0].Checks, [
      {
        Name: "traefik-health",
        Type: "http",
        Path: "/ping",
        PortLabel: "traefik",
        Interval: 10_000_000_000,
        Timeout: 3_000_000_000,
      },
    ]);
  });

  it("tags the dashboard router: TLS, basic auth, api@internal", () => {
    const tags: string[] = group().Services[0].Tags;
    assert.deepEqual(
      tags.filter((t) => t.startsWith("traefik.http.routers.")),
      [
        "traefik.http.routers.traefik.rule=Host(`traefik.lab.example.net`)",
        "traefik.http.routers.traefik.entrypoints=websecure",
        "traefik.http.routers.traefik.tls=true",
        "traefik.http.routers.traefik.middlewares=traefik-basic-auth,traefik-security-headers-1",
        "traefik.http.routers.traefik.service=api@internal",
      ],
    );
    assert.ok(tags.includes("traefik.enable=true"));
    // Traefik dials the host port Nomad registered: no container port in the tags.
    assert.deepEqual(
      tags.filter((t) => t.includes(".loadbalancer.server.port=")),
      [],
    );
    assert.ok(
      tags.some((t) =>
        /^traefik\.http\.middlewares\.traefik-basic-auth\.basicauth\.users=admin:/.test(t),
      ),
    );
  });

  it("serves the supplied certificate, its key and the ACL token from Nomad Variables", () => {
    const variable = resource(rec, TOKENS.nomadVariable, "traefik-secrets");
    assert.equal(variable.inputs.path, "nomad/jobs/traefik");
    assert.equal(variable.inputs.items, "[secret]");
    const jobspec = resource(rec, TOKENS.nomadJob, "traefik").inputs.jobspec;
    assert.ok(!String(jobspec).includes("PRIVATE KEY"));
    assert.ok(!String(jobspec).includes("nomad-acl-token-value"));
    const templates = task().Templates.map((t: Inputs) => t.DestPath);
    assert.deepEqual(templates, [
      "secrets/env.env",
      "secrets/tls-key",
      "local/dynamic",
      "local/tls-cert",
    ]);
  });
});
