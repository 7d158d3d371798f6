import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ConfigError, parseStackConfig } from "../../../components/config/load";
import { platformCapabilities } from "../../../components/platforms/create-adapter";
import { checkStack } from "../../../components/stack-args";
import {
  dashboardHost,
  inDomain,
  TRAEFIK_IMAGE,
  whoamiHost,
} from "../../../components/config/parts/proxy";
import { TEST_CERT_PEM } from "../../helpers/certs";

const base = { "homeport:target": "swarm", "homeport:domain": "home.example.org" };

/** Problems of the settings, then those that depend on the orchestrator's capabilities. */
function problems(raw: Record<string, string>, secretKeys: string[] = []): readonly string[] {
  try {
    const config = parseStackConfig({ ...base, ...raw }, new Set(secretKeys));
    checkStack(config, platformCapabilities(config));
    return [];
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${String(err)}`);
    return err.problems;
  }
}

const proxy = (settings: unknown) => ({ "homeport:proxy": JSON.stringify(settings) });
const PEM = TEST_CERT_PEM;

describe("homeport:proxy settings", () => {
  it("defaults to the pinned Traefik image, an enabled dashboard and no test route", () => {
    const config = parseStackConfig(base);
    assert.deepEqual(config.proxy, {
      image: TRAEFIK_IMAGE,
      dashboard: { enabled: true, user: "admin" },
      whoami: { enabled: false },
      logLevel: "INFO",
      createIngressClass: true,
    });
    assert.match(TRAEFIK_IMAGE, /^traefik:v3\.\d+\.\d+$/);
    assert.equal(dashboardHost(config.proxy, config.domain), "traefik.home.example.org");
    assert.equal(whoamiHost(config.proxy, config.domain), "whoami.home.example.org");
  });

  it("applies the ACME defaults: Let's Encrypt production, HTTP-01, the homeport-acme issuer", () => {
    const config = parseStackConfig({ ...base, ...proxy({ acme: { email: "ops@example.org" } }) });
    assert.deepEqual(config.proxy.acme, {
      email: "ops@example.org",
      caServer: "letsencrypt",
      challenge: "http",
      clusterIssuer: "homeport-acme",
    });
  });

  it("accepts a lab CA directory with its bundle, and a supplied certificate stored as a secret", () => {
    assert.deepEqual(
      problems(
        proxy({
          acme: {
            email: "ops@example.org",
            caServer: "https://pebble.lan:14000/dir",
            caBundle: "certs/pebble.pem",
            challenge: "tls",
          },
        }),
      ),
      [],
    );
    assert.deepEqual(
      problems(proxy({ certificate: { cert: PEM, key: "[secret]" } }), ["homeport:proxy"]),
      [],
    );
  });

  it("keeps one ACME proxy on Swarm, and several on Kubernetes where cert-manager holds the account", () => {
    assert.deepEqual(
      problems({
        ...proxy({ acme: { email: "ops@example.org" } }),
        "homeport:sizes": '{"proxy":1}',
      }),
      [],
    );
    assert.deepEqual(
      problems({
        ...proxy({ acme: { email: "ops@example.org" } }),
        "homeport:target": "kubernetes",
        "homeport:sizes": '{"proxy":3}',
      }),
      [],
    );
  });

  it("knows which hosts are inside the domain", () => {
    assert.equal(inDomain("home.example.org", "home.example.org"), true);
    assert.equal(inDomain("a.b.home.example.org", "home.example.org"), true);
    assert.equal(inDomain("evilhome.example.org", "home.example.org"), false);
  });

  const cases: [string, Record<string, string>, string[], string][] = [
    [
      "ACME without an email",
      proxy({ acme: { caServer: "letsencrypt-staging" } }),
      [],
      "homeport:proxy.acme.email is not set. Fix: set the ACME account's contact address, e.g. admin@example.org.",
    ],
    [
      "an email that is not one",
      proxy({ acme: { email: "ops" } }),
      [],
      'homeport:proxy.acme.email is "ops": is not an e-mail address. Fix: set the ACME account\'s contact address, e.g. admin@example.org.',
    ],
    [
      "a plain-http CA directory",
      proxy({ acme: { email: "ops@example.org", caServer: "http://pebble.lan/dir" } }),
      [],
      'homeport:proxy.acme.caServer is "http://pebble.lan/dir": is neither letsencrypt, letsencrypt-staging nor an https URL. Fix: use letsencrypt, letsencrypt-staging or the https URL of an ACME directory, e.g. https://pebble.lan:14000/dir.',
    ],
    [
      "a DNS challenge",
      proxy({ acme: { email: "ops@example.org", challenge: "dns" } }),
      [],
      'homeport:proxy.acme.challenge is "dns": must be one of http, tls. Fix: set it to http (HTTP-01 on port 80) or tls (TLS-ALPN-01 on port 443).',
    ],
    [
      "ACME and a supplied certificate together",
      proxy({ acme: { email: "ops@example.org" }, certificate: { cert: PEM, key: "k" } }),
      ["homeport:proxy"],
      'homeport:proxy.acme is {"email":"ops@example.org"}: cannot be used together with homeport:proxy.certificate. Fix: keep one source of certificates: remove homeport:proxy.acme or homeport:proxy.certificate.',
    ],
    [
      "a certificate key in plain text",
      proxy({ certificate: { cert: PEM, key: "k" } }),
      [],
      "homeport:proxy.certificate.key is stored in plain text. Fix: store it encrypted with: pulumi config set --secret --path homeport:proxy.certificate.key <value>.",
    ],
    [
      "a certificate without its key",
      proxy({ certificate: { cert: PEM } }),
      ["homeport:proxy"],
      'homeport:proxy.certificate.key is not set. Fix: set the private key with: pulumi config set --secret --path homeport:proxy.certificate.key -- "$(cat key.pem)".',
    ],
    [
      "a dashboard host outside the domain",
      proxy({ dashboard: { host: "traefik.example.net" } }),
      [],
      'homeport:proxy.dashboard.host is "traefik.example.net": is outside homeport:domain "home.example.org". Fix: use a host name inside homeport:domain, e.g. traefik.home.example.org.',
    ],
    [
      "a whoami host outside the domain",
      proxy({ whoami: { enabled: true, host: "whoami.example.net" } }),
      [],
      'homeport:proxy.whoami.host is "whoami.example.net": is outside homeport:domain "home.example.org". Fix: use a host name inside homeport:domain, e.g. whoami.home.example.org.',
    ],
    [
      "an unpinned image",
      proxy({ image: "traefik:latest" }),
      [],
      'homeport:proxy.image is "traefik:latest": is not pinned to a version. Fix: pin a Traefik v3 tag, e.g. traefik:v3.6.7.',
    ],
    [
      "a lowercase log level",
      proxy({ logLevel: "debug" }),
      [],
      'homeport:proxy.logLevel is "debug": must be one of TRACE, DEBUG, INFO, WARN, ERROR, FATAL, PANIC. Fix: set it to one of TRACE, DEBUG, INFO, WARN, ERROR, FATAL, PANIC.',
    ],
    [
      "a Nomad token in plain text",
      { ...proxy({ nomadToken: "s3cr3t" }), "homeport:target": "nomad" },
      [],
      "homeport:proxy.nomadToken is stored in plain text. Fix: store it encrypted with: pulumi config set --secret --path homeport:proxy.nomadToken <value>.",
    ],
    [
      "several proxies holding one ACME account on Swarm",
      { ...proxy({ acme: { email: "ops@example.org" } }), "homeport:sizes": '{"proxy":3}' },
      [],
      "homeport:sizes.proxy is 3: is more than 1, but on Swarm the proxy that holds the ACME account runs once so that replicas never compete for one certificate. Fix: set it to 1, or supply homeport:proxy.certificate (e.g. a wildcard) instead of ACME to run several.",
    ],
    [
      "a negative proxy size, with the usual fix",
      { "homeport:sizes": '{"proxy":-1}' },
      [],
      "homeport:sizes.proxy is -1: must be at least 0. Fix: set a whole number of replicas, 0 or more, e.g. 2.",
    ],
    [
      "ACME given as text",
      proxy({ acme: "letsencrypt" }),
      [],
      'homeport:proxy.acme is "letsencrypt": must be a map of settings, not a string. Fix: give a map such as {email: admin@example.org}.',
    ],
    [
      "an unknown proxy setting",
      proxy({ tls: true }),
      [],
      "homeport:proxy.tls is not a known setting. Fix: remove it or use one of image, acme, certificate, dashboard, whoami, logLevel, createIngressClass, nomadToken, entryPoints, behindProxy.",
    ],
  ];
  for (const [what, raw, secretKeys, message] of cases) {
    it(`rejects ${what}`, () => {
      assert.deepEqual(problems(raw, secretKeys), [message]);
    });
  }
});
