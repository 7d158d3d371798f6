import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { pbkdf2Sync } from "node:crypto";
import { MediaSettings } from "../config/parts/media";
import {
  FlowSpec,
  HealthCheckSpec,
  mebibytes,
  memory,
  millicores,
  ExemptionSpec,
  PlatformAdapter,
  RULES,
  seconds,
  SecretSpec,
  VolumeSpec,
  WorkloadDeployment,
  WorkloadSpec,
} from "../model";
import {
  dataLayout,
  INIT_DATA_CAPABILITIES,
  INIT_DATA_SCRIPT,
  initDataEnv,
} from "./wiring/data-layout";
import { seedConfig } from "./seed-config";
import { transmissionSettingsFile } from "./wiring/transmission-settings";
import { PortainerEndpoint, wiringJob } from "./wiring/wiring-job";

export const MEDIA_CHAIN_TYPE = "homeport:media:MediaChain";

/** The platform part name the media workloads are declared under. */
const PART = "media";

/** The media workloads that serve a UI, by workload name. */
export type MediaWorkload =
  | "prowlarr"
  | "jackett"
  | "sonarr"
  | "radarr"
  | "bazarr"
  | "transmission"
  | "qbittorrent"
  | "jellyfin"
  | "portainer";

interface AppDef {
  readonly port: number;
  /** Unauthenticated health endpoint, or a TCP check where the app has none. */
  readonly health: { readonly path: string } | "tcp";
  /** The env variable that pre-seeds the app's API key (Servarr's `<APP>__AUTH__APIKEY`). */
  readonly apiKeyEnv?: string;
  /** Keeps a SQLite database under /config. */
  readonly sqlite: boolean;
  /** Mounts the shared /data. */
  readonly data: boolean;
  /** Has a login of its own; the others sit behind the proxy's basic auth. */
  readonly ownLogin: boolean;
  /** Where its own state lives. @default "/config" */
  readonly stateDir?: string;
  /** Why it runs once. */
  readonly singleton: string;
}

const SQLITE_SINGLETON =
  "keeps its SQLite database under /config, which one process may write at a time";

/**
 * Ports, health endpoints and storage of each app (Sonarr `src/Sonarr.Http/Ping/PingController.cs`
 * for /ping, Bazarr `bazarr/api/system/ping.py`, Jellyfin `Jellyfin.Server/Startup.cs` /health,
 * Portainer `api/http/handler/system/status.go` /api/system/status).
 */
export const MEDIA_APP_DEFS: Record<MediaWorkload, AppDef> = {
  prowlarr: {
    port: 9696,
    health: { path: "/ping" },
    apiKeyEnv: "PROWLARR__AUTH__APIKEY",
    sqlite: true,
    data: false,
    ownLogin: true,
    singleton: SQLITE_SINGLETON,
  },
  jackett: {
    port: 9117,
    health: "tcp",
    sqlite: false,
    data: false,
    ownLogin: false,
    singleton: "keeps its indexers in files under /config that one process owns",
  },
  sonarr: {
    port: 8989,
    health: { path: "/ping" },
    apiKeyEnv: "SONARR__AUTH__APIKEY",
    sqlite: true,
    data: true,
    ownLogin: true,
    singleton: SQLITE_SINGLETON,
  },
  radarr: {
    port: 7878,
    health: { path: "/ping" },
    apiKeyEnv: "RADARR__AUTH__APIKEY",
    sqlite: true,
    data: true,
    ownLogin: true,
    singleton: SQLITE_SINGLETON,
  },
  bazarr: {
    port: 6767,
    health: { path: "/api/system/ping" },
    sqlite: true,
    data: true,
    ownLogin: true,
    singleton: SQLITE_SINGLETON,
  },
  transmission: {
    port: 9091,
    health: "tcp",
    sqlite: false,
    data: true,
    ownLogin: false,
    singleton: "one daemon owns its session state and the peer port published on the node",
  },
  qbittorrent: {
    port: 8080,
    health: "tcp",
    sqlite: false,
    data: true,
    ownLogin: true,
    singleton: "one daemon owns its session state and the peer port published on the node",
  },
  jellyfin: {
    port: 8096,
    health: { path: "/health" },
    sqlite: true,
    data: true,
    ownLogin: true,
    singleton: SQLITE_SINGLETON,
  },
  portainer: {
    port: 9000,
    health: { path: "/api/system/status" },
    sqlite: false,
    data: false,
    ownLogin: true,
    stateDir: "/data",
    singleton: "keeps its BoltDB database under /data, which one process may open at a time",
  },
};

