import * as pulumi from "@pulumi/pulumi";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { FileSpec, SecretSpec, WorkloadSpec } from "../../model/workload";
import { dataLayout, DEFAULT_DATA_ROOT } from "./data-layout";
import { DEFAULT_RPC_USERNAME, TRANSMISSION_URL_BASE } from "./transmission-settings";

/** The wiring program (Python 3, standard library only), delivered to the job as a file. */
export const WIRING_SCRIPT: string = readFileSync(join(__dirname, "wire.py"), "utf8");

/** Image that runs the wiring job: an interpreter and nothing to install. */
// renovate: datasource=docker depName=python
export const WIRING_IMAGE = "python:3.13.3-alpine3.22";

export const WIRING_SCRIPT_PATH = "/opt/homeport/wire.py";
export const WIRING_PLAN_PATH = "/etc/homeport/wiring.json";
/** Where the orchestrators mount secret files (the model's default secret path). */
export const SECRET_DIR = "/run/secrets";

/** An *arr-style app the job talks to with an API key. */
export interface KeyedApp {
  /** In-cluster base URL, e.g. `http://sonarr:8989`. */
  readonly url: string;
  /** The app's API key (pre-seeded into the app, e.g. SONARR__AUTH__APIKEY). */
  readonly apiKey: pulumi.Input<string>;
  /**
   * The app's own web login (forms authentication), created by the job so nobody has to pick one
   * on first visit. Sonarr, Radarr, Prowlarr and Bazarr only. @default not managed
   */
  readonly login?: { readonly user?: string; readonly password: pulumi.Input<string> };
}

export interface AdminApp {
  readonly url: string;
  /** @default "admin" */
  readonly adminUser?: string;
  readonly adminPassword: pulumi.Input<string>;
}

export interface JellyfinLocale {
  /** @default "en-US" */
  readonly uiCulture?: string;
  /** @default "US" */
  readonly metadataCountryCode?: string;
  /** @default "en" */
  readonly preferredMetadataLanguage?: string;
}

/** A Portainer environment: how Portainer reaches the engine it manages. */
export interface PortainerEndpoint {
  readonly name: string;
  /** agent: the Portainer agent (tcp://host:9001); kubernetes-local: the cluster Portainer runs in. */
  readonly kind: "agent" | "docker-local" | "kubernetes-local";
  /** For agent and docker-local. */
  readonly url?: string;
}

export interface DownloadClientArgs {
  /** @default "transmission" */
  readonly kind?: "transmission" | "qbittorrent";
  /** Service host name, e.g. `transmission`. */
  readonly host: string;
  /** @default 9091 for Transmission, 8080 for qBittorrent */
  readonly port?: number;
  /** @default {@link DEFAULT_RPC_USERNAME} */
  readonly username?: string;
  readonly password: pulumi.Input<string>;
}

export interface WiringArgs {
  /** Enabled apps. Prowlarr and Jackett exclude each other. */
  readonly sonarr?: KeyedApp;
  readonly radarr?: KeyedApp;
  readonly prowlarr?: KeyedApp;
  readonly jackett?: KeyedApp;
  readonly bazarr?: KeyedApp;
  readonly jellyfin?: AdminApp & { readonly locale?: JellyfinLocale };
  readonly portainer?: AdminApp & { readonly endpoints: readonly PortainerEndpoint[] };
  readonly downloadClient?: DownloadClientArgs;
  /** Download categories; Transmission puts each under download-dir (/data/torrents/<category>). */
  readonly categories?: { readonly sonarr?: string; readonly radarr?: string };
  /** @default "/data" */
  readonly dataRoot?: string;
  /** How long the job waits for each app's health endpoint. @default 600 */
  readonly healthTimeoutSeconds?: number;
  /** Directory of the secret files in the job's container. @default {@link SECRET_DIR} */
  readonly secretDir?: string;
}

/** The JSON plan the script reads: addresses and secret FILE paths, never secret values. */
export interface WiringPlan {
  readonly healthTimeoutSeconds: number;
  readonly apps: Record<string, Record<string, unknown>>;
  readonly downloadClient?: Record<string, unknown>;
  readonly rootFolders: { readonly sonarr?: string[]; readonly radarr?: string[] };
}

