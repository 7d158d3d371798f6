import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import * as yaml from "js-yaml";
import { ConfigError, parseStackConfig } from "../../../components/config/load";
import { StackConfig } from "../../../components/config/schema";
import { renderAlertRules } from "../../../components/monitoring/alert-rules";
import {
  discoveryRelabels,
  prometheusConfig,
  PrometheusConfigOptions,
  renderPrometheusConfig,
  RULES_FILE,
} from "../../../components/monitoring/prometheus-config";
import { nomadProfile } from "../../../components/platforms/nomad/profile";
import { stackFileConfig } from "../../../tools/render-lib";
import { profileFor } from "../../helpers/platforms";
import {
  promtoolSupports,
  checkToolsMissing,
  requireTool,
  runTool,
  writeTree,
} from "./check-tools";

type Job = {
  job_name: string;
  relabel_configs?: Record<string, unknown>[];
  [sd: string]: unknown;
};

const ROOT = path.resolve(__dirname, "../../..");
const EXAMPLES = ["dev", "swarm-example", "k8s-example", "nomad-example"];

function exampleConfig(stack: string) {
  const { config, secretKeys } = stackFileConfig(path.join(ROOT, `Pulumi.${stack}.yaml`));
  return parseStackConfig(config, new Set(secretKeys));
}

const optionsOf = (config: StackConfig, stack: string): PrometheusConfigOptions => ({
  discovery: profileFor(config, `${stack}-`, stack).metricsDiscovery(),
  scrapeInterval: "30s",
  alertmanager: "alertmanager:9093",
  externalLabels: { homeport_stack: stack },
});
const options = (stack: string): PrometheusConfigOptions => optionsOf(exampleConfig(stack), stack);
/** The Nomad example on Nomad's built-in catalogue instead of Consul. */
const nomadBuiltIn = (): PrometheusConfigOptions => {
  const config = exampleConfig("nomad-example");
  return optionsOf({ ...config, nomad: { ...config.nomad, serviceProvider: "nomad" } }, "nomad");
};

const jobs = (opts: PrometheusConfigOptions) =>
  prometheusConfig(opts).scrape_configs as unknown as Job[];
const job = (opts: PrometheusConfigOptions, name: string): Job => {
  const found = jobs(opts).find((j) => j.job_name === name);
  assert.ok(found, `no job ${name}`);
  return found;
};

