import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { parseStackConfig } from "../../../../components/config/load";
import {
  consulClusterLayout,
  consulMetricsDiscovery,
  consulRouteProvider,
  consulServiceAddress,
} from "../../../../components/platforms/nomad/consul";
import { platformCapabilities } from "../../../../components/platforms/create-adapter";
import { nomadProfile } from "../../../../components/platforms/nomad/profile";
import { resolveWorkload } from "../../../../components/model/resolve";
import { nomadJobspec } from "../../../../components/platforms/nomad/jobspec";

const config = (consul: Record<string, unknown> = {}, provider = "consul") =>
  parseStackConfig({
    "homeport:target": "nomad",
    "homeport:domain": "lab.example.net",
    "homeport:nomad": JSON.stringify({ serviceProvider: provider, consul }),
  });
const consul = (settings: Record<string, unknown> = {}) => config(settings).nomad.consul;

describe("Nomad with Consul as its service provider", () => {
  it("defaults to Nomad's own catalogue, with the DNS servers of the docker bridge for Consul", () => {
    const nomad = parseStackConfig({
      "homeport:target": "nomad",
      "homeport:domain": "lab.example.net",
    }).nomad;
    assert.equal(nomad.serviceProvider, "nomad");
    assert.deepEqual(nomad.consul, { dnsServers: ["172.17.0.1"] });
  });

  it("refuses a token in plain text and an unknown provider, naming the fix", () => {
    assert.throws(() => config({ token: "plain" }), {
      message:
        /homeport:nomad\.consul\.token is stored in plain text\. Fix: store it encrypted with: pulumi config set --secret --path homeport:nomad\.consul\.token <value>\./,
    });
    assert.throws(() => config({}, "etcd"), {
      message:
        /homeport:nomad\.serviceProvider .*Fix: set it to nomad \(the built-in catalogue\) or consul\./,
    });
  });

  it("runs command checks and gives members stable addresses, before anything is deployed", () => {
    const caps = platformCapabilities(config());
    assert.equal(caps.commandChecks, true);
    assert.equal(caps.stableMemberAddresses, true);
    assert.equal(caps.prose.serviceDiscovery, "Consul's service discovery");
    const plain = platformCapabilities(config({}, "nomad"));
    assert.equal(plain.commandChecks, false);
    assert.equal(plain.stableMemberAddresses, false);
  });

  it("lets Traefik read the Consul catalogue, the token as CONSUL_HTTP_TOKEN", () => {
    const token = pulumi.secret("t");
    const provider = consulRouteProvider({
      ...consul({ address: "https://consul.lab:8501", datacenter: "lab" }),
      token,
    });
    assert.deepEqual(provider.traefikArgs, [
      "--providers.consulcatalog=true",
      "--providers.consulcatalog.exposedByDefault=false",
      "--providers.consulcatalog.endpoint.address=consul.lab:8501",
      "--providers.consulcatalog.endpoint.scheme=https",
      "--providers.consulcatalog.endpoint.datacenter=lab",
      "--providers.consulcatalog.refreshInterval=5s",
    ]);
    assert.deepEqual(provider.secrets, [
      { name: "consul-token", value: token, env: "CONSUL_HTTP_TOKEN" },
    ]);
    // Without an address a task can reach, the node's agent.
    assert.equal(
      consulRouteProvider(consul({ address: "http://127.0.0.1:8500" })).traefikArgs[2],
      "--providers.consulcatalog.endpoint.address=${attr.unique.network.ip-address}:8500",
    );
    assert.deepEqual(nomadProfile(config()).routeProvider().secrets, []);
  });

  it("lets Prometheus discover targets through Consul, the token from a file", () => {
    const token = pulumi.secret("t");
    const d = consulMetricsDiscovery({
      ...consul({ address: "http://consul.lab:8500", datacenter: "lab" }),
      token,
    });
    const sd = {
      server: "consul.lab:8500",
      scheme: "http",
      datacenter: "lab",
      refresh_interval: "30s",
      authorization: { credentials_file: "/run/secrets/consul-token" },
    };
    assert.deepEqual(d.sdConfig, { consul_sd_configs: [sd] });
    assert.deepEqual(d.select[0], {
      source_labels: ["__meta_consul_tags"],
      regex: ".*,homeport_dev_workload=([^,]+),.*",
      replacement: "$1",
      target_label: "__tmp_workload",
    });
    assert.deepEqual(d.address, [{ source_labels: ["__meta_consul_node"], target_label: "node" }]);
    assert.deepEqual(d.alertmanager("alertmanager", "unused"), {
      consul_sd_configs: [{ ...sd, services: ["alertmanager"] }],
    });
    assert.deepEqual(d.secrets, [
      { name: "consul-token", value: token, path: "/run/secrets/consul-token" },
    ]);
  });

  it("refuses a Consul address Prometheus' container cannot reach, naming the fix", () => {
    assert.throws(() => nomadProfile(config()).metricsDiscovery(), {
      message:
        /homeport:nomad\.consul\.address is not set, which Prometheus cannot reach from its container\. Fix: set homeport:nomad\.consul\.address to the Consul HTTP API address as tasks reach it, e\.g\. http:\/\/10\.0\.0\.10:8500\./,
    });
    assert.throws(() => consulMetricsDiscovery(consul({ address: "http://localhost:8500" })), {
      message: /homeport:nomad\.consul\.address is "http:\/\/localhost:8500"/,
    });
  });

  it("lays a cluster out as one job per member, named <member>.service.consul", () => {
    const layout = consulClusterLayout(
      consul({ address: "http://consul.lab:8500" }),
      "rabbitmq",
      3,
    );
    assert.deepEqual(layout.workloads, [
      { name: "rabbitmq-0", replicas: 1, host: "rabbitmq-0.service.consul", ordinal: 0 },
      { name: "rabbitmq-1", replicas: 1, host: "rabbitmq-1.service.consul", ordinal: 1 },
      { name: "rabbitmq-2", replicas: 1, host: "rabbitmq-2.service.consul", ordinal: 2 },
    ]);
    assert.deepEqual(layout.peers, [
      "rabbitmq-0.service.consul",
      "rabbitmq-1.service.consul",
      "rabbitmq-2.service.consul",
    ]);
    assert.deepEqual(layout.catalogue, {
      kind: "consul",
      host: "consul.lab",
      port: 8500,
      scheme: "http",
      token: undefined,
    });
    // Without an address, members reach their node's agent (Nomad interpolates their env).
    const local = consulClusterLayout(consul(), "minio", 1);
    assert.deepEqual(local.workloads, [{ name: "minio", replicas: 1, ordinal: 0 }]);
    assert.equal(local.catalogue?.host, "${attr.unique.network.ip-address}");
    // Without Consul, Nomad's catalogue has no DNS for peers: a single member (and the config
    // checks say what to set).
    assert.deepEqual(nomadProfile(config({}, "nomad")).clusterLayout("rabbitmq", 3).peers, []);
  });

  it("resolves a workload's address from Consul at task start", () => {
    assert.equal(
      consulServiceAddress("prometheus"),
      '{{ with service "prometheus" }}{{ with index . 0 }}{{ .Address }}:{{ .Port }}{{ end }}{{ end }}',
    );
  });

  it("tags the service of the route's port, which Traefik dials at its registered host port", () => {
    const w = resolveWorkload("app", "apps", {
      image: "app:1.0.0",
      ports: [
        { name: "metrics", port: 9100 },
        { name: "http", port: 8080 },
      ],
      routes: [{ host: "app.lab.example.net", port: "http" }],
    });
    const job = nomadJobspec(w, {
      jobId: "app",
      settings: config().nomad,
      storageBackend: "local",
      env: {},
      files: {},
      tags: { "traefik.enable": "true" },
    });
    const group = (job.TaskGroups as { Services: { Name: string; Tags: string[] }[] }[])[0];
    assert.deepEqual(
      group.Services.map((x) => [x.Name, x.Tags]),
      [
        ["app", []],
        ["app-http", ["traefik.enable=true"]],
      ],
    );
  });
});