/** The parts of the job's WorkloadSpec that the wiring decides. */
export interface WiringJob {
  readonly plan: WiringPlan;
  readonly spec: Pick<
    WorkloadSpec,
    "image" | "command" | "env" | "files" | "secrets" | "scheduling" | "security"
  >;
}

const DOWNLOAD_CLIENTS: Record<
  NonNullable<DownloadClientArgs["kind"]>,
  { readonly name: string; readonly port: number }
> = {
  transmission: { name: "Transmission", port: 9091 },
  qbittorrent: { name: "qBittorrent", port: 8080 },
};

const CATEGORY = /^[-a-z]*$/; // Sonarr TransmissionSettings.cs: "Allowed characters a-z and -"

function fail(setting: string, value: unknown, fix: string): never {
  throw new Error(`media.${setting}: ${JSON.stringify(value)} ${fix}`);
}

function checkUrl(setting: string, url: string): string {
  if (!/^https?:\/\/[^/\s:]+(:\d+)?(\/\S*)?$/.test(url)) {
    fail(setting, url, "is not an http(s) base URL; use e.g. http://sonarr:8989");
  }
  return url.replace(/\/+$/, "");
}

function secretFile(
  secrets: SecretSpec[],
  dir: string,
  name: string,
  value: pulumi.Input<string>,
): string {
  const path = `${dir}/${name}`;
  secrets.push({ name, value: pulumi.secret(value), path });
  return path;
}

/**
 * Builds the wiring job's plan, files and secrets from typed args. Pure: validates, then returns
 * data; the media component puts it into a `job`-mode workload that starts after the apps.
 */
