import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import * as yaml from "js-yaml";
import { Recorder, resource, resourcesOfType } from "../../helpers/harness";
import { deployMonitoring, Inputs, serviceLabels } from "./monitoring-run";
import { TOKENS } from "../../helpers/types";

const SERVICE = TOKENS.swarmService;
const WEBHOOK = "https://hooks.example.org/alerts?token=never-in-plain-text";
let rec: Recorder;
let urls: Record<string, string>;
let credentials: Record<string, string>;

before(async () => {
  ({ rec, urls, credentials } = await deployMonitoring(
    {
      target: "swarm",
      sizes: { prometheus: 2 },
      monitoring: {
        retention: "30d",
        dockerGroupId: 998,
        alerting: { receiver: "webhook", webhook: { url: WEBHOOK }, targetDownFor: "90s" },
      },
    },
    ["monitoring"],
  ));
});

const service = (name: string): Inputs => resource(rec, SERVICE, name).inputs as Inputs;
const spec = (name: string): Inputs => service(name).taskSpec.containerSpec;

describe("Monitoring on Swarm", () => {
  it("deploys the five monitoring services", () => {
    assert.deepEqual(Object.keys(resourcesOfType(rec, SERVICE)).sort(), [
      "alertmanager",
      "cadvisor",
      "grafana",
      "node-exporter",
      "prometheus",
    ]);
  });

  it("runs node-exporter and cAdvisor on every node with read-only host mounts and exemptions", () => {
    assert.deepEqual(service("node-exporter").mode, { global: true });
    assert.deepEqual(service("cadvisor").mode, { global: true });
    assert.deepEqual(spec("node-exporter").mounts, [
      { type: "bind", source: "/proc", target: "/host/proc", readOnly: true },
      { type: "bind", source: "/sys", target: "/host/sys", readOnly: true },
      { type: "bind", source: "/", target: "/host/root", readOnly: true },
    ]);
    assert.deepEqual(
      spec("cadvisor").mounts.map((m: Inputs) => [m.source, m.target, m.readOnly]),
      [
        ["/", "/rootfs", true],
        ["/var/run", "/var/run", true],
        ["/sys", "/sys", true],
        ["/dev/disk", "/dev/disk", true],
        ["/var/lib/docker", "/var/lib/docker", true],
      ],
    );
    const exporter = serviceLabels(service("node-exporter"));
    assert.match(
      exporter["policy.homeport.dev/exempt.workload-no-sensitive-host-paths"] as string,
      /read-only/,
    );
    assert.equal(exporter["homeport.dev/metrics-port"], "9100");
    const cadvisor = serviceLabels(service("cadvisor"));
    assert.ok(cadvisor["policy.homeport.dev/exempt.workload-no-sensitive-host-paths"]);
    assert.ok(cadvisor["policy.homeport.dev/exempt.workload-docker-socket-restricted"]);
    assert.deepEqual(spec("cadvisor").args.at(-1), "--docker_only=true");
  });

  it("runs Prometheus on managers with the Docker socket read-only, as nobody in the docker group", () => {
    const prom = service("prometheus");
    assert.deepEqual(prom.mode, { replicated: { replicas: 2 } });
    assert.deepEqual(prom.taskSpec.placement.constraints, ["node.role==manager"]);
    assert.equal(prom.taskSpec.placement.maxReplicas, 1);
    assert.equal(spec("prometheus").user, "65534:998");
    assert.deepEqual(spec("prometheus").mounts[1], {
      type: "bind",
      source: "/var/run/docker.sock",
      target: "/var/run/docker.sock",
      readOnly: true,
    });
    assert.ok(serviceLabels(prom)["policy.homeport.dev/exempt.workload-docker-socket-restricted"]);
    assert.deepEqual(spec("prometheus").args, [
      "--config.file=/etc/prometheus/prometheus.yml",
      "--storage.tsdb.path=/prometheus",
      "--storage.tsdb.retention.time=30d",
    ]);
    assert.equal(spec("prometheus").image, "prom/prometheus:v3.5.0");
  });

  it("keeps the TSDB, Alertmanager's state and Grafana's database on persistent volumes", () => {
    for (const [name, path] of [
      ["prometheus", "/prometheus"],
      ["alertmanager", "/alertmanager"],
      ["grafana", "/var/lib/grafana"],
    ]) {
      const mount = spec(name).mounts[0];
      assert.equal(mount.type, "volume", name);
      assert.equal(mount.target, path, name);
      assert.equal(mount.source, `dev-${name}-data`, name);
      assert.equal(
        resource(rec, TOKENS.swarmVolume, `${name}-data`).inputs.name,
        `dev-${name}-data`,
      );
      assert.equal(serviceLabels(service(name))["homeport.dev/state"], "stateful", name);
    }
    assert.equal(serviceLabels(service("grafana"))["homeport.dev/storage-engine"], "sqlite");
    assert.match(
      serviceLabels(service("grafana"))[
        "policy.homeport.dev/exempt.workload-min-replicas"
      ] as string,
      /SQLite/,
    );
  });

  it("hands Prometheus its configuration and rules as Swarm configs", () => {
    const config = resource(rec, TOKENS.swarmConfig, "prometheus-config");
    const text = Buffer.from(config.inputs.data as string, "base64").toString("utf8");
    assert.match(text, /dockerswarm_sd_configs:/);
    assert.match(text, /__meta_dockerswarm_network_label_homeport_dev_stack/);
    const rules = resource(rec, TOKENS.swarmConfig, "prometheus-rules");
    const groups = (
      yaml.load(Buffer.from(rules.inputs.data as string, "base64").toString("utf8")) as {
        groups: { rules: { alert?: string; for?: string }[] }[];
      }
    ).groups.flatMap((g) => g.rules);
    assert.deepEqual(
      groups.filter((r) => r.alert === "Watchdog" || r.alert === "TargetDown").map((r) => r.for),
      [undefined, "90s"],
      "Watchdog fires at once; TargetDown after homeport:monitoring.alerting.targetDownFor",
    );
  });

  it("delivers Alertmanager's configuration and Grafana's password as secrets only", () => {
    assert.equal(resource(rec, TOKENS.swarmSecret, "alertmanager-config").inputs.data, "[secret]");
    assert.equal(
      resource(rec, TOKENS.swarmSecret, "grafana-admin-password").inputs.data,
      "[secret]",
    );
    const env = spec("grafana").env as Record<string, string>;
    assert.equal(env.GF_SECURITY_ADMIN_PASSWORD__FILE, "/run/secrets/admin-password");
    assert.equal(env.GF_SECURITY_ADMIN_PASSWORD, undefined);
    assert.equal(env.PROMETHEUS_ADDRESS, "prometheus:9090");
    assert.deepEqual(
      spec("grafana").secrets.map((s: Inputs) => s.fileName),
      ["/run/secrets/admin-password"],
    );
    assert.deepEqual(
      spec("alertmanager").secrets.map((s: Inputs) => s.fileName),
      ["/etc/alertmanager/alertmanager.yml"],
    );
    const password = resource(rec, TOKENS.randomPassword, "monitoring-grafana-admin");
    assert.equal(password.inputs.length, 24);
  });

  it("never writes the webhook URL or Grafana's password in plain text", () => {
    const everything = JSON.stringify(rec.resources);
    assert.ok(!everything.includes("never-in-plain-text"));
    // The mock monitor's RandomPassword result.
    assert.ok(!everything.includes("rendered-monitoring-grafana-admin"));
    assert.equal(credentials.grafanaAdminPassword, "rendered-monitoring-grafana-admin");
  });

  it("routes Grafana over TLS and leaves Prometheus and Alertmanager unrouted without UI users", () => {
    const grafana = serviceLabels(service("grafana"));
    assert.equal(grafana["traefik.http.routers.grafana.rule"], "Host(`grafana.home.example.org`)");
    assert.equal(grafana["traefik.http.routers.grafana.entrypoints"], "websecure");
    assert.equal(grafana["traefik.http.routers.grafana.tls"], "true");
    assert.equal(serviceLabels(service("prometheus"))["traefik.enable"], undefined);
    assert.equal(serviceLabels(service("alertmanager"))["traefik.enable"], undefined);
  });

  it("provisions the data source and our three dashboards", () => {
    assert.deepEqual(
      spec("grafana").configs.map((c: Inputs) => c.fileName),
      [
        "/etc/grafana/provisioning/datasources/homeport.yml",
        "/etc/grafana/provisioning/dashboards/homeport.yml",
        "/etc/grafana/dashboards/containers.json",
        "/etc/grafana/dashboards/hosts.json",
        "/etc/grafana/dashboards/reverse-proxy.json",
      ],
    );
  });

  it("exports Grafana's URL and its admin login as secret credentials", () => {
    assert.deepEqual(urls, { grafana: "https://grafana.home.example.org" });
    assert.deepEqual(Object.keys(credentials).sort(), ["grafanaAdminPassword", "grafanaAdminUser"]);
    assert.equal(credentials.grafanaAdminUser, "admin");
  });
});
