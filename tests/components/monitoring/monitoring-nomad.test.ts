import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { Recorder, resource } from "../../helpers/harness";
import { deployMonitoring, Inputs } from "./monitoring-run";
import { TOKENS } from "../../helpers/types";

const JOB = TOKENS.nomadJob;
let rec: Recorder;

before(async () => {
  ({ rec } = await deployMonitoring({
    target: "nomad",
    nomad: { address: "http://nomad.lab.example.net:4646", namespace: "homeport" },
    monitoring: { retention: "10d" },
  }));
});

const jobspec = (name: string): Inputs =>
  JSON.parse(resource(rec, JOB, name).inputs.jobspec as string);
const group = (name: string): Inputs => jobspec(name).TaskGroups[0];
const task = (name: string): Inputs => group(name).Tasks[0];
const template = (name: string, dest: string): Inputs => {
  const found = (task(name).Templates as Inputs[]).find((t) => t.DestPath === dest);
  assert.ok(found, `${name} has no template for ${dest}`);
  return found;
};

describe("Monitoring on Nomad", () => {
  it("runs node-exporter and cAdvisor as system jobs with read-only host volumes", () => {
    assert.equal(jobspec("node-exporter").Type, "system");
    assert.equal(jobspec("cadvisor").Type, "system");
    assert.deepEqual(task("node-exporter").Config.volumes, [
      "/proc:/host/proc:ro",
      "/sys:/host/sys:ro",
      "/:/host/root:ro",
    ]);
    assert.deepEqual(task("cadvisor").Config.volumes, [
      "/:/rootfs:ro",
      "/var/run:/var/run:ro",
      "/sys:/sys:ro",
      "/dev/disk:/dev/disk:ro",
      "/var/lib/docker:/var/lib/docker:ro",
    ]);
    assert.ok(
      jobspec("cadvisor").Meta[
        "policy_homeport_dev_exempt_workload-docker-socket-restricted".replace(/-/g, "_")
      ],
    );
  });

  it("tags each metrics service so that Nomad service discovery can find it", () => {
    const services = group("node-exporter").Services as Inputs[];
    assert.deepEqual(services[0].Tags, [
      "homeport_dev_workload=node-exporter",
      "homeport_dev_part=monitoring",
      "homeport_dev_metrics_path=/metrics",
    ]);
    const grafana = group("grafana").Services as Inputs[];
    assert.ok(grafana[0].Tags.includes("homeport_dev_metrics_path=/metrics"));
    // The same service carries Grafana's TLS route for Traefik's Nomad provider.
    assert.ok(
      grafana[0].Tags.includes(
        "traefik.http.routers.grafana.rule=Host(`grafana.home.example.org`)",
      ),
    );
    assert.ok(grafana[0].Tags.includes("traefik.http.routers.grafana.tls=true"));
    assert.ok(!JSON.stringify(group("prometheus").Services).includes("traefik.enable"));
  });

  it("discovers targets and Alertmanager through the Nomad API that tasks reach", () => {
    const config = template("prometheus", "local/config").EmbeddedTmpl as string;
    assert.match(
      config,
      /nomad_sd_configs:\n\s+- server: http:\/\/nomad\.lab\.example\.net:4646\n\s+region: global\n\s+namespace: homeport/,
    );
    assert.match(config, /__meta_nomad_service/);
    assert.ok(task("prometheus").Config.args.includes("--storage.tsdb.retention.time=10d"));
    assert.equal(task("prometheus").Config.volumes, undefined, "no Docker socket on Nomad");
  });

  it("keeps the TSDB on a host volume and runs one Prometheus", () => {
    assert.equal(group("prometheus").Count, 1);
    assert.deepEqual(group("prometheus").Constraints, [
      { Operand: "distinct_hosts", RTarget: "true" },
    ]);
    assert.deepEqual(group("prometheus").Volumes, {
      data: { Name: "data", Type: "host", Source: "prometheus-data", ReadOnly: false },
    });
  });

  it("keeps secrets out of the jobspec: Alertmanager's config and Grafana's password come from Nomad Variables, readable by their users", () => {
    const raw = resource(rec, JOB, "alertmanager").inputs.jobspec as string;
    assert.ok(!raw.includes("receivers"));
    assert.deepEqual(
      { ...template("alertmanager", "secrets/config"), EmbeddedTmpl: undefined },
      {
        EmbeddedTmpl: undefined,
        DestPath: "secrets/config",
        ChangeMode: "restart",
        Perms: "0400",
        Uid: 65534,
        Gid: 65534,
      },
    );
    assert.equal(template("grafana", "secrets/admin-password").Uid, 472);
    assert.equal(
      task("grafana").Env.GF_SECURITY_ADMIN_PASSWORD__FILE,
      "/run/secrets/admin-password",
    );
    assert.equal(resource(rec, TOKENS.nomadVariable, "grafana-secrets").inputs.items, "[secret]");
  });

  it("points Grafana at Prometheus through Nomad's service catalogue", () => {
    const env = template("grafana", "secrets/env.env").EmbeddedTmpl as string;
    assert.match(
      env,
      /PROMETHEUS_ADDRESS=\{\{ with nomadService "prometheus" \}\}\{\{ with index \. 0 \}\}/,
    );
  });
});