describe("Prometheus configuration", () => {
  it("scrapes Prometheus, node-exporter, cAdvisor, Traefik and every other workload", () => {
    assert.deepEqual(
      jobs(options("dev")).map((j) => j.job_name),
      ["prometheus", "node-exporter", "cadvisor", "traefik", "workloads"],
    );
    assert.deepEqual(job(options("dev"), "prometheus").static_configs, [
      { targets: ["localhost:9090"] },
    ]);
  });

  it("on Swarm discovers tasks through a manager's Docker socket, on this stack's networks, each at its own group's network", () => {
    const j = job(options("dev"), "workloads");
    assert.deepEqual(j.dockerswarm_sd_configs, [
      { host: "unix:///var/run/docker.sock", role: "tasks", refresh_interval: "30s" },
    ]);
    assert.deepEqual(j.relabel_configs?.slice(0, 3), [
      {
        source_labels: ["__meta_dockerswarm_task_desired_state"],
        regex: "running",
        action: "keep",
      },
      {
        source_labels: ["__meta_dockerswarm_network_label_homeport_dev_stack"],
        regex: "dev",
        action: "keep",
      },
      // One target per task: its address on the network of its own flow group.
      {
        source_labels: ["__meta_dockerswarm_network_label_homeport_dev_flow_group"],
        target_label: "__meta_dockerswarm_service_label_homeport_dev_flow_group",
        action: "keepequal",
      },
    ]);
    assert.deepEqual(
      j.relabel_configs?.find((r) => r.target_label === "__address__"),
      {
        source_labels: [
          "__address__",
          "__meta_dockerswarm_service_label_homeport_dev_metrics_port",
        ],
        regex: "([^:]+)(?::\\d+)?;(\\d+)",
        replacement: "$1:$2",
        target_label: "__address__",
      },
    );
  });

  it("on Kubernetes discovers the pods of the stack's and the node agents' namespaces and reads the metrics annotations", () => {
    const j = job(options("k8s-example"), "node-exporter");
    assert.deepEqual(j.kubernetes_sd_configs, [
      { role: "pod", namespaces: { names: ["homeport", "homeport-node-agents"] } },
    ]);
    const sources = (j.relabel_configs ?? []).flatMap((r) => r.source_labels as string[]);
    assert.ok(sources.includes("__meta_kubernetes_pod_annotation_homeport_dev_metrics_path"));
    assert.ok(sources.includes("__meta_kubernetes_pod_annotation_homeport_dev_metrics_port"));
    assert.ok(sources.includes("__meta_kubernetes_pod_annotation_homeport_dev_workload"));
    assert.deepEqual(j.relabel_configs?.at(-1), {
      source_labels: ["__tmp_workload"],
      regex: "node-exporter",
      action: "keep",
    });
  });

  it("on Nomad with Consul asks Consul and reads the metrics tags of services", () => {
    const j = job(options("nomad-example"), "traefik");
    assert.deepEqual(j.consul_sd_configs, [
      {
        server: "consul.lab.example.net:8500",
        scheme: "http",
        datacenter: "lab",
        refresh_interval: "30s",
      },
    ]);
    assert.deepEqual(j.relabel_configs?.[0], {
      source_labels: ["__meta_consul_tags"],
      regex: ".*,homeport_dev_workload=([^,]+),.*",
      replacement: "$1",
      target_label: "__tmp_workload",
    });
    const alerting = prometheusConfig(options("nomad-example")).alerting as {
      alertmanagers: Record<string, unknown>[];
    };
    assert.deepEqual(alerting.alertmanagers[0].consul_sd_configs, [
      {
        server: "consul.lab.example.net:8500",
        scheme: "http",
        datacenter: "lab",
        refresh_interval: "30s",
        services: ["alertmanager"],
      },
    ]);
  });

  it("on Nomad's own catalogue asks the Nomad API of the stack and reads the metrics tags of services", () => {
    const j = job(nomadBuiltIn(), "traefik");
    assert.deepEqual(j.nomad_sd_configs, [
      {
        server: "http://nomad.lab.example.net:4646",
        region: "global",
        namespace: "homeport",
        refresh_interval: "30s",
      },
    ]);
    assert.deepEqual(j.relabel_configs?.[0], {
      source_labels: ["__meta_nomad_tags"],
      regex: ".*,homeport_dev_workload=([^,]+),.*",
      replacement: "$1",
      target_label: "__tmp_workload",
    });
    assert.deepEqual(j.relabel_configs?.at(-1), {
      source_labels: ["__tmp_part"],
      regex: "proxy",
      action: "keep",
    });
    const alerting = prometheusConfig(nomadBuiltIn()).alerting as {
      alertmanagers: Record<string, unknown>[];
    };
    assert.deepEqual(alerting.alertmanagers[0].relabel_configs, [
      { source_labels: ["__meta_nomad_service"], regex: "alertmanager", action: "keep" },
    ]);
  });

  it("keeps only targets that declare a metrics path, on every target", () => {
    for (const stack of EXAMPLES) {
      const relabels = discoveryRelabels(options(stack).discovery);
      assert.ok(
        relabels.some((r) => r.action === "keep" && r.regex === "/.*"),
        `${stack}: no keep on the metrics path`,
      );
    }
  });

  it("refuses a Nomad stack whose only Nomad address is the deployer's loopback", () => {
    const config = parseStackConfig({
      "homeport:target": "nomad",
      "homeport:domain": "lab.example.net",
      "homeport:nomad": JSON.stringify({ address: "http://127.0.0.1:4646" }),
    });
    assert.throws(
      () => nomadProfile(config).metricsDiscovery(),
      (err: unknown) =>
        err instanceof ConfigError &&
        err.problems[0] ===
          'homeport:monitoring.nomadAddress is not set, and homeport:nomad.address is "http://127.0.0.1:4646", which Prometheus cannot reach from its container. Fix: set homeport:monitoring.nomadAddress to the Nomad HTTP API address as tasks reach it, e.g. http://10.0.0.10:4646.',
    );
  });

  it("prefers homeport:monitoring.nomadAddress", () => {
    const config = parseStackConfig({
      "homeport:target": "nomad",
      "homeport:domain": "lab.example.net",
      "homeport:monitoring": JSON.stringify({ nomadAddress: "http://10.0.0.10:4646" }),
    });
    assert.deepEqual(nomadProfile(config).metricsDiscovery().sdConfig, {
      nomad_sd_configs: [
        {
          server: "http://10.0.0.10:4646",
          region: "global",
          namespace: "default",
          refresh_interval: "30s",
        },
      ],
    });
  });
});

