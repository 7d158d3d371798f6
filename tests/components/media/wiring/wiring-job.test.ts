import { PORTAINER_ENDPOINTS } from "./portainer-endpoints";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import {
  WIRING_IMAGE,
  WIRING_SCRIPT,
  wiringJob,
  type WiringArgs,
} from "../../../../components/media/wiring/wiring-job";

const ARGS: WiringArgs = {
  sonarr: { url: "http://sonarr:8989/", apiKey: "k-sonarr" },
  radarr: { url: "http://radarr:7878", apiKey: "k-radarr" },
  prowlarr: { url: "http://prowlarr:9696", apiKey: "k-prowlarr" },
  bazarr: { url: "http://bazarr:6767", apiKey: "k-bazarr" },
  jellyfin: {
    url: "http://jellyfin:8096",
    adminPassword: "p-jellyfin",
    locale: { uiCulture: "fr-FR", metadataCountryCode: "FR", preferredMetadataLanguage: "fr" },
  },
  portainer: {
    url: "http://portainer:9000",
    adminPassword: "p-portainer",
    endpoints: PORTAINER_ENDPOINTS.swarm({ service: "media_portainer-agent" }),
  },
  downloadClient: { host: "transmission", password: "p-transmission" },
};

describe("wiringJob", () => {
  it("builds the plan the script reads: addresses and secret file paths only", () => {
    const job = wiringJob(ARGS);
    assert.deepEqual(job.plan, {
      healthTimeoutSeconds: 600,
      apps: {
        sonarr: { url: "http://sonarr:8989", apiKeyFile: "/run/secrets/media-sonarr-api-key" },
        radarr: { url: "http://radarr:7878", apiKeyFile: "/run/secrets/media-radarr-api-key" },
        prowlarr: {
          url: "http://prowlarr:9696",
          apiKeyFile: "/run/secrets/media-prowlarr-api-key",
        },
        bazarr: { url: "http://bazarr:6767", apiKeyFile: "/run/secrets/media-bazarr-api-key" },
        jellyfin: {
          url: "http://jellyfin:8096",
          adminUser: "admin",
          adminPasswordFile: "/run/secrets/media-jellyfin-admin-password",
          uiCulture: "fr-FR",
          metadataCountryCode: "FR",
          preferredMetadataLanguage: "fr",
          libraries: [
            { name: "Shows", collectionType: "tvshows", path: "/data/media/tv" },
            { name: "Movies", collectionType: "movies", path: "/data/media/movies" },
          ],
        },
        portainer: {
          url: "http://portainer:9000",
          adminUser: "admin",
          adminPasswordFile: "/run/secrets/media-portainer-admin-password",
          endpoints: [
            { name: "swarm", kind: "agent", url: "tcp://tasks.media_portainer-agent:9001" },
          ],
        },
      },
      downloadClient: {
        kind: "transmission",
        name: "Transmission",
        host: "transmission",
        port: 9091,
        urlBase: "/transmission/",
        username: "homeport",
        passwordFile: "/run/secrets/media-transmission-password",
        categories: { sonarr: "tv", radarr: "movies" },
      },
      rootFolders: { sonarr: ["/data/media/tv"], radarr: ["/data/media/movies"] },
    });
    const planFile = job.spec.files?.find((f) => f.name === "wiring-plan");
    assert.deepEqual(planFile?.path, "/etc/homeport/wiring.json");
    assert.deepEqual(JSON.parse(String(planFile?.content)), job.plan);
    for (const secret of [
      "k-sonarr",
      "k-radarr",
      "k-prowlarr",
      "k-bazarr",
      "p-jellyfin",
      "p-portainer",
      "p-transmission",
    ]) {
      assert.equal(String(planFile?.content).includes(secret), false, secret);
    }
  });

  it("delivers the script, the plan and every credential as secret files to a job", () => {
    const job = wiringJob(ARGS);
    assert.equal(job.spec.image, WIRING_IMAGE);
    assert.match(WIRING_IMAGE, /^python:\d+\.\d+\.\d+-alpine\d+\.\d+$/);
    assert.deepEqual(job.spec.command, ["python3", "/opt/homeport/wire.py"]);
    assert.deepEqual(job.spec.env, {
      WIRING_PLAN: "/etc/homeport/wiring.json",
      PYTHONDONTWRITEBYTECODE: "1",
    });
    assert.deepEqual(job.spec.scheduling, { mode: "job" });
    const script = job.spec.files?.find((f) => f.name === "wiring-script");
    assert.equal(script?.path, "/opt/homeport/wire.py");
    assert.equal(script?.content, WIRING_SCRIPT);
    assert.equal(
      WIRING_SCRIPT,
      readFileSync(join(__dirname, "../../../../components/media/wiring/wire.py"), "utf8"),
    );
    assert.deepEqual(
      job.spec.secrets?.map((s) => [s.name, s.path, pulumi.Output.isInstance(s.value)]),
      [
        ["media-sonarr-api-key", "/run/secrets/media-sonarr-api-key", true],
        ["media-radarr-api-key", "/run/secrets/media-radarr-api-key", true],
        ["media-prowlarr-api-key", "/run/secrets/media-prowlarr-api-key", true],
        ["media-bazarr-api-key", "/run/secrets/media-bazarr-api-key", true],
        ["media-jellyfin-admin-password", "/run/secrets/media-jellyfin-admin-password", true],
        ["media-portainer-admin-password", "/run/secrets/media-portainer-admin-password", true],
        ["media-transmission-password", "/run/secrets/media-transmission-password", true],
      ],
    );
  });

  it("adds the apps' own web login when asked, as one more secret file", () => {
    const job = wiringJob({ ...ARGS, sonarr: { ...ARGS.sonarr!, login: { password: "p-login" } } });
    assert.deepEqual(job.plan.apps.sonarr, {
      url: "http://sonarr:8989",
      apiKeyFile: "/run/secrets/media-sonarr-api-key",
      login: { user: "admin", passwordFile: "/run/secrets/media-sonarr-login-password" },
    });
    assert.ok(job.spec.secrets?.some((s) => s.name === "media-sonarr-login-password"));
  });

  it("uses qBittorrent's port and no urlBase when asked", () => {
    const job = wiringJob({
      ...ARGS,
      downloadClient: { kind: "qbittorrent", host: "qbittorrent", password: "p" },
    });
    assert.deepEqual(job.plan.downloadClient, {
      kind: "qbittorrent",
      name: "qBittorrent",
      host: "qbittorrent",
      port: 8080,
      username: "homeport",
      passwordFile: "/run/secrets/media-qbittorrent-password",
      categories: { sonarr: "tv", radarr: "movies" },
    });
  });

  it("gives Portainer the environment of each target", () => {
    assert.deepEqual(PORTAINER_ENDPOINTS.swarm({ service: "agent" }), [
      { name: "swarm", kind: "agent", url: "tcp://tasks.agent:9001" },
    ]);
    assert.deepEqual(PORTAINER_ENDPOINTS.kubernetes({ service: "agent" }), [
      { name: "kubernetes", kind: "kubernetes-local" },
    ]);
    assert.deepEqual(PORTAINER_ENDPOINTS.nomad({ service: "agent", nodes: ["n1", "n2"] }), [
      { name: "docker-n1", kind: "agent", url: "tcp://n1:9001" },
      { name: "docker-n2", kind: "agent", url: "tcp://n2:9001" },
    ]);
  });

  it("names the setting, the value and the fix for every bad input", () => {
    const cases: [WiringArgs, string][] = [
      [
        { ...ARGS, jackett: { url: "http://jackett:9117", apiKey: "k" } },
        'media.indexer: ["prowlarr","jackett"] enables both indexer managers; choose one with media.indexer ("prowlarr" or "jackett")',
      ],
      [
        { bazarr: ARGS.bazarr },
        'media.apps: ["bazarr"] enables Bazarr without Sonarr or Radarr; enable one of them',
      ],
      [
        { ...ARGS, sonarr: { url: "sonarr:8989", apiKey: "k" } },
        'media.sonarr.url: "sonarr:8989" is not an http(s) base URL; use e.g. http://sonarr:8989',
      ],
      [
        { ...ARGS, categories: { sonarr: "TV Shows" } },
        'media.categories.sonarr: "TV Shows" may hold only a-z and -; use e.g. tv or movies',
      ],
      [
        { ...ARGS, downloadClient: { host: "http://transmission", password: "p" } },
        'media.downloadClient.host: "http://transmission" is not a host name; use the service name, e.g. transmission',
      ],
      [
        {
          ...ARGS,
          prowlarr: undefined,
          jackett: { url: "http://jackett:9117", apiKey: "k", login: { password: "p" } },
        },
        'media.jackett.login: "set" is not supported: Jackett has no user login; it sits behind the proxy\'s basic auth',
      ],
      [
        { ...ARGS, radarr: { ...ARGS.radarr!, login: { user: " admin", password: "p" } } },
        'media.radarr.login.user: " admin" must be a non-empty user name without surrounding spaces',
      ],
      [
        { ...ARGS, healthTimeoutSeconds: 0 },
        "media.wiring.healthTimeoutSeconds: 0 must be a number of seconds above 0",
      ],
      [
        { ...ARGS, portainer: { ...ARGS.portainer!, adminUser: "the admin" } },
        'media.portainer.adminUser: "the admin" must be a user name without whitespace, e.g. admin',
      ],
      [
        { ...ARGS, portainer: { ...ARGS.portainer!, endpoints: [] } },
        "media.portainer.endpoints: [] is empty; give Portainer at least one environment",
      ],
      [
        { ...ARGS, portainer: { ...ARGS.portainer!, endpoints: [{ name: "n1", kind: "agent" }] } },
        "media.portainer.endpoints.n1.url: null is required for an agent, e.g. tcp://tasks.agent:9001",
      ],
    ];
    for (const [args, message] of cases) {
      assert.throws(() => wiringJob(args), new Error(message));
    }
  });
});
