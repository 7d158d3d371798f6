import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ConfigError, parseStackConfig } from "../../../components/config/load";
import { MEDIA_IMAGES } from "../../../components/config/parts/media";

const base = {
  "homeport:target": "swarm",
  "homeport:domain": "home.example.org",
  "homeport:parts": JSON.stringify(["proxy", "media"]),
};

function problems(raw: Record<string, string>): readonly string[] {
  try {
    parseStackConfig({ ...base, ...raw });
    return [];
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${String(err)}`);
    return err.problems;
  }
}

const media = (settings: unknown) => ({ "homeport:media": JSON.stringify(settings) });

describe("homeport:media settings", () => {
  it("defaults to Prowlarr, Transmission, every app on, pinned images, 1000:1000, block /config", () => {
    assert.deepEqual(parseStackConfig(base).media, {
      indexer: "prowlarr",
      downloadClient: "transmission",
      apps: {
        indexer: true,
        sonarr: true,
        radarr: true,
        bazarr: true,
        downloadClient: true,
        jellyfin: true,
        portainer: true,
      },
      images: { ...MEDIA_IMAGES },
      puid: 1000,
      pgid: 1000,
      umask: "002",
      tz: "Etc/UTC",
      configClass: "block",
      configSize: "2Gi",
      dataSize: "500Gi",
      hosts: {},
      peerPort: 51413,
      jellyfinLocale: {
        uiCulture: "en-US",
        metadataCountryCode: "US",
        preferredMetadataLanguage: "en",
      },
      exportarr: false,
      diun: { enabled: false, schedule: "0 */6 * * *" },
    });
  });

  it("accepts a dev stack on local storage (one node)", () => {
    assert.deepEqual(problems({}), []);
  });

  it("names an unknown app and lists the known ones", () => {
    assert.deepEqual(problems(media({ apps: { lidarr: true } })), [
      "homeport:media.apps.lidarr is not a known setting. Fix: remove it or use one of indexer, sonarr, radarr, bazarr, downloadClient, jellyfin, portainer.",
    ]);
  });

  it("refuses a shared (network) class under /config", () => {
    assert.deepEqual(problems(media({ configClass: "shared" })), [
      'homeport:media.configClass is "shared": puts the apps\' SQLite databases under /config on a network filesystem (NFS/CephFS), where they corrupt. Fix: set it to block or local.',
    ]);
    assert.deepEqual(problems(media({ configClass: "ephemeral" })), [
      'homeport:media.configClass is "ephemeral": is not a volume class for /config. Fix: set it to block or local.',
    ]);
  });

  it("refuses a multi-node stack without shared storage for /data, with both fixes", () => {
    assert.deepEqual(problems({ "homeport:environment": "production" }), [
      'homeport:storage.backend is "local": gives the media part\'s shared /data no shared storage, but the stack spans several nodes, so Sonarr, Radarr, the torrent client and Jellyfin would each see another /data. Fix: set homeport:storage.backend to nfs or ceph (with its settings), or set homeport:media.singleNode to true if the stack runs on one node.',
    ]);
    assert.deepEqual(
      problems({ "homeport:environment": "production", ...media({ singleNode: true }) }),
      [],
    );
    assert.deepEqual(problems({ ...media({ singleNode: false }) }).length, 1);
  });

  it("refuses an unknown indexer or client, an unpinned image, Bazarr alone, a host outside the domain", () => {
    assert.deepEqual(
      problems(
        media({
          indexer: "nzbhydra",
          downloadClient: "deluge",
          images: { sonarr: "lscr.io/linuxserver/sonarr:latest" },
        }),
      ),
      [
        'homeport:media.indexer is "nzbhydra": must be one of prowlarr, jackett. Fix: set it to prowlarr (the default) or jackett.',
        'homeport:media.downloadClient is "deluge": must be one of transmission, qbittorrent. Fix: set it to transmission (the default) or qbittorrent.',
        'homeport:media.images.sonarr is "lscr.io/linuxserver/sonarr:latest": is not pinned to a version (a tag other than latest, or a digest). Fix: pin a version tag or digest, e.g. lscr.io/linuxserver/sonarr:4.0.15.',
      ],
    );
    assert.deepEqual(
      problems(
        media({ apps: { sonarr: false, radarr: false }, hosts: { jellyfin: "tv.example.com" } }),
      ),
      [
        "homeport:media.apps.bazarr is true: enables Bazarr without Sonarr or Radarr, so it has nothing to subtitle. Fix: enable sonarr or radarr, or set it to false.",
        'homeport:media.hosts.jellyfin is "tv.example.com": is outside homeport:domain "home.example.org". Fix: use a host name inside home.example.org, e.g. jellyfin.home.example.org.',
      ],
    );
  });

  it("checks nothing of media when the part is not enabled", () => {
    assert.deepEqual(
      problems({
        "homeport:parts": JSON.stringify(["proxy"]),
        "homeport:environment": "production",
        ...media({ configClass: "shared" }),
      }),
      [],
    );
  });
});
