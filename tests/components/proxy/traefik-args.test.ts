import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { proxySettings } from "../../../components/config/parts/proxy";
import { Target } from "../../../components/config/schema";
import { kubernetesRouteProvider } from "../../../components/platforms/kubernetes/profile";
import { nomadEndpoint, nomadRouteProvider } from "../../../components/platforms/nomad/profile";
import { swarmRouteProvider } from "../../../components/platforms/swarm/profile";
import {
  acmeDirectory,
  dynamicConfig,
  traefikArgs,
  TraefikArgsInput,
} from "../../../components/proxy/traefik-args";

const COMMON = [
  "--global.checkNewVersion=false",
  "--global.sendAnonymousUsage=false",
  "--log.level=INFO",
  "--entryPoints.web.address=:8000",
  "--entryPoints.web.http.redirections.entryPoint.to=:443",
  "--entryPoints.web.http.redirections.entryPoint.scheme=https",
  "--entryPoints.web.http.redirections.entryPoint.permanent=true",
  "--entryPoints.websecure.address=:8443",
  "--entryPoints.websecure.http.tls=true",
  "--entryPoints.traefik.address=:8080",
  "--serversTransport.forwardingTimeouts.dialTimeout=2s",
  "--ping=true",
  "--ping.entryPoint=traefik",
  "--metrics.prometheus=true",
  "--metrics.prometheus.entryPoint=traefik",
  "--api=true",
  "--api.dashboard=true",
  "--providers.file.filename=/etc/traefik/dynamic/tls.yml",
];

interface Overrides {
  readonly target?: Target;
  readonly certificates?: TraefikArgsInput["certificates"];
  readonly kubernetes?: Parameters<typeof kubernetesRouteProvider>[0];
  readonly nomad?: Parameters<typeof nomadRouteProvider>[0];
  readonly proxy?: unknown;
}

/** The proxy's arguments with the route provider of `target`'s adapter. */
function input(overrides: Overrides = {}): TraefikArgsInput {
  const kubernetes = overrides.kubernetes ?? { namespace: "homeport", ingressClass: "traefik" };
  const nomad = overrides.nomad ?? { address: undefined, namespace: "default", region: "global" };
  const providers = {
    swarm: swarmRouteProvider,
    kubernetes: () => kubernetesRouteProvider(kubernetes),
    nomad: () => nomadRouteProvider(nomad, undefined),
  };
  const proxy = proxySettings.parse(overrides.proxy ?? {});
  return {
    logLevel: proxy.logLevel,
    acme: proxy.acme,
    dashboard: proxy.dashboard.enabled,
    certificates: overrides.certificates ?? "self-signed",
    providerArgs: providers[overrides.target ?? "swarm"]().traefikArgs,
  };
}