/**
 * Which apps of the chain each app calls, as the wiring job connects them: the *arrs send to the
 * download client and read the indexer manager, Prowlarr pushes its indexers to the *arrs, Bazarr
 * reads the *arrs. Portainer calls its agent, outside this table.
 */
export const MEDIA_CALLS: Record<MediaWorkload, readonly MediaWorkload[]> = {
  prowlarr: ["sonarr", "radarr"],
  jackett: [],
  sonarr: ["prowlarr", "jackett", "transmission", "qbittorrent"],
  radarr: ["prowlarr", "jackett", "transmission", "qbittorrent"],
  bazarr: ["sonarr", "radarr"],
  transmission: [],
  qbittorrent: [],
  jellyfin: [],
  portainer: [],
};

/** Why each app connects out of the stack. */
const MEDIA_OUTSIDE: Record<MediaWorkload, string> = {
  prowlarr: "Prowlarr searches the indexers",
  jackett: "Jackett searches the indexers",
  sonarr: "Sonarr reads series metadata and downloads from the indexers",
  radarr: "Radarr reads movie metadata and downloads from the indexers",
  bazarr: "Bazarr downloads subtitles",
  transmission: "Transmission connects to BitTorrent peers",
  qbittorrent: "qBittorrent connects to BitTorrent peers",
  jellyfin: "Jellyfin reads metadata and artwork",
  portainer: "Portainer checks image registries (and, on Kubernetes, reads the cluster's API)",
};

/** Port of the Portainer agent (Portainer's `agent` docs). */
export const PORTAINER_AGENT_PORT = 9001;
/** Port exportarr serves its metrics on. */
export const EXPORTARR_PORT = 9707;
/** The shared volume every app that reads or writes media mounts at /data. */
export const DATA_VOLUME = "media-data";
/** Capabilities LinuxServer's s6 init needs to drop from root to PUID:PGID. */
export const LSIO_CAPABILITIES = ["CHOWN", "DAC_OVERRIDE", "FOWNER", "SETGID", "SETUID"];

/** Why a media app keeps a writable root filesystem and starts as root. */
export function rootExemptions(app: MediaWorkload): ExemptionSpec[] {
  const image =
    app === "portainer"
      ? "Portainer's image sets no user and writes its database as root"
      : "LinuxServer's s6 init starts as root, sets the abc user to PUID:PGID, then runs the app as that user";
  const rootfs =
    app === "portainer"
      ? "Portainer has not been run with a read-only root here (no end-to-end suite starts it), so it keeps a writable one until that is tried"
      : "LinuxServer's s6 init writes its service tree under /run and the abc user into /etc/passwd at every start";
  return [
    { rule: RULES.nonRoot, reason: image },
    { rule: RULES.readOnlyRoot, reason: rootfs },
  ];
}

export interface MediaChainArgs {
  /** The orchestrator the workloads are deployed on. */
  readonly platform: PlatformAdapter;
  /** `homeport:media`, validated. */
  readonly settings: Omit<MediaSettings, "hosts" | "singleNode">;
  /** Public host of each app. */
  readonly hosts: Record<MediaWorkload, string>;
}

const secret = (value: pulumi.Input<string>) => pulumi.secret(pulumi.output(value));

/**
 * The media chain: an indexer manager (Prowlarr, or Jackett), Sonarr, Radarr, Bazarr, a torrent
 * client (Transmission, or qBittorrent), Jellyfin and Portainer, each on its own /config and all on
 * one shared /data in the TRaSH layout; every credential generated and pre-seeded; then a
 * run-to-completion job that connects them through their APIs, so the user opens them wired.
 */
