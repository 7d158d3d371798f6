import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import {
  Recorder,
  resource,
  resourcesOfType,
  stackConfig,
  startRecorder,
  testParent,
} from "../../helpers/harness";
import { TOKENS } from "../../helpers/types";

const JOB = TOKENS.nomadJob;
const VARIABLE = TOKENS.nomadVariable;
let rec: Recorder;

before(async () => {
  rec = await startRecorder("test");
  const { NomadPlatform } = await import("../../../components/platforms/nomad/nomad-platform");
  const { AppTier } = await import("../../../components/apps/app-tier");
  const { appTierArgs } = await import("../../../components/stack-args");
  const config = stackConfig(
    {
      target: "nomad",
      environment: "production",
      domain: "lab.example.net",
      parts: ["apps"],
      nomad: {
        address: "http://nomad.lab.example.net:4646",
        serviceProvider: "consul",
        consul: { address: "http://consul.lab.example.net:8500", token: "consul-acl-token" },
      },
      apps: { nodes: { rabbitmq: ["n1", "n2", "n3"], minio: ["n1", "n2", "n3", "n4"] } },
    },
    ["nomad"],
  );
  const parent = await testParent();
  const platform = new NomadPlatform("nomad", { config, routing: {} }, { parent });
  new AppTier("apps", { ...appTierArgs(config), platform }, { parent });
  await rec.settle();
});

type Inputs = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const jobspec = (name: string): Inputs =>
  JSON.parse(resource(rec, JOB, name).inputs.jobspec as string);
const group = (name: string): Inputs => jobspec(name).TaskGroups[0];
const task = (name: string): Inputs => group(name).Tasks[0];

