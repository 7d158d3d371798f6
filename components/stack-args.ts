import { appSizes } from "./apps/sizes";
import { AppTierArgs } from "./apps/app-tier";
import { ConfigError, settingProblem, unsetSettingProblem } from "./config/load";
import { apiHost, frontendHost } from "./config/parts/apps";
import { nfsServerHost } from "./config/parts/storage";
import { mediaHost } from "./config/parts/media";
import { dashboardHost, whoamiHost } from "./config/parts/proxy";
import { StackConfig } from "./config/schema";
import { CEPH_POOL_SIZES } from "./storage/ceph-config";
import {
  CERT_RESOLVER,
  DataRetention,
  memory,
  PlatformCapabilities,
  RoutePublishing,
  StoragePlan,
} from "./model";
import { MEDIA_APP_DEFS, MediaChainArgs, MediaWorkload } from "./media/media-chain";
import { EdgeArgs } from "./edge/edge";
import { parseFloatingIp } from "./edge/floating-ip";
import { MonitoringArgs } from "./monitoring/monitoring";
import { ReverseProxySettings } from "./proxy/reverse-proxy-args";
import { entryPoints } from "./proxy/traefik-args";

/**
 * The one place where the stack's configuration becomes each component's own args: components
 * never read the StackConfig, and adapters get their slice in `createAdapter`.
 */

/**
 * How routes are published on this stack, decided once from the reverse proxy's settings: with
 * ACME, TLS routes name Traefik's resolver (where the proxy holds the account) and the platform's
 * issuer (where the platform issues certificates); each adapter uses the one its orchestrator has.
 * Without the proxy part nothing is published through it.
 */
export function routePublishing(config: StackConfig): RoutePublishing {
  if (!config.parts.includes("proxy")) return {};
  const acme = config.proxy.certificate ? undefined : config.proxy.acme;
  return {
    // A router naming a resolver that does not exist is disabled by Traefik: name none then.
    ...(acme ? { certResolver: CERT_RESOLVER, clusterIssuer: acme.clusterIssuer } : {}),
    createRouteClass: config.proxy.createIngressClass,
    ...(config.proxy.behindProxy
      ? { upstreamEntryPoints: entryPoints(config.proxy).map((p) => p.name) }
      : {}),
  };
}

/**
 * What happens to data volumes on destroy: kept unless `homeport:storage.deleteDataOnDestroy`,
 * and protected in production (a destroy then stops until the protection is lifted).
 */
export function dataRetention(config: StackConfig): DataRetention {
  const keep = !config.storage.deleteDataOnDestroy;
  return { retain: keep, protect: keep && config.environment === "production" };
}

/** The reverse proxy's own args, from `homeport:proxy`, `sizes.proxy` and the storage backend. */
export function reverseProxyArgs(config: StackConfig): ReverseProxySettings {
  const proxy = config.proxy;
  const floatingIp = config.parts.includes("edge") ? config.edge.floatingIp : undefined;
  return {
    image: proxy.image,
    logLevel: proxy.logLevel,
    replicas: config.sizes.proxy,
    acme: proxy.acme,
    certificate: proxy.certificate,
    dashboard: proxy.dashboard.enabled
      ? { host: dashboardHost(proxy, config.domain), user: proxy.dashboard.user }
      : undefined,
    whoami: proxy.whoami.enabled ? { host: whoamiHost(proxy, config.domain) } : undefined,
    // The ACME state follows the proxy to whichever node runs it; the backend says where it lives.
    acmeStateClass: "shared",
    entryPoints: entryPoints(proxy),
    ...(floatingIp
      ? {
          floatingIp: {
            ip: parseFloatingIp(floatingIp).address.ip,
            healthPort: floatingIp.healthPort,
          },
        }
      : {}),
  };
}

/** The edge's own args, from `homeport:edge.floatingIp` (checked by the schema already). */
export function edgeArgs(config: StackConfig): Omit<EdgeArgs, "platform"> {
  const setting = config.edge.floatingIp;
  if (!setting) throw new Error("The edge part needs homeport:edge.floatingIp.");
  return {
    floatingIp: parseFloatingIp(setting),
    password: setting.password,
    image: setting.image,
    healthPort: setting.healthPort,
    loadBalancerNamespace: setting.kubernetes.namespace,
  };
}