export function wiringJob(args: WiringArgs): WiringJob {
  if (args.prowlarr && args.jackett) {
    fail(
      "indexer",
      ["prowlarr", "jackett"],
      'enables both indexer managers; choose one with media.indexer ("prowlarr" or "jackett")',
    );
  }
  const arrs = (["sonarr", "radarr"] as const).filter((name) => args[name]);
  if (args.bazarr && arrs.length === 0) {
    fail("apps", ["bazarr"], "enables Bazarr without Sonarr or Radarr; enable one of them");
  }
  const timeout = args.healthTimeoutSeconds ?? 600;
  if (!(timeout > 0)) {
    fail("wiring.healthTimeoutSeconds", timeout, "must be a number of seconds above 0");
  }
  const categories = {
    sonarr: args.categories?.sonarr ?? "tv",
    radarr: args.categories?.radarr ?? "movies",
  };
  for (const name of arrs) {
    if (!CATEGORY.test(categories[name])) {
      fail(
        `categories.${name}`,
        categories[name],
        "may hold only a-z and -; use e.g. tv or movies",
      );
    }
  }
  const layout = dataLayout(args.dataRoot ?? DEFAULT_DATA_ROOT);
  const secrets: SecretSpec[] = [];
  const secretDir = (args.secretDir ?? SECRET_DIR).replace(/\/+$/, "");
  const apps: Record<string, Record<string, unknown>> = {};
  for (const name of ["sonarr", "radarr", "prowlarr", "jackett", "bazarr"] as const) {
    const app = args[name];
    if (app) {
      apps[name] = {
        url: checkUrl(`${name}.url`, app.url),
        apiKeyFile: secretFile(secrets, secretDir, `media-${name}-api-key`, app.apiKey),
      };
      if (app.login) {
        if (name === "jackett") {
          fail(
            "jackett.login",
            "set",
            "is not supported: Jackett has no user login; it sits behind the proxy's basic auth",
          );
        }
        const user = app.login.user ?? "admin";
        if (user.trim() !== user || user.length === 0) {
          fail(
            `${name}.login.user`,
            user,
            "must be a non-empty user name without surrounding spaces",
          );
        }
        apps[name].login = {
          user,
          passwordFile: secretFile(
            secrets,
            secretDir,
            `media-${name}-login-password`,
            app.login.password,
          ),
        };
      }
    }
  }
  if (args.jellyfin) {
    const locale = args.jellyfin.locale ?? {};
    apps.jellyfin = {
      url: checkUrl("jellyfin.url", args.jellyfin.url),
      adminUser: args.jellyfin.adminUser ?? "admin",
      adminPasswordFile: secretFile(
        secrets,
        secretDir,
        "media-jellyfin-admin-password",
        args.jellyfin.adminPassword,
      ),
      uiCulture: locale.uiCulture ?? "en-US",
      metadataCountryCode: locale.metadataCountryCode ?? "US",
      preferredMetadataLanguage: locale.preferredMetadataLanguage ?? "en",
      libraries: [
        { name: "Shows", collectionType: "tvshows", path: layout.media.tv },
        { name: "Movies", collectionType: "movies", path: layout.media.movies },
      ],
    };
  }
  if (args.portainer) {
    const user = args.portainer.adminUser ?? "admin";
    if (/\s/.test(user) || user.length === 0) {
      // portainer api/http/handler/users/admin_init.go: "Must not contain any whitespace".
      fail("portainer.adminUser", user, "must be a user name without whitespace, e.g. admin");
    }
    if (args.portainer.endpoints.length === 0) {
      fail("portainer.endpoints", [], "is empty; give Portainer at least one environment");
    }
    for (const endpoint of args.portainer.endpoints) {
      if (endpoint.kind !== "kubernetes-local" && !endpoint.url) {
        fail(
          `portainer.endpoints.${endpoint.name}.url`,
          endpoint.url ?? null,
          "is required for an agent, e.g. tcp://tasks.agent:9001",
        );
      }
    }
    apps.portainer = {
      url: checkUrl("portainer.url", args.portainer.url),
      adminUser: user,
      adminPasswordFile: secretFile(
        secrets,
        secretDir,
        "media-portainer-admin-password",
        args.portainer.adminPassword,
      ),
      endpoints: args.portainer.endpoints.map((e) => ({ ...e })),
    };
  }
  let downloadClient: Record<string, unknown> | undefined;
  if (args.downloadClient && arrs.length > 0) {
    const kind = args.downloadClient.kind ?? "transmission";
    if (!/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/i.test(args.downloadClient.host)) {
      fail(
        "downloadClient.host",
        args.downloadClient.host,
        "is not a host name; use the service name, e.g. transmission",
      );
    }
    const known = DOWNLOAD_CLIENTS[kind];
    downloadClient = {
      kind,
      name: known.name,
      host: args.downloadClient.host,
      port: args.downloadClient.port ?? known.port,
      ...(kind === "transmission" ? { urlBase: TRANSMISSION_URL_BASE } : {}),
      username: args.downloadClient.username ?? DEFAULT_RPC_USERNAME,
      passwordFile: secretFile(
        secrets,
        secretDir,
        `media-${kind}-password`,
        args.downloadClient.password,
      ),
      categories: Object.fromEntries(arrs.map((name) => [name, categories[name]])),
    };
  }
  const plan: WiringPlan = {
    healthTimeoutSeconds: timeout,
    apps,
    ...(downloadClient ? { downloadClient } : {}),
    rootFolders: {
      ...(args.sonarr ? { sonarr: [layout.media.tv] } : {}),
      ...(args.radarr ? { radarr: [layout.media.movies] } : {}),
    },
  };
  const files: FileSpec[] = [
    { name: "wiring-script", path: WIRING_SCRIPT_PATH, content: WIRING_SCRIPT },
    { name: "wiring-plan", path: WIRING_PLAN_PATH, content: JSON.stringify(plan, null, 2) },
  ];
  return {
    plan,
    spec: {
      image: WIRING_IMAGE,
      command: ["python3", WIRING_SCRIPT_PATH],
      env: { WIRING_PLAN: WIRING_PLAN_PATH, PYTHONDONTWRITEBYTECODE: "1" },
      files,
      secrets,
      scheduling: { mode: "job" },
      // It only reads its files and talks HTTP: any unprivileged user runs it.
      security: { user: "65534:65534" },
    },
  };
}