describe("app tier on Nomad with Consul (production sizes)", () => {
  it("runs 3 RabbitMQ members and 4 MinIO servers, one job each, pinned to their nodes", () => {
    const jobs = Object.keys(resourcesOfType(rec, JOB)).sort();
    assert.deepEqual(
      jobs.filter((j) => /^(rabbitmq|minio)/.test(j)),
      ["minio-0", "minio-1", "minio-2", "minio-3", "rabbitmq-0", "rabbitmq-1", "rabbitmq-2"],
    );
    assert.deepEqual(jobspec("rabbitmq-1").Constraints, [
      { LTarget: "${attr.unique.hostname}", RTarget: "n2", Operand: "=" },
    ]);
    assert.equal(jobspec("rabbitmq-1").Update.MaxParallel, 1);
    assert.equal(group("minio-3").Count, 1);
  });

  it("registers every service in Consul, with the DNS servers that answer .consul", () => {
    for (const name of ["rabbitmq-0", "minio-0", "backend", "worker", "frontend"]) {
      const g = group(name);
      assert.deepEqual(
        g.Services.map((s: Inputs) => s.Provider),
        g.Services.map(() => "consul"),
        name,
      );
      assert.deepEqual(g.Networks[0].DNS, { Servers: ["172.17.0.1"] }, name);
    }
  });

  it("gives each member its Consul name as host name and static ports on its node", () => {
    const net = group("minio-2").Networks[0];
    assert.equal(net.Mode, "bridge");
    assert.equal(net.Hostname, "minio-2.service.consul");
    assert.deepEqual(net.ReservedPorts, [
      { Label: "api", Value: 9000, To: 9000 },
      { Label: "console", Value: 9001, To: 9001 },
    ]);
    assert.equal(net.DynamicPorts.length, 0);
    assert.equal(
      jobspec("minio-2").Meta.policy_homeport_dev_exempt_workload_no_host_ports,
      "a cluster member is reached by its Consul name, which resolves to its node's address, so its ports are static on that node (one member per node)",
    );
    // A member starts as "warning" in Consul, so its peers resolve it while the cluster forms.
    assert.equal(group("minio-2").Services[0].Checks[0].InitialStatus, "warning");
    // Stateless workloads keep dynamic ports.
    assert.deepEqual(group("backend").Networks[0].ReservedPorts, []);
    assert.equal(group("backend").Services[0].Checks[0].InitialStatus, undefined);
  });

  it("lists the MinIO servers by their Consul names", () => {
    const script = task("minio-0").Config.entrypoint as string[];
    assert.deepEqual(script.slice(-9), [
      "server",
      "http://minio-0.service.consul:9000/data",
      "http://minio-1.service.consul:9000/data",
      "http://minio-2.service.consul:9000/data",
      "http://minio-3.service.consul:9000/data",
      "--address",
      ":9000",
      "--console-address",
      ":9001",
    ]);
  });

  it("forms the RabbitMQ cluster through Consul peer discovery, with one shared cookie", () => {
    const t = task("rabbitmq-2");
    const conf = t.Templates.find((x: Inputs) => x.DestPath === "local/conf").EmbeddedTmpl;
    assert.equal(
      conf,
      [
        "# Written by homeport.",
        "listeners.tcp.default = 5672",
        "loopback_users.guest = true",
        "cluster_formation.peer_discovery_backend = consul",
        "cluster_formation.consul.svc = rabbitmq-peers",
        "cluster_formation.consul.svc_addr = rabbitmq-2.service.consul",
        "cluster_formation.consul.svc_port = 5672",
        "cluster_formation.consul.use_longname = true",
        "cluster_formation.consul.svc_ttl = 30",
        "cluster_formation.consul.deregister_after = 90",
        "cluster_partition_handling = pause_minority",
        "default_queue_type = quorum",
        "",
      ].join("\n"),
    );
    assert.deepEqual(
      {
        host: t.Env.CONSUL_HOST,
        port: t.Env.CONSUL_PORT,
        scheme: t.Env.CONSUL_SCHEME,
        node: t.Env.RABBITMQ_NODENAME,
        longnames: t.Env.RABBITMQ_USE_LONGNAME,
      },
      {
        host: "consul.lab.example.net",
        port: "8500",
        scheme: "http",
        node: "rabbit@rabbitmq-2.service.consul",
        longnames: "true",
      },
    );
    assert.match(
      t.Config.entrypoint[2],
      /\nrabbitmq-plugins enable --offline rabbitmq_peer_discovery_consul\n/,
    );
    const env = t.Templates.find((x: Inputs) => x.DestPath === "secrets/env.env").EmbeddedTmpl;
    assert.match(env, /^CONSUL_ACL_TOKEN=\{\{ \.consul_token \| toJSON \}\}$/m);
    assert.match(env, /^RABBITMQ_ERLANG_COOKIE=\{\{ \.erlang_cookie \| toJSON \}\}$/m);
    // The token is in the member's variable, never in the jobspec or anywhere in plain text.
    assert.equal(resource(rec, VARIABLE, "rabbitmq-2-secrets").inputs.items, "[secret]");
    assert.ok(!JSON.stringify(rec.resources).includes("consul-acl-token"), "the token leaked");
  });

  it("gives the worker its Celery ping as a script check, without exemption", () => {
    const [service] = group("worker").Services;
    assert.equal(service.Name, "worker");
    assert.equal(service.Checks[0].Type, "script");
    assert.equal(service.Checks[0].TaskName, "worker");
    assert.equal(service.Checks[0].Command, "sh");
    // The ping goes through the broker: it never restarts the worker; the local check does.
    assert.equal(service.Checks[0].CheckRestart, undefined);
    assert.deepEqual(service.Checks[1], {
      Name: "worker-live",
      Type: "script",
      Command: "python",
      Args: [
        "-c",
        'import sys; state = open("/proc/1/stat").read().rsplit(")", 1)[1].split()[0]; sys.exit(state in "ZTt")',
      ],
      TaskName: "worker",
      Interval: 30_000_000_000,
      Timeout: 5_000_000_000,
      CheckRestart: { Limit: 3, Grace: 10_000_000_000, IgnoreWarnings: false },
    });
    assert.equal(service.Checks.length, 2);
    const meta = Object.keys(jobspec("worker").Meta).filter((k) => k.includes("exempt"));
    assert.deepEqual(meta, []);
  });

  it("wires the app to MinIO by its first server's Consul name", () => {
    assert.equal(task("backend").Env.S3_ENDPOINT_URL, "http://minio-0.service.consul:9000");
    assert.equal(task("bucket-init").Env.S3_ENDPOINT_URL, "http://minio-0.service.consul:9000");
  });
});