/** Monitoring's own args, from `homeport:monitoring`, the domain and the monitoring sizes. */
export function monitoringArgs(config: StackConfig): Omit<MonitoringArgs, "platform"> {
  // nomadAddress and dockerGroupId are the Nomad and Swarm adapters' slice.
  const { retention, storageSize, scrapeInterval, alerting, grafanaAdminUser, uiUsers, images } =
    config.monitoring;
  const { prometheus, alertmanager, grafana } = config.sizes;
  return {
    domain: config.domain,
    settings: {
      retention,
      storageSize,
      scrapeInterval,
      alerting,
      grafanaAdminUser,
      uiUsers,
      images,
    },
    replicas: { prometheus, alertmanager, grafana },
  };
}

/** The application tier's own args, from `homeport:apps`, the environment and its sizes. */
export function appTierArgs(config: StackConfig): Omit<AppTierArgs, "platform"> {
  const { images, bucket, region, s3, broker, nodes, volumeSizes, build } = config.apps;
  const { frontend, backend, worker, rabbitmq, minio } = config.sizes;
  return {
    hosts: {
      frontend: frontendHost(config.apps, config.domain),
      api: apiHost(config.apps, config.domain),
    },
    settings: { images, bucket, region, s3, broker, nodes, volumeSizes, build },
    environment: config.environment,
    replicas: { frontend, backend, worker, rabbitmq, minio },
  };
}

/** The media chain's own args, from `homeport:media` and the domain. */
export function mediaChainArgs(config: StackConfig): Omit<MediaChainArgs, "platform"> {
  const apps = Object.keys(MEDIA_APP_DEFS) as MediaWorkload[];
  return {
    // hosts become `hosts` below; singleNode was checked with the storage backend.
    settings: config.media,
    hosts: Object.fromEntries(
      apps.map((app) => [app, mediaHost(config.media, app, config.domain)]),
    ) as Record<MediaWorkload, string>,
  };
}

/**
 * The storage part's plan, from `homeport:storage` and the environment; undefined with the local
 * backend, which needs nothing deployed.
 */
export function storagePlan(config: StackConfig): StoragePlan | undefined {
  const { backend, nfs, ceph } = config.storage;
  if (backend === "local") return undefined;
  return {
    backend,
    environment: config.environment,
    ...(backend === "nfs" && nfs
      ? {
          nfs: {
            server: nfsServerHost(nfs),
            path: nfs.path,
            mountOptions: nfs.options.split(",").filter((o) => o.length > 0),
            provisioner: nfs.provisioner,
            ...(nfs.serve
              ? {
                  serve: {
                    node: nfs.serve.node,
                    image: nfs.serve.image,
                    size: memory(nfs.serve.size),
                  },
                }
              : {}),
          },
        }
      : {}),
    ...(backend === "ceph" && ceph
      ? {
          ceph: {
            cluster: ceph.cluster,
            monitors: ceph.monitors,
            user: ceph.user,
            key: ceph.key,
            clusterId: ceph.clusterId,
            fsName: ceph.fsName,
            pool: ceph.pool,
            provisioner: ceph.provisioner,
            path: ceph.path,
            ...(ceph.cluster === "create" && ceph.nodes && ceph.image && ceph.publicNetwork
              ? {
                  daemons: {
                    image: ceph.image,
                    publicNetwork: ceph.publicNetwork,
                    nodes: ceph.nodes.map((n) => ({
                      name: n.name,
                      address: n.address,
                      roles: n.roles,
                      osd: n.osd && {
                        id: n.osd.id,
                        size: n.osd.size === undefined ? undefined : memory(n.osd.size),
                        device: n.osd.device,
                      },
                    })),
                  },
                }
              : {}),
          },
        }
      : {}),
  };
}

