import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { proxySettings } from "../../../components/config/parts/proxy";
import { entryPoints, traefikArgs } from "../../../components/proxy/traefik-args";
import { traefikWorkloadSpec } from "../../../components/proxy/traefik-workload";
import { reverseProxyArgs } from "../../../components/stack-args";
import { stackConfig } from "../../helpers/harness";
import { profileFor } from "../../helpers/platforms";

const SEED = {
  target: "nomad",
  domain: "group.100do.se",
  parts: ["proxy", "edge"],
  proxy: {
    entryPoints: { node: { port: 8080 }, group: { port: 8081, on: "floatingIp" } },
    behindProxy: { trustedIPs: ["172.16.0.0/16"] },
  },
  edge: {
    floatingIp: {
      address: "172.16.3.10/16",
      interface: "vxlan100",
      routerId: 51,
      nodes: [
        { name: "eager-franklin", address: "172.16.1.0" },
        { name: "awesome-boyd", address: "172.16.1.1" },
      ],
      image: "registry.lan/keepalived:2.2.7",
    },
  },
};

describe("proxy.entryPoints and proxy.behindProxy", () => {
  it("listens in plain HTTP on the named ports, trusting the upstream only, private entry point moved off 8080, ping on the health port", () => {
    const config = stackConfig(SEED);
    const args = traefikArgs({
      logLevel: "INFO",
      dashboard: true,
      certificates: "self-signed",
      providerArgs: [],
      entryPoints: entryPoints(config.proxy),
      pingPort: 8082,
    });
    assert.deepEqual(
      args.filter((a) => a.startsWith("--entryPoints") || a.startsWith("--ping")),
      [
        "--entryPoints.node.address=:8080",
        "--entryPoints.node.forwardedHeaders.trustedIPs=172.16.0.0/16",
        "--entryPoints.group.address=:8081",
        "--entryPoints.group.forwardedHeaders.trustedIPs=172.16.0.0/16",
        "--entryPoints.traefik.address=:8083",
        "--entryPoints.ping.address=:8082",
        "--ping=true",
        "--ping.entryPoint=ping",
      ],
    );
  });

  it("publishes the named ports and the ping on the nodes, on the floating address, where keepalived holds it", () => {
    const config = stackConfig(SEED);
    const spec = traefikWorkloadSpec({
      settings: reverseProxyArgs(config),
      platform: profileFor(config),
      certificates: "self-signed",
      dashboardUsers: "admin:$2y$hash",
    });
    assert.deepEqual(spec.ports, [
      { name: "node", port: 8080, publish: { hostPort: 8080 } },
      { name: "group", port: 8081, publish: { hostPort: 8081 } },
      { name: "traefik", port: 8083 },
      { name: "ping", port: 8082, publish: { hostPort: 8082 } },
    ]);
    assert.equal(spec.floatingAddress, "172.16.3.10");
    assert.equal(spec.health?.kind === "http" && spec.health.port, "ping");
  });

  it("publishes no ping where a load balancer holds the address", () => {
    const config = stackConfig({ ...SEED, target: "kubernetes" });
    const spec = traefikWorkloadSpec({
      settings: reverseProxyArgs(config),
      platform: profileFor(config),
      certificates: "self-signed",
      dashboardUsers: "admin:$2y$hash",
    });
    assert.deepEqual(
      spec.ports?.map((p) => p.name),
      ["node", "group", "traefik"],
    );
  });

  it("keeps web (80, redirecting) and websecure (443, TLS) without behindProxy", () => {
    assert.deepEqual(entryPoints(proxySettings.parse({})), [
      { name: "web", port: 8000, published: 80, tls: false, redirectTo: 443 },
      { name: "websecure", port: 8443, published: 443, tls: true },
    ]);
  });

  it("refuses ACME with behindProxy, entry points without it, shared ports and reserved names", () => {
    assert.throws(
      () =>
        stackConfig({
          target: "nomad",
          domain: "a.example.org",
          proxy: {
            acme: { email: "ops@example.org" },
            entryPoints: { traefik: { port: 8080 }, other: { port: 8080 } },
          },
        }),
      {
        message: [
          "The stack configuration has 3 problems; nothing was deployed:",
          '  - homeport:proxy.entryPoints is {"traefik":{"port":8080},"other":{"port":8080}}: names plain-HTTP entry points, but homeport:proxy.behindProxy is not set. Fix: set homeport:proxy.behindProxy.trustedIPs to the upstream proxy\'s addresses, or remove homeport:proxy.entryPoints.',
          '  - homeport:proxy.entryPoints.traefik is {"port":8080}: is the name of Traefik\'s own entry point "traefik". Fix: give it another name, e.g. traefikhttp.',
          "  - homeport:proxy.entryPoints.other.port is 8080: is also the port of homeport:proxy.entryPoints.traefik. Fix: give each entry point its own port.",
        ].join("\n"),
      },
    );
    assert.throws(
      () =>
        stackConfig({
          target: "nomad",
          domain: "a.example.org",
          proxy: {
            acme: { email: "ops@example.org" },
            behindProxy: { trustedIPs: ["10.0.0.0/8"] },
          },
        }),
      /homeport:proxy\.behindProxy is \{"trustedIPs":\["10\.0\.0\.0\/8"\]\}: cannot be used together with homeport:proxy\.acme: TLS ends at the upstream proxy/,
    );
  });
});
