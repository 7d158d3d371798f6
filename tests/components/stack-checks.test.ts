import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, describe, it } from "node:test";
import { ConfigError, validateStackConfig } from "../../components/config/load";
import { stackChecks } from "../../components/stack-checks";
import { TEST_CERT_PEM } from "../helpers/certs";

const base = { "homeport:target": "swarm", "homeport:domain": "home.example.org" };
const stackDir = fs.mkdtempSync(path.join(os.tmpdir(), "homeport-checks-"));
fs.mkdirSync(path.join(stackDir, "certs"));
fs.writeFileSync(path.join(stackDir, "certs", "ca.pem"), TEST_CERT_PEM);
fs.writeFileSync(
  path.join(stackDir, "fake.pem"),
  "-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n",
);
const PEM_FIX = `Fix: give PEM text or the path of an existing PEM file (a relative path is read from the stack file's directory, ${stackDir}).`;

/** The whole report of a raw config: its problems, or its warnings when it is valid. */
function check(
  raw: Record<string, string>,
  secretPaths: string[] = [],
): { problems: readonly string[]; warnings: readonly string[] } {
  try {
    const { warnings } = validateStackConfig(
      raw,
      new Set(secretPaths),
      stackChecks({ baseDir: stackDir }),
    );
    return { problems: [], warnings };
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${String(err)}`);
    return { problems: err.problems, warnings: [] };
  }
}

const NOMAD = {
  ...base,
  "homeport:target": "nomad",
  "homeport:nomad": '{"address":"http://10.0.0.1:4646"}',
};

describe("the whole stack, checked before any resource (the first-run mistakes)", () => {
  after(() => fs.rmSync(stackDir, { recursive: true, force: true }));

  const errors: [string, Record<string, string>, string[], string[]?][] = [
    [
      "parts: []",
      { ...base, "homeport:parts": "[]" },
      [
        "homeport:parts is []: lists no part, so nothing but the platform's network would be deployed. Fix: list the parts to deploy, among proxy, monitoring, apps, media, edge, or remove it to deploy them all.",
      ],
    ],
    [
      "a plain credential beside an encrypted sibling (proxy.nomadToken next to certificate.key)",
      {
        ...NOMAD,
        "homeport:proxy":
          '{"nomadToken":"tok","certificate":{"cert":"certs/ca.pem","key":"[secret]"}}',
      },
      [
        "homeport:proxy.nomadToken is stored in plain text. Fix: store it encrypted with: pulumi config set --secret --path homeport:proxy.nomadToken <value>.",
      ],
      ["homeport:proxy.certificate.key"],
    ],
    [
      "a plain slack.apiUrl beside an encrypted uiUsers",
      {
        ...base,
        "homeport:monitoring":
          '{"uiUsers":"[secret]","alerting":{"receiver":"slack","slack":{"apiUrl":"https://hooks.slack.com/services/T0/B0/X","channel":"#a"}}}',
      },
      [
        "homeport:monitoring.alerting.slack.apiUrl is stored in plain text. Fix: store it encrypted with: pulumi config set --secret --path homeport:monitoring.alerting.slack.apiUrl <value>.",
      ],
      ["homeport:monitoring.uiUsers"],
    ],
    [
      "scrapeInterval: 0s and retention: 0d",
      { ...base, "homeport:monitoring": '{"scrapeInterval":"0s","retention":"0d"}' },
      [
        'homeport:monitoring.retention is "0d": must be longer than 0. Fix: write a Prometheus duration longer than 0, such as "15d", "4w" or "720h".',
        'homeport:monitoring.scrapeInterval is "0s": must be longer than 0. Fix: write a Prometheus duration longer than 0, such as "30s" or "1m".',
      ],
    ],
    [
      "nfs.path: export/homeport",
      {
        ...base,
        "homeport:storage": '{"backend":"nfs","nfs":{"server":"nas","path":"export/homeport"}}',
      },
      [
        'homeport:storage.nfs.path is "export/homeport": is not an absolute path. Fix: set it to the absolute exported path, e.g. /export/homeport.',
      ],
    ],
    [
      "the Ceph backend without ceph",
      { ...base, "homeport:storage": '{"backend":"ceph"}' },
      [
        'homeport:storage.ceph is not set, but homeport:storage.backend is "ceph". Fix: add homeport:storage.ceph with monitors, and user and secretFile where they differ from admin and the default keyring, e.g. {monitors: [10.0.0.1:6789]}.',
      ],
    ],
    [
      "the flat key homeport:sizes.proxy",
      { ...base, "homeport:sizes.proxy": "3" },
      [
        "homeport:sizes.proxy is a flat key (set without --path), not proxy inside homeport:sizes. Fix: pulumi config rm homeport:sizes.proxy and set it again with --path: pulumi config set --path homeport:sizes.proxy <value>.",
      ],
    ],
    [
      "a typo and sizes.alertmanager/grafana, all in one report",
      { ...base, "homeport:sizez": '{"a":1}', "homeport:sizes": '{"alertmanager":2,"grafana":3}' },
      [
        "homeport:sizez is not a known setting. Fix: remove it or use one of target, environment, domain, parts, sizes, storage, swarm, kubernetes, nomad, proxy, monitoring, apps, media, edge.",
        "homeport:sizes.alertmanager is 2: it runs exactly one copy (silences and the notification log live in one instance (no gossip cluster)). Fix: remove it or set it to 1.",
        "homeport:sizes.grafana is 3: it runs exactly one copy (users, preferences and sessions live in one SQLite database). Fix: remove it or set it to 1.",
      ],
    ],
    [
      "endpointMode dnsrr with the ingress mesh",
      { ...base, "homeport:swarm": '{"endpointMode":"dnsrr"}' },
      [
        'homeport:swarm.publishMode is "ingress": cannot publish through the ingress routing mesh when homeport:swarm.endpointMode is dnsrr. Fix: set homeport:swarm.publishMode to host, or homeport:swarm.endpointMode to vip.',
      ],
    ],
    [
      "swarm.host without a scheme",
      { ...base, "homeport:swarm": '{"host":"manager-1:2375"}' },
      [
        'homeport:swarm.host is "manager-1:2375": is not a Docker engine address with its scheme. Fix: give the engine\'s address with its scheme: unix:///var/run/docker.sock, ssh://user@manager-1, tcp://manager-1:2376 or npipe:////./pipe/docker_engine.',
      ],
    ],
    [
      "nomad.address without a scheme (one line, not a second one about the address)",
      { ...base, "homeport:target": "nomad", "homeport:nomad": '{"address":"nomad.lab:4646"}' },
      [
        'homeport:nomad.address is "nomad.lab:4646": is not an http:// or https:// URL with a host. Fix: set it to the Nomad HTTP API address with its scheme, e.g. http://127.0.0.1:4646.',
      ],
    ],
    [
      "a webhook URL without a scheme, never echoed",
      {
        ...base,
        "homeport:monitoring":
          '{"alerting":{"receiver":"webhook","webhook":{"url":"hooks.example.org/x"}}}',
      },
      [
        "homeport:monitoring.alerting.webhook.url is [secret]: is not an http:// or https:// URL with a host. Fix: set the http(s) URL Alertmanager posts alerts to, with: pulumi config set --secret --path homeport:monitoring.alerting.webhook.url <url>.",
      ],
      ["homeport:monitoring"],
    ],
    [
      "kubernetes.podSecurity: baseline with the monitoring node agents",
      {
        ...base,
        "homeport:target": "kubernetes",
        "homeport:kubernetes": '{"podSecurity":"baseline"}',
      },
      [
        'homeport:kubernetes.podSecurity is "baseline": node-exporter and cAdvisor of the monitoring part run in the same namespace and read host paths, which the baseline Pod Security level never admits. Fix: remove it (the namespace then enforces privileged with monitoring) or set it to privileged, or remove monitoring from homeport:parts.',
      ],
    ],
    [
      "one node pinned three times in a quorum",
      {
        ...base,
        "homeport:apps": '{"nodes":{"rabbitmq":["n1","n1","n1"]}}',
        "homeport:sizes": '{"rabbitmq":3}',
      },
      [
        'homeport:apps.nodes.rabbitmq is ["n1","n1","n1"]: pins two members to n1, so losing that one node loses them both. Fix: list each node once, one distinct node per member.',
      ],
    ],
    [
      "two routes on one host (the frontend on Grafana's)",
      { ...base, "homeport:apps": '{"hosts":{"frontend":"grafana.home.example.org"}}' },
      [
        'homeport:apps.hosts.frontend is "grafana.home.example.org": Grafana is routed on that host too, and one host routes to one service only. Fix: give the app\'s frontend a host of its own inside homeport:domain.',
      ],
    ],
    [
      "a Slack URL given as the slack block, never echoed",
      {
        ...base,
        "homeport:monitoring":
          '{"alerting":{"receiver":"slack","slack":"https://hooks.slack.com/services/T0/B0/XXXX"}}',
      },
      [
        "homeport:monitoring.alerting.slack is [secret]: must be a map of settings, not a string. Fix: add homeport:monitoring.alerting.slack with apiUrl (a secret) and channel, e.g. #alerts.",
      ],
      ["homeport:monitoring"],
    ],
    [
      "a private key pasted at proxy.certificate, never echoed",
      {
        ...base,
        "homeport:proxy":
          '{"certificate":"-----BEGIN PRIVATE KEY-----\\nabc\\n-----END PRIVATE KEY-----"}',
      },
      [
        "homeport:proxy.certificate is [secret]: must be a map of settings, not a string. Fix: give a map {cert, key}.",
      ],
      ["homeport:proxy"],
    ],
    [
      "an empty stack file (no config: key)",
      {},
      [
        'The stack has no homeport:* setting. Fix: put the settings under the stack file\'s top-level "config:" key, e.g. config: {homeport:target: swarm, homeport:domain: home.example.org}.',
      ],
    ],
    [
      "Nomad without any address for Prometheus",
      { ...base, "homeport:target": "nomad" },
      [
        "homeport:monitoring.nomadAddress is not set, and neither homeport:nomad.address nor NOMAD_ADDR is set. Fix: set homeport:monitoring.nomadAddress to the Nomad HTTP API address as tasks reach it, e.g. http://10.0.0.10:4646.",
      ],
    ],
    [
      "Nomad asked for RabbitMQ and MinIO clusters (no silent downgrade)",
      { ...NOMAD, "homeport:sizes": '{"rabbitmq":3,"minio":4}' },
      [
        "homeport:sizes.rabbitmq is 3: asks for a rabbitmq cluster, but on Nomad its members get no stable addresses to name each other by (Nomad's built-in service discovery). Fix: set it to 1.",
        "homeport:sizes.minio is 4: asks for a minio cluster, but on Nomad its members get no stable addresses to name each other by (Nomad's built-in service discovery). Fix: set it to 1, or remove it and name an external S3 in homeport:apps.s3.",
      ],
    ],
    [
      "a missing certificate file, relative to the stack file's directory",
      {
        ...base,
        "homeport:proxy": '{"certificate":{"cert":"certs/missing.pem","key":"[secret]"}}',
      },
      [
        `homeport:proxy.certificate.cert is "certs/missing.pem": the file ${path.join(stackDir, "certs", "missing.pem")} does not exist. ${PEM_FIX}`,
      ],
      ["homeport:proxy"],
    ],
    [
      "a caBundle whose PEM is no certificate",
      { ...base, "homeport:proxy": '{"acme":{"email":"a@example.org","caBundle":"fake.pem"}}' },
      [
        `homeport:proxy.acme.caBundle is "fake.pem": certificate 1 of 1 is not a valid X.509 certificate. ${PEM_FIX}`,
      ],
    ],
    [
      "an image build on Kubernetes",
      {
        ...base,
        "homeport:target": "kubernetes",
        "homeport:apps":
          '{"build":{"context":"https://github.com/a/b.git#19f0b350f427ae51cda7d5ad8a7954dcc9cbf1f1"}}',
      },
      [
        'homeport:apps.build is set, but on Kubernetes the program cannot build images on the nodes\' engines. Fix: remove it, build and push the images to a registry (docs/apps.md "Building the images"), and name them in homeport:apps.images.',
      ],
    ],
    [
      "a git build context not pinned to a commit",
      { ...base, "homeport:apps": '{"build":{"context":"https://github.com/a/b.git#main"}}' },
      [
        'homeport:apps.build.context is "https://github.com/a/b.git#main": is a git URL not pinned to a full commit (<url>.git#<40 hex digits>). Fix: give a local checkout of the app (with api/ and web/) or a git URL pinned to a commit, e.g. https://github.com/sandhose/projet-cloud-virt.git#19f0b350f427ae51cda7d5ad8a7954dcc9cbf1f1.',
      ],
    ],
    [
      "a build argument whose name no Dockerfile ARG can have, and one without a value",
      {
        ...base,
        "homeport:apps":
          '{"build":{"context":"https://github.com/a/b.git#19f0b350f427ae51cda7d5ad8a7954dcc9cbf1f1","args":{"PYTHON-IMAGE":"python:3.12","NODE_IMAGE":""}}}',
      },
      [
        'homeport:apps.build.args.NODE_IMAGE is "": must not be empty. Fix: give the build argument a non-empty value.',
        `homeport:apps.build.args is {"PYTHON-IMAGE":"python:3.12","NODE_IMAGE":""}: names "PYTHON-IMAGE", which no Dockerfile ARG can be called. Fix: name each build argument as the Dockerfiles' ARG lines do (letters, digits and underscores, not starting with a digit), e.g. {PYTHON_IMAGE: registry.lan/python:3.12.8-slim-bookworm}.`,
      ],
    ],
    [
      "a build network the engine has no mode for",
      {
        ...base,
        "homeport:apps":
          '{"build":{"context":"https://github.com/a/b.git#19f0b350f427ae51cda7d5ad8a7954dcc9cbf1f1","network":"bridge"}}',
      },
      [
        `homeport:apps.build.network is "bridge": must be one of default, host, none. Fix: use default (the engine's bridge network), host (the host's network) or none (bases that hold the app's dependencies).`,
      ],
    ],
  ];
  for (const [what, raw, expected, secretPaths] of errors) {
    it(`refuses ${what}`, () => {
      assert.deepEqual(check(raw, secretPaths).problems, expected);
    });
  }

  it("never echoes a credential's value in any message", () => {
    for (const [, raw, , secretPaths] of errors) {
      const text = check(raw, secretPaths).problems.join("\n");
      for (const leaked of ["hooks.slack.com", "PRIVATE KEY", "hooks.example.org", '"tok"']) {
        assert.ok(!text.includes(leaked), `${leaked} echoed in: ${text}`);
      }
    }
  });

  const warned: [string, Record<string, string>, string[]][] = [
    [
      "a homport: namespace typo",
      { ...base, "homport:sizes": '{"proxy":1}' },
      [
        'homport:sizes is in the config namespace "homport", which no part reads: it is ignored. Fix: rename it to homeport:sizes if it is meant for homeport.',
      ],
    ],
    [
      "sizes of a part that is not deployed",
      { ...base, "homeport:parts": '["proxy"]', "homeport:sizes": '{"alertmanager":2}' },
      [
        "homeport:sizes.alertmanager is 2, but the monitoring part is not in homeport:parts: it is ignored. Fix: remove it, or add monitoring to homeport:parts.",
      ],
    ],
    [
      "another target's block",
      { ...base, "homeport:kubernetes": '{"namespace":"x"}' },
      [
        "homeport:kubernetes is set, but only a kubernetes stack reads it and this stack's homeport:target is swarm: it is ignored. Fix: remove it, or set homeport:target to kubernetes.",
      ],
    ],
  ];
  for (const [what, raw, expected] of warned) {
    it(`warns about ${what}`, () => {
      assert.deepEqual(check(raw), { problems: [], warnings: expected });
    });
  }

  it("takes the Nomad address from NOMAD_ADDR when the stack names none", () => {
    const saved = process.env.NOMAD_ADDR;
    process.env.NOMAD_ADDR = "http://10.0.0.9:4646";
    try {
      assert.deepEqual(check({ ...base, "homeport:target": "nomad" }), {
        problems: [],
        warnings: [],
      });
    } finally {
      if (saved === undefined) delete process.env.NOMAD_ADDR;
      else process.env.NOMAD_ADDR = saved;
    }
  });

  it("reads a relative certificate from the stack file's directory and uses its text", () => {
    const { config } = validateStackConfig(
      { ...base, "homeport:proxy": '{"certificate":{"cert":"certs/ca.pem","key":"[secret]"}}' },
      new Set(["homeport:proxy.certificate.key"]),
      stackChecks({ baseDir: stackDir }),
    );
    assert.equal(config.proxy.certificate?.cert, TEST_CERT_PEM);
  });

  it("reads a relative build context from the stack file's directory and keeps its build arguments and network", () => {
    fs.mkdirSync(path.join(stackDir, "app", "api"), { recursive: true });
    fs.mkdirSync(path.join(stackDir, "app", "web"));
    const { config } = validateStackConfig(
      {
        ...base,
        "homeport:apps": '{"build":{"context":"app","args":{"PYTHON_IMAGE":"registry.lan/py:1"}}}',
      },
      new Set(),
      stackChecks({ baseDir: stackDir }),
    );
    assert.deepEqual(config.apps.build, {
      context: path.join(stackDir, "app"),
      args: { PYTHON_IMAGE: "registry.lan/py:1" },
      network: "default",
    });
  });
});