/** Storage settings that the orchestrator cannot serve, before any resource exists. */
function storageProblems(config: StackConfig, capabilities: PlatformCapabilities): string[] {
  const ceph = config.storage.ceph;
  if (config.storage.backend !== "ceph" || !ceph) return [];
  const where = capabilities.prose.orchestrator;
  const problems: string[] = [];
  if (ceph.cluster === "create" && capabilities.storage.cephCluster === "none") {
    problems.push(
      settingProblem(
        ["storage", "ceph", "cluster"],
        ceph.cluster,
        `asks homeport to run the Ceph cluster, which it cannot do on ${where} in this version`,
        "set it to existing and list the cluster's monitors in homeport:storage.ceph.monitors",
      ),
    );
  }
  if (ceph.cluster === "create" && capabilities.storage.cephCluster === "daemons") {
    problems.push(...cephDaemonProblems(config, capabilities));
  }
  // ceph-csi reaches an existing cluster with the user's key and names it by its fsid.
  const csi =
    capabilities.storage.cephCsi &&
    ceph.cluster === "existing" &&
    (ceph.provisioner === "create" || capabilities.storage.cephVolumeSecrets);
  if (csi && ceph.key === undefined) {
    problems.push(
      unsetSettingProblem(
        ["storage", "ceph", "key"],
        `ceph-csi needs it on ${where} to reach the existing cluster as homeport:storage.ceph.user`,
        "store the user's key (ceph auth get-key client.<user>) with: pulumi config set --secret --path homeport:storage.ceph.key <key>",
      ),
    );
  }
  if (csi && ceph.clusterId === undefined) {
    problems.push(
      unsetSettingProblem(
        ["storage", "ceph", "clusterId"],
        `ceph-csi on ${where} names the existing cluster by its fsid`,
        "set it to the output of `ceph fsid` on the cluster",
      ),
    );
  }
  return problems;
}

/**
 * The nodes of a Ceph cluster whose daemons homeport runs as workloads: each setting they need,
 * a quorum of monitors (odd and at least 3 in production), a manager, an MDS for the CephFS, as
 * many OSDs as the environment keeps copies, and OSDs on devices only where workloads may use one.
 */
function cephDaemonProblems(config: StackConfig, capabilities: PlatformCapabilities): string[] {
  const ceph = config.storage.ceph;
  if (!ceph) return [];
  const at = (...path: (string | number)[]) => ["storage", "ceph", ...path];
  const why = `homeport runs the Ceph daemons on ${capabilities.prose.orchestrator} (homeport:storage.ceph.cluster is create)`;
  const problems: string[] = [];
  for (const setting of ["nodes", "publicNetwork", "image"] as const) {
    if (ceph[setting] === undefined) problems.push(unsetSettingProblem(at(setting), why));
  }
  const nodes = ceph.nodes ?? [];
  if (nodes.length === 0) return problems;
  const once = <T>(values: T[], twice: (value: T) => string, fix: string) => {
    const found = values.find((v, i) => values.indexOf(v) !== i);
    if (found !== undefined) problems.push(settingProblem(at("nodes"), values, twice(found), fix));
  };
  const names = nodes.map((n) => n.name);
  once(names, (n) => `names node ${n} twice`, "list every node once, with all its roles");
  const ids = nodes.flatMap((n) => (n.osd ? [n.osd.id] : []));
  once(ids, (id) => `gives OSD number ${id} twice`, "give every OSD its own number");
  const mons = nodes.filter((n) => n.roles.includes("mon")).map((n) => n.name);
  const production = config.environment === "production";
  if (mons.length === 0 || (production && (mons.length < 3 || mons.length % 2 === 0))) {
    problems.push(
      settingProblem(
        at("nodes"),
        mons,
        `runs ${mons.length} monitor(s)${production ? ", but production needs an odd number, at least 3, so that a majority survives one down" : ""}`,
        production
          ? "give role mon to 3 or 5 nodes"
          : "give role mon to one node (3 or 5 for a quorum)",
      ),
    );
  }
  for (const role of ["mgr", "mds"] as const) {
    if (!nodes.some((n) => n.roles.includes(role))) {
      problems.push(
        settingProblem(
          at("nodes"),
          names,
          `gives no node role ${role}, which the cluster needs (${role === "mgr" ? "a manager" : "an MDS, for the CephFS of the shared class"})`,
          `add ${role} to the roles of one node or more`,
        ),
      );
    }
  }
  const copies = CEPH_POOL_SIZES[config.environment].size;
  if (ids.length < copies) {
    problems.push(
      settingProblem(
        at("nodes"),
        ids,
        `holds ${ids.length} OSD(s), but ${config.environment} pools keep ${copies} copies, each on an OSD of its own node`,
        `give an osd to ${copies} nodes or more`,
      ),
    );
  }
  nodes.forEach((n, i) => {
    if (n.roles.includes("mon") && n.address === undefined) {
      problems.push(
        unsetSettingProblem(
          at("nodes", i, "address"),
          `node ${n.name} runs a monitor, which listens on it`,
        ),
      );
    }
    if (!n.osd) return;
    if ((n.osd.size === undefined) === (n.osd.device === undefined)) {
      problems.push(
        settingProblem(
          at("nodes", i, "osd"),
          n.osd,
          "needs exactly one of size (bluestore in a file on the node's disk) and device (a whole block device)",
        ),
      );
    } else if (n.osd.device !== undefined && !capabilities.storage.blockDevices) {
      problems.push(
        settingProblem(
          at("nodes", i, "osd", "device"),
          n.osd.device,
          `is a block device, but a workload on ${capabilities.prose.orchestrator} can be neither privileged nor given a device`,
          "replace it with size (bluestore in a file on a volume of the node's disk), e.g. size: 100Gi",
        ),
      );
    }
  });
  return problems;
}