describe("Traefik static configuration", () => {
  it("discovers Swarm services through the read-only socket, none exposed by default", () => {
    assert.deepEqual(traefikArgs(input()), [
      ...COMMON,
      "--providers.swarm=true",
      "--providers.swarm.endpoint=unix:///var/run/docker.sock",
      "--providers.swarm.exposedByDefault=false",
      "--providers.swarm.refreshSeconds=5",
    ]);
  });

  it("reads Ingresses of its class and Traefik's CRDs in the stack's namespace on Kubernetes", () => {
    const args = traefikArgs(
      input({ target: "kubernetes", kubernetes: { namespace: "media", ingressClass: "edge" } }),
    );
    assert.deepEqual(args.slice(COMMON.length), [
      "--providers.kubernetesingress=true",
      "--providers.kubernetesingress.ingressClass=edge",
      "--providers.kubernetesingress.namespaces=media",
      "--providers.kubernetesingress.ingressEndpoint.publishedService=media/traefik-public",
      "--providers.kubernetescrd=true",
      "--providers.kubernetescrd.namespaces=media",
    ]);
  });

  it("reads Nomad's service catalogue of the stack's namespace and region", () => {
    const args = traefikArgs(
      input({
        target: "nomad",
        nomad: { address: "http://nomad.lab:4646", namespace: "homeport", region: "eu" },
      }),
    );
    assert.deepEqual(args.slice(COMMON.length), [
      "--providers.nomad=true",
      "--providers.nomad.exposedByDefault=false",
      "--providers.nomad.namespaces=homeport",
      "--providers.nomad.endpoint.address=http://nomad.lab:4646",
      "--providers.nomad.endpoint.region=eu",
      "--providers.nomad.refreshInterval=5s",
    ]);
  });

  it("reaches the node's own Nomad agent when the configured address is the loopback", () => {
    const agent = "http://${attr.unique.network.ip-address}:4646";
    assert.equal(nomadEndpoint(undefined), agent);
    assert.equal(nomadEndpoint("http://127.0.0.1:4646"), agent);
    assert.equal(nomadEndpoint("http://localhost:4646"), agent);
    assert.equal(nomadEndpoint("https://nomad.lab:4646"), "https://nomad.lab:4646");
  });

  it("never enables the insecure API, and leaves the API off with the dashboard", () => {
    assert.ok(traefikArgs(input()).every((a) => !a.startsWith("--api.insecure")));
    const args = traefikArgs(input({ proxy: { dashboard: { enabled: false } } }));
    assert.ok(args.every((a) => !a.startsWith("--api")));
  });

  it("configures one ACME resolver with HTTP-01, its storage and the CA directory", () => {
    const args = traefikArgs(
      input({ certificates: "acme", proxy: { acme: { email: "ops@example.org" } } }),
    );
    assert.deepEqual(args.slice(COMMON.length + 4), [
      "--certificatesResolvers.acme.acme.email=ops@example.org",
      "--certificatesResolvers.acme.acme.storage=/data/acme.json",
      "--certificatesResolvers.acme.acme.caServer=https://acme-v02.api.letsencrypt.org/directory",
      "--certificatesResolvers.acme.acme.httpChallenge.entryPoint=web",
    ]);
  });

  it("uses TLS-ALPN-01 and trusts the lab CA's bundle when asked", () => {
    const args = traefikArgs(
      input({
        certificates: "acme",
        proxy: {
          acme: {
            email: "ops@example.org",
            caServer: "https://pebble.lan:14000/dir",
            caBundle: "pebble.pem",
            challenge: "tls",
          },
        },
      }),
    );
    assert.deepEqual(args.slice(COMMON.length + 4), [
      "--certificatesResolvers.acme.acme.email=ops@example.org",
      "--certificatesResolvers.acme.acme.storage=/data/acme.json",
      "--certificatesResolvers.acme.acme.caServer=https://pebble.lan:14000/dir",
      "--certificatesResolvers.acme.acme.tlsChallenge=true",
      "--certificatesResolvers.acme.acme.caCertificates=/etc/traefik/acme-ca.pem",
    ]);
  });

  it("leaves ACME to cert-manager on Kubernetes", () => {
    const args = traefikArgs(
      input({
        target: "kubernetes",
        certificates: "cert-manager",
        proxy: { acme: { email: "ops@example.org" } },
      }),
    );
    assert.ok(args.every((a) => !a.startsWith("--certificatesResolvers")));
  });

  it("names Let's Encrypt's directories by short name", () => {
    assert.equal(
      acmeDirectory("letsencrypt-staging"),
      "https://acme-staging-v02.api.letsencrypt.org/directory",
    );
    assert.equal(acmeDirectory("https://ca.lab/dir"), "https://ca.lab/dir");
  });
});

describe("Traefik dynamic configuration", () => {
  it("sets TLS 1.2 as the floor", () => {
    assert.equal(
      dynamicConfig("acme"),
      "tls:\n  options:\n    default:\n      minVersion: VersionTLS12\n      sniStrict: false\n",
    );
  });

  it("serves a supplied certificate as the default one", () => {
    assert.equal(
      dynamicConfig("supplied"),
      [
        "tls:",
        "  options:",
        "    default:",
        "      minVersion: VersionTLS12",
        "      sniStrict: false",
        "  stores:",
        "    default:",
        "      defaultCertificate:",
        "        certFile: /etc/traefik/certs/tls.crt",
        "        keyFile: /run/secrets/tls-key",
        "",
      ].join("\n"),
    );
  });
});
