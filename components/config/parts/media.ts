import { z } from "zod";
import { isPinnedImage } from "../../model/resolve";

/**
 * Pinned images of the media part; each can be overridden in `homeport:media.images`. The apps are
 * LinuxServer images (one PUID/PGID/UMASK/TZ convention, `FILE__` secrets, `/custom-cont-init.d`),
 * Portainer, its agent, exportarr and Diun are their upstreams' images.
 */
export const MEDIA_IMAGES = {
  prowlarr: "lscr.io/linuxserver/prowlarr:1.37.0",
  jackett: "lscr.io/linuxserver/jackett:0.22.2153",
  sonarr: "lscr.io/linuxserver/sonarr:4.0.15",
  radarr: "lscr.io/linuxserver/radarr:5.26.2",
  bazarr: "lscr.io/linuxserver/bazarr:1.5.2",
  transmission: "lscr.io/linuxserver/transmission:4.0.6",
  qbittorrent: "lscr.io/linuxserver/qbittorrent:5.1.2",
  jellyfin: "lscr.io/linuxserver/jellyfin:10.10.7",
  portainer: "portainer/portainer-ce:2.27.9",
  portainerAgent: "portainer/agent:2.27.9",
  exportarr: "ghcr.io/onedr0p/exportarr:v2.2.0",
  diun: "crazymax/diun:4.29.0",
  wiring: "python:3.13.3-alpine3.22",
} as const;

/** The apps a stack may switch on and off in `homeport:media.apps`. */
export const MEDIA_APPS = [
  "indexer",
  "sonarr",
  "radarr",
  "bazarr",
  "downloadClient",
  "jellyfin",
  "portainer",
] as const;
export type MediaApp = (typeof MEDIA_APPS)[number];

/** Volume classes an app's /config (SQLite) may use: never a network filesystem. */
export const CONFIG_CLASSES = ["block", "local"] as const;

const HOST =
  /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$/;
const SIZE = /^\d+(\.\d+)?(Ki|Mi|Gi|Ti|k|M|G|T)?$/;

const image = (fallback: string) =>
  z.string().min(1).default(fallback).refine(isPinnedImage, {
    message: "is not pinned to a version (a tag other than latest, or a digest)",
  });

const imageShape = Object.fromEntries(
  Object.entries(MEDIA_IMAGES).map(([key, value]) => [key, image(value)]),
) as { [K in keyof typeof MEDIA_IMAGES]: ReturnType<typeof image> };

const enabled = z.boolean().default(true);

/** `homeport:media`: the media chain's settings. */
export const mediaSettings = z
  .object({
    /** Which indexer manager feeds Sonarr and Radarr. @default "prowlarr" */
    indexer: z.enum(["prowlarr", "jackett"]).default("prowlarr"),
    /** Which torrent client downloads. @default "transmission" */
    downloadClient: z.enum(["transmission", "qbittorrent"]).default("transmission"),
    /** Each app on or off. @default every app on */
    apps: z
      .object(
        Object.fromEntries(MEDIA_APPS.map((app) => [app, enabled])) as {
          [K in MediaApp]: typeof enabled;
        },
      )
      .strict()
      .default(Object.fromEntries(MEDIA_APPS.map((app) => [app, true])) as Record<MediaApp, true>),
    images: z
      .object(imageShape)
      .strict()
      .default({ ...MEDIA_IMAGES }),
    /** User and group the apps run as, owner of /data. @default 1000 */
    puid: z.number().int().min(0).default(1000),
    /** @default 1000 */
    pgid: z.number().int().min(0).default(1000),
    /** File mode mask of the apps (group-writable for hardlinks). @default "002" */
    umask: z
      .string()
      .regex(/^0?[0-7]{3}$/)
      .default("002"),
    /** Time zone of the apps. @default "Etc/UTC" */
    tz: z
      .string()
      .regex(/^[A-Za-z_+-]+(\/[A-Za-z0-9_+-]+)*$/)
      .default("Etc/UTC"),
    /** Volume class of every app's /config (SQLite): block or local. @default "block" */
    configClass: z.string().default("block"),
    /** Size of each app's /config. @default "2Gi" */
    configSize: z.string().regex(SIZE).default("2Gi"),
    /** Size of the shared /data (downloads and library). @default "500Gi" */
    dataSize: z.string().regex(SIZE).default("500Gi"),
    /**
     * The stack runs on one node, so /data may be a volume of that node. @default true for the
     * dev environment, false for production
     */
    singleNode: z.boolean().optional(),
    /** Public host names by app. @default `<app>.<domain>` */
    hosts: z
      .partialRecord(
        z.enum([
          "prowlarr",
          "jackett",
          "sonarr",
          "radarr",
          "bazarr",
          "transmission",
          "qbittorrent",
          "jellyfin",
          "portainer",
        ]),
        z.string().regex(HOST),
      )
      .default({}),
    /** The torrent client's peer port, published on the node. @default 51413 */
    peerPort: z.number().int().min(1024).max(65535).default(51413),
    /** Transmission's RPC whitelist. @default private ranges and loopback */
    rpcWhitelist: z.array(z.string().min(1)).min(1).optional(),
    /** Jellyfin's locale for its first run. */
    jellyfinLocale: z
      .object({
        uiCulture: z.string().min(2).default("en-US"),
        metadataCountryCode: z.string().length(2).default("US"),
        preferredMetadataLanguage: z.string().min(2).default("en"),
      })
      .strict()
      .default({ uiCulture: "en-US", metadataCountryCode: "US", preferredMetadataLanguage: "en" }),
    /** Prometheus exporters for Sonarr, Radarr, Prowlarr and Bazarr. @default false */
    exportarr: z.boolean().default(false),
    /** Diun, notifying when a newer tag of a media image exists. @default false */
    diun: z
      .object({
        enabled: z.boolean().default(false),
        /** Cron schedule of the registry checks. @default every six hours */
        schedule: z.string().min(1).default("0 */6 * * *"),
      })
      .strict()
      .default({ enabled: false, schedule: "0 */6 * * *" }),
  })
  .strict();