/**
 * Problems of settings whose meaning depends on the orchestrator: several proxies where the
 * proxy itself holds the ACME account, and member nodes
 * (`homeport:apps.nodes`) pin members only where a member's volume stays on one node, one per
 * member as {@link appSizes} counts them (one where members get no stable addresses).
 */
export function stackProblems(config: StackConfig, capabilities: PlatformCapabilities): string[] {
  const problems: string[] = storageProblems(config, capabilities);
  const replicas = config.sizes.proxy;
  if (
    config.proxy.acme &&
    capabilities.acmeIssuer === "proxy" &&
    replicas !== undefined &&
    replicas > 1
  ) {
    problems.push(
      settingProblem(
        ["sizes", "proxy"],
        replicas,
        `is more than 1, but on ${capabilities.prose.orchestrator} the proxy that holds the ACME account runs once so that replicas never compete for one certificate`,
        "set it to 1, or supply homeport:proxy.certificate (e.g. a wildcard) instead of ACME to run several",
      ),
    );
  }
  const floatingIp = config.parts.includes("edge") ? config.edge.floatingIp : undefined;
  if (floatingIp && capabilities.floatingAddress === "vrrp" && !floatingIp.image) {
    problems.push(
      settingProblem(
        ["edge", "floatingIp"],
        floatingIp.address,
        `has no image, but on ${capabilities.prose.orchestrator} keepalived holds the floating address`,
        "set homeport:edge.floatingIp.image to a pinned image holding keepalived and /usr/bin/curl, e.g. registry.lan/keepalived:2.2.7",
      ),
    );
  }
  if (!config.parts.includes("apps")) return problems;
  const apps = config.apps;
  const sizes = appSizes(config, capabilities);
  // No silent downgrade: a cluster size the orchestrator cannot give is refused, not shrunk.
  for (const tier of sizes.clamped) {
    const asked = config.sizes[tier];
    if (asked === undefined) continue;
    problems.push(
      settingProblem(
        ["sizes", tier],
        asked,
        `asks for a ${tier} cluster, but on ${capabilities.prose.orchestrator} its members get no stable addresses to name each other by (${capabilities.prose.serviceDiscovery})`,
        tier === "minio"
          ? "set it to 1, or remove it and name an external S3 in homeport:apps.s3"
          : "set it to 1",
      ),
    );
  }
  for (const tier of ["rabbitmq", "minio"] as const) {
    const nodes = apps.nodes[tier];
    if (nodes === undefined) continue;
    const path = ["apps", "nodes", tier];
    if (!capabilities.memberNodePinning) {
      problems.push(
        settingProblem(
          path,
          nodes,
          `is not used on ${capabilities.prose.orchestrator}, where each member's claim keeps its data; remove it`,
        ),
      );
    } else if (tier === "rabbitmq" && apps.broker) {
      problems.push(
        settingProblem(
          path,
          nodes,
          "pins RabbitMQ, which is not deployed when homeport:apps.broker names an external broker",
        ),
      );
    } else if (tier === "minio" && apps.s3) {
      problems.push(
        settingProblem(
          path,
          nodes,
          "pins MinIO, which is not deployed when homeport:apps.s3 names an external S3",
        ),
      );
    } else if (nodes.length !== sizes[tier]) {
      problems.push(
        settingProblem(
          path,
          nodes,
          `lists ${nodes.length} node(s) for ${sizes[tier]} member(s)${capabilities.stableMemberAddresses ? "" : ` (one on ${capabilities.prose.orchestrator})`}`,
        ),
      );
    }
  }
  return problems;
}

/** Throws every {@link stackProblems} at once, before any resource exists. */
export function checkStack(config: StackConfig, capabilities: PlatformCapabilities): void {
  const problems = stackProblems(config, capabilities);
  if (problems.length > 0) throw new ConfigError(problems);
}
