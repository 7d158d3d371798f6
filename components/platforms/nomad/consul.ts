import { ConfigError } from "../../config/load";
import { StackConfig } from "../../config/schema";
import {
  CATALOGUE_REFRESH_SECONDS,
  ClusterLayout,
  MetricsDiscovery,
  RouteProvider,
  SecretSpec,
  singleMember,
} from "../../model";
import { nomadTaggedDiscovery } from "./metrics-discovery";
import { isLoopbackUrl } from "./profile";

/**
 * Nomad with Consul as its service provider (`homeport:nomad.serviceProvider: consul`): services
 * are registered in Consul (`provider = "consul"`), checks may run commands, Traefik and
 * Prometheus read the Consul catalogue, and cluster members name each other
 * `<service>.service.consul`.
 */

type ConsulSettings = StackConfig["nomad"]["consul"];

/** Consul's DNS domain for services (`<service>.service.consul`). */
export const CONSUL_SERVICE_DOMAIN = "service.consul";

/** The Consul agent of the node a task runs on, interpolated by Nomad when the task starts. */
export const NODE_CONSUL_AGENT = "${attr.unique.network.ip-address}:8500";

/** `<service>.service.consul`. */
export const consulServiceHost = (service: string): string => `${service}.${CONSUL_SERVICE_DOMAIN}`;

/**
 * Template expression that resolves a service's address at task start from Consul (the
 * `service` function of Nomad's templates): the first healthy instance, host port included.
 */
export const consulServiceAddress = (service: string): string =>
  `{{ with service "${service}" }}{{ with index . 0 }}{{ .Address }}:{{ .Port }}{{ end }}{{ end }}`;

/** The configured Consul address, unless it is a loopback one, which a task cannot reach. */
const reachableAddress = (settings: ConsulSettings): URL | undefined =>
  settings.address && !isLoopbackUrl(settings.address) ? new URL(settings.address) : undefined;

/** "http" or "https", as Consul's clients name the scheme. */
const schemeOf = (url: URL | undefined): string => (url ? url.protocol.replace(/:$/, "") : "http");

/** "host:port" of Consul's API as tasks reach it: the setting, else the node's agent. */
export const consulEndpoint = (settings: ConsulSettings): string =>
  reachableAddress(settings)?.host ?? NODE_CONSUL_AGENT;

/**
 * Consul's API as a file that is copied verbatim reaches it (Prometheus' configuration): Nomad
 * interpolates task arguments and env, not such files.
 * @throws ConfigError when no address that a task can reach is set.
 */
export function consulFileEndpoint(settings: ConsulSettings): { host: string; scheme: string } {
  const url = reachableAddress(settings);
  if (!url) {
    const address = settings.address;
    throw new ConfigError([
      `homeport:nomad.consul.address is ${address === undefined ? "not set" : JSON.stringify(address)}, which Prometheus cannot reach from its container. Fix: set homeport:nomad.consul.address to the Consul HTTP API address as tasks reach it, e.g. http://10.0.0.10:8500.`,
    ]);
  }
  return { host: url.host, scheme: schemeOf(url) };
}

/** The ACL token as the env variable a Consul client reads, or nothing. */
const tokenSecret = (
  settings: ConsulSettings,
  name: string,
  delivery: Pick<SecretSpec, "env" | "path">,
): SecretSpec[] =>
  settings.token !== undefined ? [{ name, value: settings.token, ...delivery }] : [];

/**
 * Traefik's Consul catalogue provider (traefik/traefik v3.6.7
 * pkg/provider/consulcatalog/consul_catalog.go). Without a token in its arguments, its Consul
 * client reads CONSUL_HTTP_TOKEN (hashicorp/consul api/api.go NewClient), so the token travels as
 * a secret env variable, never as an argument.
 */
export function consulRouteProvider(settings: ConsulSettings): RouteProvider {
  return {
    traefikArgs: [
      "--providers.consulcatalog=true",
      "--providers.consulcatalog.exposedByDefault=false",
      `--providers.consulcatalog.endpoint.address=${consulEndpoint(settings)}`,
      `--providers.consulcatalog.endpoint.scheme=${schemeOf(reachableAddress(settings))}`,
      ...(settings.datacenter
        ? [`--providers.consulcatalog.endpoint.datacenter=${settings.datacenter}`]
        : []),
      `--providers.consulcatalog.refreshInterval=${CATALOGUE_REFRESH_SECONDS}s`,
    ],
    secrets: tokenSecret(settings, "consul-token", { env: "CONSUL_HTTP_TOKEN" }),
  };
}

/** Where Prometheus reads the ACL token (a file, so the token is never in its configuration). */
export const PROMETHEUS_CONSUL_TOKEN_PATH = "/run/secrets/consul-token";

/**
 * Prometheus' Consul discovery (prometheus/prometheus discovery/consul/consul.go SDConfig): the
 * services Nomad registered, with the tags the adapter puts on the metrics port's service. The
 * token is sent as `Authorization: Bearer`, which Consul's HTTP API accepts
 * (hashicorp/consul agent/http.go parseTokenInternal).
 */
export function consulMetricsDiscovery(settings: ConsulSettings): MetricsDiscovery {
  const { host, scheme } = consulFileEndpoint(settings);
  const sd = {
    server: host,
    scheme,
    ...(settings.datacenter ? { datacenter: settings.datacenter } : {}),
    refresh_interval: "30s",
    ...(settings.token !== undefined
      ? { authorization: { credentials_file: PROMETHEUS_CONSUL_TOKEN_PATH } }
      : {}),
  };
  const sdConfig = { consul_sd_configs: [sd] };
  return {
    sdConfig,
    ...nomadTaggedDiscovery("consul"),
    address: [{ source_labels: ["__meta_consul_node"], target_label: "node" }],
    alertmanager: (name) => ({
      consul_sd_configs: [{ ...sd, services: [name] }],
    }),
    secrets: tokenSecret(settings, "consul-token", { path: PROMETHEUS_CONSUL_TOKEN_PATH }),
  };
}

/**
 * A cluster is one job per member, each member registered in Consul under its own name and
 * reached as `<base>-<i>.service.consul` (its node's address: members run on the node's network
 * with static ports, one per node); peers find each other through the Consul catalogue.
 */
export function consulClusterLayout(
  settings: ConsulSettings,
  base: string,
  size: number,
): ClusterLayout {
  if (size <= 1) return { ...singleMember(base), catalogue: consulCatalogue(settings) };
  const names = Array.from({ length: size }, (_, i) => `${base}-${i}`);
  const hosts = names.map(consulServiceHost);
  return {
    workloads: names.map((name, i) => ({ name, replicas: 1, host: hosts[i], ordinal: i })),
    peers: hosts,
    catalogue: consulCatalogue(settings),
  };
}

/** The Consul catalogue as a member's own process reaches it (env is interpolated by Nomad). */
function consulCatalogue(settings: ConsulSettings): NonNullable<ClusterLayout["catalogue"]> {
  const url = reachableAddress(settings);
  const scheme = schemeOf(url);
  return {
    kind: "consul",
    // The node's agent, interpolated by Nomad in the member's env, where no address is set.
    host: url ? url.hostname : "${attr.unique.network.ip-address}",
    port: url ? Number(url.port) || (scheme === "https" ? 443 : 80) : 8500,
    scheme,
    token: settings.token,
  };
}