/** Swaps a discovery block that this promtool lacks for file discovery; relabelling stays. */
function withFileDiscovery(text: string, sd: string): string {
  const config = yaml.load(text) as {
    scrape_configs: Record<string, unknown>[];
    alerting: { alertmanagers: Record<string, unknown>[] };
  };
  for (const block of [...config.scrape_configs, ...config.alerting.alertmanagers]) {
    if (block[sd]) {
      delete block[sd];
      block.file_sd_configs = [{ files: ["targets/*.json"] }];
    }
  }
  return yaml.dump(config, { lineWidth: -1 });
}

/** A minimal block of each discovery, to ask promtool whether it knows it. */
const SD_PROBES: Record<string, string> = {
  dockerswarm_sd_configs: "{host: 'unix:///var/run/docker.sock', role: tasks}",
  kubernetes_sd_configs: "{role: pod}",
  nomad_sd_configs: "{server: 'http://127.0.0.1:4646'}",
  consul_sd_configs: "{server: '127.0.0.1:8500'}",
};

describe("promtool on the rendered configuration", { skip: checkToolsMissing }, () => {
  let promtool: string;
  const dirs: string[] = [];
  before(() => {
    promtool = requireTool("promtool");
  });
  after(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

  for (const stack of EXAMPLES) {
    it(`passes promtool check config and check rules for Pulumi.${stack}.yaml`, (t) => {
      const opts = options(stack);
      let text = renderPrometheusConfig(opts);
      const [sd] = Object.keys(opts.discovery.sdConfig);
      const probe = SD_PROBES[sd];
      if (!promtoolSupports(promtool, sd, probe)) {
        // The discovery block itself is then checked by the targeted assertions above.
        t.diagnostic(`this promtool lacks ${sd}: checked with file discovery in its place`);
        text = withFileDiscovery(text, sd);
        assert.ok(!text.includes(sd));
      }
      const dir = writeTree({
        "prometheus.yml": text,
        [RULES_FILE]: renderAlertRules(opts.discovery.containerWorkload),
      });
      dirs.push(dir);
      const config = runTool(promtool, ["check", "config", "prometheus.yml"], dir);
      assert.equal(config.status, 0, config.output);
      assert.match(config.output, /SUCCESS: prometheus\.yml is valid prometheus config file/);
      assert.match(config.output, /SUCCESS: \d+ rules found/);
      const rules = runTool(promtool, ["check", "rules", RULES_FILE], dir);
      assert.equal(rules.status, 0, rules.output);
    });
  }

  it("rejects a broken configuration, so the checks above can fail", () => {
    const dir = writeTree({
      "prometheus.yml": renderPrometheusConfig(options("dev")).replace("30s", "thirty"),
      [RULES_FILE]: renderAlertRules(options("dev").discovery.containerWorkload).replace(
        "vector(1)",
        "vector(1",
      ),
    });
    dirs.push(dir);
    assert.notEqual(runTool(promtool, ["check", "config", "prometheus.yml"], dir).status, 0);
    assert.notEqual(runTool(promtool, ["check", "rules", RULES_FILE], dir).status, 0);
  });
});

const FIXTURES = path.join(__dirname, "fixtures");

/** Each orchestrator's cAdvisor workload label, as its adapter's discovery strategy gives it. */
const CONTAINER_WORKLOAD = {
  swarm: options("dev").discovery.containerWorkload,
  kubernetes: options("k8s-example").discovery.containerWorkload,
  nomad: options("nomad-example").discovery.containerWorkload,
};

describe("promtool test rules", { skip: checkToolsMissing }, () => {
  let promtool: string;
  before(() => {
    promtool = requireTool("promtool");
  });

  for (const target of ["swarm", "kubernetes", "nomad"] as const) {
    it(`fires target-down, node-down, disk-filling, crash-loop, memory and certificate alerts on ${target}, and stays quiet on healthy series`, () => {
      const tests = ["common.test.yml", `restart-${target}.test.yml`];
      const dir = writeTree({
        [RULES_FILE]: renderAlertRules(CONTAINER_WORKLOAD[target]),
        ...Object.fromEntries(
          tests.map((f) => [f, fs.readFileSync(path.join(FIXTURES, f), "utf8")]),
        ),
      });
      try {
        const result = runTool(promtool, ["test", "rules", ...tests], dir);
        assert.equal(result.status, 0, result.output);
        assert.equal(result.output.match(/SUCCESS/g)?.length, tests.length, result.output);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});
