import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ConfigError, parseStackConfig } from "../../../components/config/load";

const base = { "homeport:target": "swarm", "homeport:domain": "home.example.org" };

/** The problems a raw config produces, or [] when it is valid. */
function problems(raw: Record<string, string>): readonly string[] {
  try {
    parseStackConfig(raw);
    return [];
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${String(err)}`);
    return err.problems;
  }
}

describe("stack configuration", () => {
  it("applies every default to a minimal valid config", () => {
    const config = parseStackConfig(base);
    assert.equal(config.target, "swarm");
    assert.equal(config.environment, "dev");
    assert.deepEqual(config.parts, ["proxy", "monitoring", "apps"]);
    assert.deepEqual(config.sizes, {});
    assert.deepEqual(config.storage, { backend: "local", deleteDataOnDestroy: false });
    assert.deepEqual(config.swarm, {
      endpointMode: "vip",
      publishMode: "ingress",
      convergeTimeout: "5m",
    });
    assert.equal(config.kubernetes.namespace, "homeport");
    assert.deepEqual(config.nomad.datacenters, ["dc1"]);
    assert.equal(config.nomad.region, "global");
  });

  it("decodes maps and lists that Pulumi hands over as JSON text", () => {
    const config = parseStackConfig({
      ...base,
      "homeport:sizes": '{"backend":0,"proxy":3}',
      "homeport:parts": '["proxy"]',
    });
    assert.deepEqual(config.sizes, { backend: 0, proxy: 3 });
    assert.deepEqual(config.parts, ["proxy"]);
  });

  it("ignores other namespaces' settings", () => {
    assert.deepEqual(problems({ ...base, "docker:host": "unix:///var/run/docker.sock" }), []);
  });

  const cases: [string, Record<string, string>, string][] = [
    [
      "an unknown target",
      { ...base, "homeport:target": "k3s" },
      'homeport:target is "k3s": must be one of swarm, kubernetes, nomad. Fix: set it to one of swarm, kubernetes, nomad.',
    ],
    [
      "a missing target",
      { "homeport:domain": "home.example.org" },
      "homeport:target is not set. Fix: set it to one of swarm, kubernetes, nomad.",
    ],
    [
      "a missing domain",
      { "homeport:target": "swarm" },
      "homeport:domain is not set. Fix: set it to the DNS domain the platform is served under, e.g. home.example.org.",
    ],
    [
      "a domain that is not a DNS name",
      { ...base, "homeport:domain": "Home_Lab" },
      'homeport:domain is "Home_Lab": is not a lowercase DNS name with at least two labels. Fix: set it to the DNS domain the platform is served under, e.g. home.example.org.',
    ],
    [
      "a negative replica count",
      { ...base, "homeport:sizes": '{"backend":-1}' },
      "homeport:sizes.backend is -1: must be at least 0. Fix: set a whole number of replicas, 0 or more, e.g. 2.",
    ],
    [
      "a fractional replica count",
      { ...base, "homeport:sizes": '{"backend":1.5}' },
      "homeport:sizes.backend is 1.5: must be a whole number, not a fraction. Fix: set a whole number of replicas, 0 or more, e.g. 2.",
    ],
    [
      "a replica count of the wrong type",
      { ...base, "homeport:sizes": '{"backend":"three"}' },
      'homeport:sizes.backend is "three": must be a number, not a string. Fix: set a whole number of replicas, 0 or more, e.g. 2.',
    ],
    [
      "an unknown tier",
      { ...base, "homeport:sizes": '{"backendd":2}' },
      "homeport:sizes.backendd is not a known setting. Fix: remove it or use one of proxy, frontend, backend, worker, rabbitmq, minio, prometheus, alertmanager, grafana.",
    ],
    [
      "an unknown part",
      { ...base, "homeport:parts": '["proxy","jukebox"]' },
      'homeport:parts.1 is "jukebox": must be one of proxy, monitoring, apps, media, edge. Fix: name one of the parts proxy, monitoring, apps, media, edge.',
    ],
    [
      "a part listed twice",
      { ...base, "homeport:parts": '["proxy","proxy"]' },
      'homeport:parts is ["proxy","proxy"]: lists the same part twice. Fix: list each part to deploy at most once, among proxy, monitoring, apps, media, edge.',
    ],
    [
      "parts given as a string",
      { ...base, "homeport:parts": "proxy" },
      'homeport:parts is "proxy": must be a list, not a string. Fix: list each part to deploy at most once, among proxy, monitoring, apps, media, edge.',
    ],
    [
      "an unknown setting",
      { ...base, "homeport:replicas": "3" },
      "homeport:replicas is not a known setting. Fix: remove it or use one of target, environment, domain, parts, sizes, storage, swarm, kubernetes, nomad, proxy, monitoring, apps, media, edge.",
    ],
    [
      "an unknown environment",
      { ...base, "homeport:environment": "prod" },
      'homeport:environment is "prod": must be one of dev, production. Fix: set it to one of dev, production.',
    ],
    [
      "the NFS backend without its server",
      { ...base, "homeport:storage": '{"backend":"nfs"}' },
      'homeport:storage.nfs is not set, but homeport:storage.backend is "nfs". Fix: add homeport:storage.nfs with the server and the exported path, e.g. {server: nas.lan, path: /export/homeport}.',
    ],
    [
      "dnsrr endpoints with the ingress mesh",
      { ...base, "homeport:swarm": '{"endpointMode":"dnsrr"}' },
      'homeport:swarm.publishMode is "ingress": cannot publish through the ingress routing mesh when homeport:swarm.endpointMode is dnsrr. Fix: set homeport:swarm.publishMode to host, or homeport:swarm.endpointMode to vip.',
    ],
    [
      "a converge timeout that is not a duration",
      { ...base, "homeport:swarm": '{"convergeTimeout":"soon"}' },
      'homeport:swarm.convergeTimeout is "soon": is not a duration. Fix: write a duration longer than 0, such as "5m" or "90s".',
    ],
    [
      "a Nomad address that is not a URL",
      { ...base, "homeport:target": "nomad", "homeport:nomad": '{"address":"not a url"}' },
      'homeport:nomad.address is "not a url": is not an http:// or https:// URL with a host. Fix: set it to the Nomad HTTP API address with its scheme, e.g. http://127.0.0.1:4646.',
    ],
    [
      "broken YAML in a map setting",
      { ...base, "homeport:storage": '{"backend": "nfs", nfs: ' },
      "homeport:storage is not valid YAML/JSON. Fix: check its indentation and brackets.",
    ],
  ];
  for (const [what, raw, message] of cases) {
    it(`rejects ${what} with one clear error`, () => {
      assert.deepEqual(problems(raw), [message]);
    });
  }

  it("reports every problem at once, and says nothing was deployed", () => {
    try {
      parseStackConfig({ "homeport:target": "k3s", "homeport:sizes": '{"proxy":-2}' });
      assert.fail("expected a ConfigError");
    } catch (err) {
      assert.ok(err instanceof ConfigError);
      assert.equal(
        err.message,
        [
          "The stack configuration has 3 problems; nothing was deployed:",
          '  - homeport:target is "k3s": must be one of swarm, kubernetes, nomad. Fix: set it to one of swarm, kubernetes, nomad.',
          "  - homeport:domain is not set. Fix: set it to the DNS domain the platform is served under, e.g. home.example.org.",
          "  - homeport:sizes.proxy is -2: must be at least 0. Fix: set a whole number of replicas, 0 or more, e.g. 2.",
        ].join("\n"),
      );
    }
  });
});