export type MediaSettings = z.output<typeof mediaSettings>;

/** How to fix each media setting, by dotted path under `homeport:media`. */
export const mediaFixes: ReadonlyArray<readonly [string, string]> = [
  ["indexer", "set it to prowlarr (the default) or jackett"],
  ["downloadClient", "set it to transmission (the default) or qbittorrent"],
  ["apps.*", "set true or false"],
  ...Object.entries(MEDIA_IMAGES).map(
    ([key, value]) => [`images.${key}`, `pin a version tag or digest, e.g. ${value}`] as const,
  ),
  ["puid", "set the numeric user id the apps run as, e.g. 1000"],
  ["pgid", "set the numeric group id the apps run as, e.g. 1000"],
  ["umask", 'write an octal mask such as "002"'],
  ["tz", 'use a tz database name, e.g. "Europe/Paris"'],
  ["configClass", `set it to ${CONFIG_CLASSES.join(" or ")}`],
  ["configSize", 'write a size such as "2Gi"'],
  ["dataSize", 'write a size such as "500Gi"'],
  ["hosts.*", "use a host name inside homeport:domain, e.g. sonarr.home.example.org"],
  ["peerPort", "use a port from 1024 to 65535, e.g. 51413"],
];

/** The public host of an app. */
export const mediaHost = (media: MediaSettings, app: string, domain: string): string =>
  media.hosts[app as keyof MediaSettings["hosts"]] ?? `${app}.${domain}`;

/** A media problem that needs more than the media settings to see. */
export interface MediaIssue {
  readonly path: (string | number)[];
  readonly message: string;
  readonly value: unknown;
  readonly fix: string;
}

/**
 * Checks that span settings: /config never on a shared (network) class, /data on shared storage
 * when the stack spans nodes, Bazarr with something to subtitle, hosts inside the domain.
 */
export function mediaStackIssues(cfg: {
  readonly domain: string;
  readonly environment: string;
  readonly parts: readonly string[];
  readonly storage: { readonly backend: string };
  readonly media: MediaSettings;
}): MediaIssue[] {
  if (!cfg.parts.includes("media")) return [];
  const { media } = cfg;
  const issues: MediaIssue[] = [];
  if (!(CONFIG_CLASSES as readonly string[]).includes(media.configClass)) {
    issues.push({
      path: ["media", "configClass"],
      value: media.configClass,
      message:
        media.configClass === "shared"
          ? "puts the apps' SQLite databases under /config on a network filesystem (NFS/CephFS), where they corrupt"
          : `is not a volume class for /config`,
      fix: `set it to ${CONFIG_CLASSES.join(" or ")}`,
    });
  }
  const singleNode = media.singleNode ?? cfg.environment === "dev";
  if (!singleNode && cfg.storage.backend === "local") {
    issues.push({
      path: ["storage", "backend"],
      value: cfg.storage.backend,
      message:
        "gives the media part's shared /data no shared storage, but the stack spans several nodes, so Sonarr, Radarr, the torrent client and Jellyfin would each see another /data",
      fix: "set homeport:storage.backend to nfs or ceph (with its settings), or set homeport:media.singleNode to true if the stack runs on one node",
    });
  }
  if (media.apps.bazarr && !media.apps.sonarr && !media.apps.radarr) {
    issues.push({
      path: ["media", "apps", "bazarr"],
      value: true,
      message: "enables Bazarr without Sonarr or Radarr, so it has nothing to subtitle",
      fix: "enable sonarr or radarr, or set it to false",
    });
  }
  for (const [app, host] of Object.entries(media.hosts)) {
    if (host !== cfg.domain && !host.endsWith(`.${cfg.domain}`)) {
      issues.push({
        path: ["media", "hosts", app],
        value: host,
        message: `is outside homeport:domain "${cfg.domain}"`,
        fix: `use a host name inside ${cfg.domain}, e.g. ${app}.${cfg.domain}`,
      });
    }
  }
  return issues;
}