export class MediaChain extends pulumi.ComponentResource {
  /** Public URL of each enabled app. */
  public readonly urls: Record<string, pulumi.Output<string>>;
  /** Generated logins users need, as secrets. */
  public readonly credentials: Record<string, pulumi.Output<string>>;
  /** The chain's workloads on the target, by name. */
  public readonly workloads: Record<string, WorkloadDeployment>;

  constructor(name: string, args: MediaChainArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super(MEDIA_CHAIN_TYPE, name, {}, opts);
    const { platform, settings } = args;
    const caps = platform.capabilities;
    const on = settings.apps;
    const enabled: MediaWorkload[] = [
      ...(on.indexer ? [settings.indexer] : []),
      ...(on.sonarr ? (["sonarr"] as const) : []),
      ...(on.radarr ? (["radarr"] as const) : []),
      ...(on.bazarr ? (["bazarr"] as const) : []),
      ...(on.downloadClient ? [settings.downloadClient] : []),
      ...(on.jellyfin ? (["jellyfin"] as const) : []),
      ...(on.portainer ? (["portainer"] as const) : []),
    ];
    if (!caps.stableMemberAddresses) {
      pulumi.log.warn(
        `The media apps and their wiring name each other by workload name (http://sonarr:8989…), which ${caps.prose.serviceDiscovery} does not resolve: on ${caps.prose.orchestrator} give the tasks DNS for services (e.g. Consul DNS), or the wiring job fails with the connection error.`,
        this,
      );
    }

    const bytes = (id: string) =>
      secret(new random.RandomBytes(`${name}-${id}`, { length: 16 }, { parent: this }).hex);
    const password = (id: string) =>
      new random.RandomPassword(
        `${name}-${id}`,
        { length: 32, special: false },
        { parent: this, additionalSecretOutputs: ["result", "bcryptHash"] },
      );
    const url = (app: MediaWorkload) => `http://${app}:${MEDIA_APP_DEFS[app].port}`;
    const appFlow = (app: MediaWorkload): FlowSpec => ({
      kind: "workload",
      to: app,
      ports: [MEDIA_APP_DEFS[app].port],
    });
    const base = {
      PUID: String(settings.puid),
      PGID: String(settings.pgid),
      UMASK: settings.umask,
      TZ: settings.tz,
    };
    const layout = dataLayout();
    const dataVolume: VolumeSpec = {
      name: DATA_VOLUME,
      mountPath: layout.root,
      class: "shared",
      size: memory(settings.dataSize),
    };

    // Credentials, generated once and kept (encrypted) in the stack's state.
    const apiKeys: Partial<Record<MediaWorkload, pulumi.Output<string>>> = {};
    for (const app of enabled)
      if (["prowlarr", "jackett", "sonarr", "radarr", "bazarr"].includes(app))
        apiKeys[app] = bytes(`${app}-api-key`);
    const logins: Partial<Record<MediaWorkload, random.RandomPassword>> = {};
    for (const app of enabled)
      if (["prowlarr", "sonarr", "radarr", "bazarr", "jellyfin", "portainer"].includes(app))
        logins[app] = password(`${app}-password`);
    const clientPassword = on.downloadClient
      ? password(`${settings.downloadClient}-password`)
      : undefined;
    const jackettProxyPassword = enabled.includes("jackett")
      ? password("jackett-proxy-password")
      : undefined;

    const workloads: Record<string, WorkloadDeployment> = {};
    const deploy = (
      workload: string,
      spec: WorkloadSpec,
      dependsOn?: pulumi.Input<pulumi.Input<pulumi.Resource>[]>,
    ) => {
      workloads[workload] = platform.deploy(workload, PART, spec, { parent: this, dependsOn });
      return workloads[workload];
    };

    // The TRaSH layout on /data, owned by PUID:PGID, before any app starts.
    const init = deploy("media-init", {
      image: settings.images.wiring,
      command: ["sh", "/opt/homeport/init-data.sh"],
      env: initDataEnv({ uid: settings.puid, gid: settings.pgid }),
      files: [{ name: "init-data", path: "/opt/homeport/init-data.sh", content: INIT_DATA_SCRIPT }],
      volumes: [dataVolume],
      // It lays out the shared volume and talks to no one.
      flows: [],
      scheduling: { mode: "job" },
      security: { user: "0:0", capAdd: [...INIT_DATA_CAPABILITIES] },
      exemptions: [
        {
          rule: RULES.nonRoot,
          reason: "it gives the media tree on /data to PUID:PGID, which only root may (CHOWN)",
        },
      ],
    });
    const initDone = init.completed ?? init.resources;

    // Each app's own secrets and seeded files.
    const appSecrets = (
      app: MediaWorkload,
    ): { secrets: SecretSpec[]; files: WorkloadSpec["files"] } => {
      const def = MEDIA_APP_DEFS[app];
      const secrets: SecretSpec[] = [];
      const files: NonNullable<WorkloadSpec["files"]> = [];
      const key = apiKeys[app];
      if (def.apiKeyEnv && key) {
        // LinuxServer images read FILE__<VAR> as the path of <VAR>'s value (docker-baseimage
        // root/etc/s6-overlay/s6-rc.d/init-envfile), where secrets are files only.
        secrets.push({
          name: `${app}-api-key`,
          value: key,
          env: def.apiKeyEnv,
          fileEnv: `FILE__${def.apiKeyEnv}`,
        });
      }
      const seed = (s: Parameters<typeof seedConfig>[0]) => {
        const { secret: sec, file } = seedConfig(s);
        secrets.push(sec);
        files.push(file);
      };
      if (app === "bazarr" && key) {
        // Bazarr's Dynaconf YAML (morpheus65535/bazarr bazarr/app/config.py: `auth.apikey`, its
        // default a random key; at every start Bazarr fills each missing setting and writes the
        // whole file back through dynaconf/loaders/yaml_loader.py), so only the key line is ours.
        seed({
          name: "bazarr-config",
          target: "/config/config/config.yaml",
          content: secret(pulumi.interpolate`auth:\n  apikey: ${key}\n`),
          when: "merge",
          owned: { format: "yaml", section: "auth", keys: ["apikey"] },
        });
      }
      if (app === "jackett" && key) {
        // Jackett src/Jackett.Common/Models/Config/ServerConfig.cs: APIKey, AllowExternal; Jackett
        // keeps a file's APIKey and writes the file back indented (Services/ConfigurationService.cs
        // BuildServerConfig, SaveConfig), so only the APIKey line is ours.
        seed({
          name: "jackett-config",
          target: "/config/Jackett/ServerConfig.json",
          content: secret(
            key.apply((k) => JSON.stringify({ APIKey: k, AllowExternal: true }, null, 2)),
          ),
          when: "merge",
          owned: { format: "json", keys: ["APIKey"] },
        });
      }
      if (app === "transmission" && clientPassword) {
        // The part owns the RPC settings: they are written at every start.
        seed({
          name: "transmission-settings",
          target: "/config/settings.json",
          content: transmissionSettingsFile(
            {
              peerPort: settings.peerPort,
              umask: settings.umask,
              ...(settings.rpcWhitelist ? { rpcWhitelist: settings.rpcWhitelist } : {}),
            },
            clientPassword.result,
          ),
          when: "always",
        });
      }
      if (app === "qbittorrent" && clientPassword) {
        // qBittorrent src/base/utils/password.cpp: PBKDF2-HMAC-SHA512, 100000 iterations, 16-byte
        // salt, 64-byte key, stored as @ByteArray(salt:key) in base64. The web UI login lines are
        // ours; the rest of the file is qBittorrent's once it has started.
        const salt = new random.RandomBytes(
          `${name}-qbittorrent-salt`,
          { length: 16 },
          { parent: this },
        );
        seed({
          name: "qbittorrent-config",
          target: "/config/qBittorrent/qBittorrent.conf",
          content: secret(
            pulumi.all([clientPassword.result, salt.base64]).apply(([pw, s]) => {
              const hash = pbkdf2Sync(pw, Buffer.from(s, "base64"), 100000, 64, "sha512");
              return (
                "[Preferences]\n" +
                "WebUI\\Username=homeport\n" +
                `WebUI\\Password_PBKDF2="@ByteArray(${s}:${hash.toString("base64")})"\n` +
                `Session\\Port=${settings.peerPort}\n` +
                "Session\\DefaultSavePath=/data/torrents\n"
              );
            }),
          ),
          when: "merge",
          owned: {
            format: "ini",
            section: "Preferences",
            keys: ["WebUI\\Username", "WebUI\\Password_PBKDF2"],
          },
        });
      }
      return { secrets, files };
    };

    const health = (app: MediaWorkload): HealthCheckSpec => {
      const def = MEDIA_APP_DEFS[app];
      // The .NET apps migrate their database on first start: give them time before counting.
      const timing = {
        interval: seconds(15),
        timeout: seconds(5),
        retries: 5,
        startPeriod: seconds(120),
      };
      return def.health === "tcp"
        ? { kind: "tcp", port: "http", ...timing }
        : { kind: "http", port: "http", path: def.health.path, ...timing };
    };

    const peerExemptions = (app: MediaWorkload): ExemptionSpec[] => [
      {
        rule: "workload-no-host-ports",
        reason: `${app} takes BitTorrent peer connections on port ${settings.peerPort} of its node, which the HTTP proxy cannot route`,
      },
      {
        rule: "service-no-external-exposure",
        reason: `${app}'s BitTorrent peer port is reachable from outside; its web UI is routed through the proxy only`,
      },
    ];

    const appSpec = (app: MediaWorkload): WorkloadSpec => {
      const def = MEDIA_APP_DEFS[app];
      const { secrets, files } = appSecrets(app);
      const proxyUsers =
        app === "transmission" && clientPassword
          ? // The proxy checks the same user and password as Transmission's RPC, which then sees
            // the same Authorization header: one login prompt.
            secret(pulumi.interpolate`homeport:${clientPassword.bcryptHash}`)
          : app === "jackett" && jackettProxyPassword
            ? secret(pulumi.interpolate`homeport:${jackettProxyPassword.bcryptHash}`)
            : undefined;
      const peer =
        app === "transmission" || app === "qbittorrent"
          ? (["tcp", "udp"] as const).map((protocol) => ({
              name: `peer-${protocol}`,
              port: settings.peerPort,
              protocol,
              publish: { hostPort: settings.peerPort },
            }))
          : [];
      return {
        image: settings.images[app],
        env: {
          ...base,
          // LinuxServer's qBittorrent image serves its web UI on WEBUI_PORT.
          ...(app === "qbittorrent" ? { WEBUI_PORT: String(def.port) } : {}),
        },
        secrets,
        files,
        ports: [{ name: "http", port: def.port }, ...peer],
        flows: [
          ...MEDIA_CALLS[app]
            .filter((other) => enabled.includes(other))
            .map((other) => appFlow(other)),
          ...(app === "portainer" && caps.dockerEngine
            ? [{ kind: "workload" as const, to: "portainer-agent", ports: [PORTAINER_AGENT_PORT] }]
            : []),
          { kind: "external", reason: MEDIA_OUTSIDE[app] },
        ],
        volumes: [
          {
            name: `${app}-config`,
            mountPath: def.stateDir ?? "/config",
            class: settings.configClass as VolumeSpec["class"],
            size: memory(settings.configSize),
          },
          ...(def.data ? [dataVolume] : []),
        ],
        routes: [
          {
            host: args.hosts[app],
            port: "http",
            tls: true,
            middlewares: proxyUsers
              ? [{ kind: "basic-auth", users: proxyUsers, passCredentials: app === "transmission" }]
              : [],
          },
        ],
        health: health(app),
        // What each app uses at rest: the *arr apps, the torrent client and Portainer idle at a
        // few percent of a core; Jellyfin transcodes. The whole dev stack reserves less than the
        // two cores of a small machine (tests/tools/dev-stack.test.ts).
        resources: {
          requests: {
            cpu: millicores(app === "jellyfin" ? 100 : 50),
            memory: mebibytes(app === "jellyfin" ? 512 : 256),
          },
          limits: { memory: mebibytes(app === "jellyfin" ? 2048 : 1024) },
        },
        scheduling: { mode: "singleton", reason: `${app} ${def.singleton}` },
        update: { order: "stop-first" },
        state: "stateful",
        ...(def.sqlite ? { storageEngine: "sqlite" as const } : {}),
        security:
          app === "portainer" ? {} : { dropAllCapabilities: true, capAdd: [...LSIO_CAPABILITIES] },
        exemptions: [...(peer.length > 0 ? peerExemptions(app) : []), ...rootExemptions(app)],
      };
    };

    const apps: Partial<Record<MediaWorkload, WorkloadDeployment>> = {};
    for (const app of enabled) apps[app] = deploy(app, appSpec(app), initDone);

    // The Portainer agent on every node, where the containers run on a Docker engine.
    let endpoints: PortainerEndpoint[] = [];
    if (apps.portainer) {
      if (caps.dockerEngine) {
        deploy("portainer-agent", {
          image: settings.images.portainerAgent,
          ports: [{ name: "agent", port: PORTAINER_AGENT_PORT }],
          // Agents find each other and forward requests to the agent of the node concerned.
          flows: [{ kind: "workload", to: "portainer-agent", ports: [PORTAINER_AGENT_PORT] }],
          volumes: [
            {
              name: "docker-volumes",
              mountPath: "/var/lib/docker/volumes",
              class: "host-readonly",
              hostPath: "/var/lib/docker/volumes",
            },
          ],
          health: { kind: "tcp", port: "agent" },
          resources: {
            requests: { cpu: millicores(50), memory: mebibytes(64) },
            limits: { memory: mebibytes(256) },
          },
          scheduling: { mode: "per-node" },
          security: { dockerSocket: true },
          exemptions: [
            {
              rule: RULES.nonRoot,
              reason:
                "the Portainer agent talks to the node's Docker engine, whose socket is root's",
            },
            {
              rule: RULES.readOnlyRoot,
              reason:
                "the Portainer agent has not been run with a read-only root here (no end-to-end suite starts it), so it keeps a writable one until that is tried",
            },
            {
              rule: "workload-docker-socket-restricted",
              reason: "the Portainer agent is how Portainer manages this node's Docker engine",
            },
            {
              rule: "workload-no-sensitive-host-paths",
              reason: "the Portainer agent lists and browses the node's Docker volumes, read-only",
            },
          ],
        });
        endpoints = [
          { name: "docker", kind: "agent", url: `tcp://portainer-agent:${PORTAINER_AGENT_PORT}` },
        ];
      } else {
        endpoints = [{ name: "cluster", kind: "kubernetes-local" }];
      }
    }

    // Prometheus metrics of the *arr apps, through exportarr (off by default).
    if (settings.exportarr) {
      for (const app of ["sonarr", "radarr", "prowlarr", "bazarr"] as const) {
        const key = apiKeys[app];
        if (!apps[app] || !key) continue;
        deploy(`${app}-exporter`, {
          image: settings.images.exportarr,
          args: [app],
          env: { PORT: String(EXPORTARR_PORT), URL: url(app) },
          flows: [appFlow(app)],
          // onedr0p/exportarr internal/config/config.go: API_KEY, or API_KEY_FILE (a file with the key).
          secrets: [
            { name: `${app}-api-key`, value: key, env: "API_KEY", fileEnv: "API_KEY_FILE" },
          ],
          ports: [{ name: "metrics", port: EXPORTARR_PORT }],
          health: { kind: "http", port: "metrics", path: "/healthz" },
          metrics: { port: "metrics" },
          resources: {
            requests: { cpu: millicores(20), memory: mebibytes(32) },
            limits: { memory: mebibytes(128) },
          },
          scheduling: {
            mode: "singleton",
            reason: `reads one ${app}; a second copy doubles the series`,
          },
          // A static binary that writes nothing: any unprivileged user runs it.
          security: { user: "65534:65534" },
        });
      }
    }

    // Diun: notifies (in its log) when a newer tag of a media image exists; off by default.
    if (settings.diun.enabled) {
      const images = [...new Set(enabled.map((app) => settings.images[app]))].sort();
      deploy("diun", {
        image: settings.images.diun,
        env: {
          TZ: settings.tz,
          DIUN_WATCH_SCHEDULE: settings.diun.schedule,
          DIUN_PROVIDERS_FILE_FILENAME: "/etc/diun/images.yml",
          DIUN_DB_PATH: "/data/diun.db",
        },
        // Diun's file provider (crazymax/diun docs/providers/file.md): one entry per image.
        files: [
          {
            name: "diun-images",
            path: "/etc/diun/images.yml",
            content: images.map((image) => `- name: ${image}\n`).join(""),
          },
        ],
        volumes: [{ name: "diun-data", mountPath: "/data", class: "block", size: mebibytes(100) }],
        flows: [{ kind: "external", reason: "Diun asks the image registries for new tags" }],
        resources: {
          requests: { cpu: millicores(20), memory: mebibytes(32) },
          limits: { memory: mebibytes(128) },
        },
        scheduling: { mode: "singleton", reason: "keeps its bbolt database, one writer" },
        update: { order: "stop-first" },
        state: "stateful",
        exemptions: [
          {
            rule: RULES.nonRoot,
            reason:
              "the image runs as root and keeps its database on a fresh volume, which is root's",
          },
        ],
      });
    }

    // The wiring job, after every app is deployed and healthy.
    const keyed = (app: "sonarr" | "radarr" | "prowlarr" | "jackett" | "bazarr") =>
      apps[app] && apiKeys[app]
        ? {
            url: url(app),
            apiKey: apiKeys[app],
            ...(logins[app] ? { login: { user: "admin", password: logins[app].result } } : {}),
          }
        : undefined;
    const job = wiringJob({
      sonarr: keyed("sonarr"),
      radarr: keyed("radarr"),
      prowlarr: keyed("prowlarr"),
      jackett: keyed("jackett"),
      bazarr: keyed("bazarr"),
      jellyfin:
        apps.jellyfin && logins.jellyfin
          ? {
              url: url("jellyfin"),
              adminPassword: logins.jellyfin.result,
              locale: settings.jellyfinLocale,
            }
          : undefined,
      portainer:
        apps.portainer && logins.portainer
          ? { url: url("portainer"), adminPassword: logins.portainer.result, endpoints }
          : undefined,
      downloadClient: clientPassword
        ? {
            kind: settings.downloadClient,
            host: settings.downloadClient,
            password: clientPassword.result,
            ...(settings.downloadClient === "qbittorrent" ? { username: "homeport" } : {}),
          }
        : undefined,
    });
    const appResources = Object.values(apps).flatMap((d) => d.resources);
    deploy(
      "media-wiring",
      {
        ...job.spec,
        image: settings.images.wiring,
        // It connects every enabled app through its API.
        flows: enabled.map(appFlow),
      },
      appResources,
    );

    this.workloads = workloads;
    this.urls = Object.fromEntries(
      enabled.map((app) => [`media.${app}`, pulumi.output(`https://${args.hosts[app]}/`)]),
    );
    this.credentials = {
      ...Object.fromEntries(
        Object.entries(logins).map(([app, pw]) => [`media.${app}.password`, secret(pw.result)]),
      ),
      ...(clientPassword
        ? { [`media.${settings.downloadClient}.password`]: secret(clientPassword.result) }
        : {}),
      ...(jackettProxyPassword
        ? { "media.jackett.proxyPassword": secret(jackettProxyPassword.result) }
        : {}),
    };
    this.registerOutputs({ urls: this.urls });
  }
}
