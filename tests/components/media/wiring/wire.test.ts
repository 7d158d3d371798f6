// The real wiring script (python3), run against the media apps' contract double (a stand-in for
// Sonarr, Radarr, Prowlarr, Jackett, Bazarr, Jellyfin, Portainer and Transmission's RPC).
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { FIRST_RUN_WRITES, KEYS, leakedSecrets, PASSWORDS, setup, type Setup } from "./wire-script";

type Body = { name?: string; fields?: { name: string; value: unknown }[] } & Record<
  string,
  unknown
>;

function values(body: unknown): Record<string, unknown> {
  return Object.fromEntries(((body as Body).fields ?? []).map((f) => [f.name, f.value]));
}

describe("wiring job against the contract double (stand-in apps), Prowlarr variant", () => {
  let s: Setup;
  before(async () => {
    s = await setup("prowlarr");
  });
  after(async () => s.close());

  it("first run creates everything with the exact payloads", async () => {
    const run = await s.run();
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(s.double.mutations(), FIRST_RUN_WRITES);
    assert.match(run.stdout, /\n15 change\(s\)\n$/);
    assert.deepEqual(leakedSecrets(run), []);
    const urls = s.double.urls;
    const port = s.double.state.transmission.port;

    const [sonarrClient] = s.double.bodies("sonarr", "POST", "/api/v3/downloadclient") as Body[];
    assert.equal(sonarrClient.name, "Transmission");
    assert.equal(sonarrClient.implementation, "Transmission");
    assert.equal(sonarrClient.configContract, "TransmissionSettings");
    assert.equal(sonarrClient.enable, true);
    assert.equal(sonarrClient.protocol, "torrent");
    assert.equal(sonarrClient.priority, 1);
    assert.equal("presets" in sonarrClient, false);
    // What Sonarr/Radarr need to reach Transmission's RPC, identical in both.
    const connection = {
      host: "127.0.0.1",
      port,
      useSsl: false,
      urlBase: "/transmission/",
      username: "homeport",
      password: PASSWORDS.transmission,
      addPaused: false,
    };
    assert.deepEqual(values(sonarrClient), {
      ...connection,
      tvCategory: "tv",
      tvImportedCategory: null,
      recentTvPriority: 0,
      olderTvPriority: 0,
      tvDirectory: null,
    });
    const [radarrClient] = s.double.bodies("radarr", "POST", "/api/v3/downloadclient");
    assert.deepEqual(values(radarrClient), {
      ...connection,
      movieCategory: "movies",
      movieImportedCategory: null,
      recentMoviePriority: 0,
      olderMoviePriority: 0,
      movieDirectory: null,
    });
    assert.deepEqual(s.double.bodies("sonarr", "POST", "/api/v3/rootfolder"), [
      { path: "/data/media/tv" },
    ]);
    assert.deepEqual(s.double.bodies("radarr", "POST", "/api/v3/rootfolder"), [
      { path: "/data/media/movies" },
    ]);

    const apps = s.double.bodies("prowlarr", "POST", "/api/v1/applications") as Body[];
    assert.deepEqual(
      apps.map((a) => [a.name, a.implementation, a.configContract, a.syncLevel]),
      [
        ["Sonarr", "Sonarr", "SonarrSettings", "fullSync"],
        ["Radarr", "Radarr", "RadarrSettings", "fullSync"],
      ],
    );
    assert.deepEqual(values(apps[0]), {
      prowlarrUrl: urls.prowlarr,
      baseUrl: urls.sonarr,
      apiKey: KEYS.sonarr,
      syncCategories: [5000, 5010, 5020, 5030, 5040, 5045, 5050, 5090],
      animeSyncCategories: [5070],
      syncRejectBlocklistedTorrentHashesWhileGrabbing: false,
    });
    assert.deepEqual(values(apps[1]), {
      prowlarrUrl: urls.prowlarr,
      baseUrl: urls.radarr,
      apiKey: KEYS.radarr,
      syncCategories: [2000, 2010, 2020, 2030, 2040, 2045, 2050, 2060, 2070, 2080, 2090],
      syncRejectBlocklistedTorrentHashesWhileGrabbing: false,
    });

    const sonarrPort = new URL(urls.sonarr ?? "").port;
    const radarrPort = new URL(urls.radarr ?? "").port;
    assert.deepEqual(s.double.bodies("bazarr", "POST", "/api/system/settings"), [
      {
        "settings-general-use_sonarr": "true",
        "settings-sonarr-port": sonarrPort,
        "settings-sonarr-apikey": KEYS.sonarr,
        "settings-general-use_radarr": "true",
        "settings-radarr-port": radarrPort,
        "settings-radarr-apikey": KEYS.radarr,
        "settings-auth-type": "form",
        "settings-auth-username": "admin",
        "settings-auth-password": PASSWORDS.login,
      },
    ]);
    assert.deepEqual(s.double.state.bazarr.auth, {
      apikey: KEYS.bazarr,
      type: "form",
      username: "admin",
      password: createHash("md5").update(PASSWORDS.login).digest("hex"),
    });
    // The *arr logins: the resource read back, with forms authentication and the user set.
    const [hostPut] = s.double.bodies("sonarr", "PUT", "/api/v3/config/host/1") as Body[];
    assert.deepEqual(
      [
        hostPut.authenticationMethod,
        hostPut.authenticationRequired,
        hostPut.username,
        hostPut.password,
        hostPut.passwordConfirmation,
        hostPut.apiKey,
        hostPut.port,
      ],
      ["forms", "enabled", "admin", PASSWORDS.login, PASSWORDS.login, KEYS.sonarr, 8989],
    );
    assert.equal(s.double.state.hostConfig.prowlarr.username, "admin");
    assert.deepEqual(s.double.state.bazarr.sonarr, {
      ip: "127.0.0.1",
      port: Number(sonarrPort),
      base_url: "/",
      ssl: false,
      apikey: KEYS.sonarr,
    });

    assert.deepEqual(s.double.state.jellyfin.wizardSteps, [
      "GET /Startup/Configuration",
      "POST /Startup/Configuration",
      "GET /Startup/User",
      "POST /Startup/User",
      "POST /Startup/RemoteAccess",
      "POST /Startup/Complete",
    ]);
    assert.deepEqual(s.double.bodies("jellyfin", "POST", "/Startup/Configuration"), [
      {
        ServerName: "",
        UICulture: "fr-FR",
        MetadataCountryCode: "FR",
        PreferredMetadataLanguage: "fr",
      },
    ]);
    assert.deepEqual(s.double.bodies("jellyfin", "POST", "/Startup/User"), [
      { Name: "admin", Password: PASSWORDS.jellyfin },
    ]);
    const libraries = s.double.received.filter(
      (r) => r.mutated && r.path === "/Library/VirtualFolders",
    );
    assert.deepEqual(
      libraries.map((r) => [r.query, r.body]),
      [
        [
          {
            name: "Shows",
            collectionType: "tvshows",
            paths: "/data/media/tv",
            refreshLibrary: "true",
          },
          { LibraryOptions: { EnableRealtimeMonitor: true } },
        ],
        [
          {
            name: "Movies",
            collectionType: "movies",
            paths: "/data/media/movies",
            refreshLibrary: "true",
          },
          { LibraryOptions: { EnableRealtimeMonitor: true } },
        ],
      ],
    );
    // Library calls after the wizard carry the session token in Jellyfin's header.
    assert.match(
      String(libraries[0].headers.authorization),
      /^MediaBrowser Client="homeport-wiring", Device="wiring-job", DeviceId="homeport-wiring", Version="1", Token="tok/,
    );

    assert.deepEqual(s.double.bodies("portainer", "POST", "/api/users/admin/init"), [
      { Username: "admin", Password: PASSWORDS.portainer },
    ]);
    const [endpoint] = s.double.received.filter((r) => r.mutated && r.path === "/api/endpoints");
    assert.deepEqual(endpoint.body, {
      Name: "swarm",
      EndpointCreationType: "2",
      URL: "tcp://tasks.portainer-agent:9001",
      TLS: "true",
      TLSSkipVerify: "true",
      TLSSkipClientVerify: "true",
    });
    assert.match(String(endpoint.headers.authorization), /^Bearer eyJdouble\./);
    // Every *arr call authenticated with the app's own key.
    for (const r of s.double.received.filter((x) => x.app === "sonarr" && x.path !== "/ping")) {
      assert.equal(r.headers["x-api-key"], KEYS.sonarr);
    }
  });

  it("second run sends no write and reports no change", async () => {
    const seen = s.double.received.length;
    const run = await s.run();
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout.trimEnd().split("\n").at(-1), "no change");
    const calls = s.double.received.slice(seen);
    assert.deepEqual(
      calls.filter((r) => r.mutated),
      [],
    );
    // Reads, the logins, and the apps' own tests of the secrets they hold back ("********").
    assert.deepEqual(
      [
        ...new Set(
          calls.filter((r) => r.method !== "GET").map((r) => `${r.app} ${r.method} ${r.path}`),
        ),
      ],
      [
        "sonarr POST /api/v3/downloadclient/test",
        "radarr POST /api/v3/downloadclient/test",
        "prowlarr POST /api/v1/applications/test",
        "jellyfin POST /Users/AuthenticateByName",
        "portainer POST /api/auth",
      ],
    );
    assert.deepEqual(leakedSecrets(run), []);
  });

  it("corrects drift made by hand, then is quiet again", async () => {
    const state = s.double.state;
    const sonarrClient = state.providers["sonarr/downloadclient"][0];
    sonarrClient.fields.find((f) => f.name === "tvCategory")!.value = "sonarr";
    const radarrClient = state.providers["radarr/downloadclient"][0];
    radarrClient.fields.find((f) => f.name === "password")!.value = "changed-by-hand";
    state.rootFolders.radarr = [];
    const app = state.providers["prowlarr/applications"].find((p) => p.name === "Radarr")!;
    app.syncLevel = "addOnly";
    state.bazarr.sonarr.apikey = "old-key";
    state.jellyfin.folders = state.jellyfin.folders.filter((f) => f.Name !== "Movies");
    state.jellyfin.folders[0].Locations = [];
    state.jellyfin.config.UICulture = "en-US";
    state.portainer.endpoints[0].URL = "tcp://10.0.0.9:9001";
    state.hostConfig.radarr.username = "someone";
    const seen = s.double.received.length;

    const run = await s.run();
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(
      s.double.received
        .slice(seen)
        .filter((r) => r.mutated)
        .map((r) => `${r.app} ${r.method} ${r.path}`),
      [
        "radarr PUT /api/v3/config/host/1",
        `sonarr PUT /api/v3/downloadclient/${sonarrClient.id}`,
        `radarr PUT /api/v3/downloadclient/${radarrClient.id}`,
        "radarr POST /api/v3/rootfolder",
        `prowlarr PUT /api/v1/applications/${app.id}`,
        "bazarr POST /api/system/settings",
        "jellyfin POST /System/Configuration",
        "jellyfin POST /Library/VirtualFolders/Paths",
        "jellyfin POST /Library/VirtualFolders",
        `portainer PUT /api/endpoints/${state.portainer.endpoints[0].Id}`,
      ],
    );
    assert.match(run.stdout, /sonarr: download client 'Transmission' updated \(tvCategory\)/);
    assert.match(
      run.stdout,
      /radarr: download client 'Transmission' updated \(password: the stored value failed the app's test: Username: Authentication failure/,
    );
    assert.match(run.stdout, /prowlarr: application 'Radarr' updated \(syncLevel\)/);
    assert.deepEqual(values(state.providers["sonarr/downloadclient"][0]).tvCategory, "tv");
    assert.equal(
      values(state.providers["radarr/downloadclient"][0]).password,
      PASSWORDS.transmission,
    );
    assert.deepEqual(s.double.bodies("bazarr", "POST", "/api/system/settings").at(-1), {
      "settings-sonarr-apikey": KEYS.sonarr,
    });
    assert.equal(state.jellyfin.config.UICulture, "fr-FR");
    assert.equal(state.hostConfig.radarr.username, "admin");
    assert.deepEqual(s.double.bodies("jellyfin", "POST", "/Library/VirtualFolders/Paths"), [
      { Name: "Shows", PathInfo: { Path: "/data/media/tv" } },
    ]);
    assert.deepEqual(
      s.double.bodies("portainer", "PUT", `/api/endpoints/${state.portainer.endpoints[0].Id}`),
      [{ URL: "tcp://tasks.portainer-agent:9001" }],
    );
    assert.deepEqual(leakedSecrets(run), []);

    const quiet = await s.run();
    assert.equal(quiet.code, 0, quiet.stderr);
    assert.equal(quiet.stdout.trimEnd().split("\n").at(-1), "no change");
  });
});

describe("wiring job switching the download client kind (stand-in apps)", () => {
  let s: Setup;
  before(async () => {
    s = await setup("prowlarr");
  });
  after(async () => s.close());

  it("replaces a same-named client of another kind from the wanted kind's schema", async () => {
    assert.equal((await s.run()).code, 0);
    const client = s.double.state.providers["sonarr/downloadclient"][0];
    const untouched = s.double.state.providers["radarr/downloadclient"][0];
    Object.assign(client, { implementation: "QBittorrent", configContract: "QBittorrentSettings" });
    client.fields = client.fields.filter((f) => f.name !== "urlBase");
    const run = await s.run();
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /sonarr: download client 'Transmission' updated \(implementation\)/);
    const [body] = s.double.bodies(
      "sonarr",
      "PUT",
      `/api/v3/downloadclient/${client.id}`,
    ) as Body[];
    assert.deepEqual(
      [body.id, body.implementation, values(body).urlBase],
      [client.id, "Transmission", "/transmission/"],
    );
    assert.equal(untouched.implementation, "Transmission");
  });
});

describe("wiring job failures against the contract double (stand-in apps)", () => {
  let s: Setup;
  before(async () => {
    s = await setup("prowlarr");
  });
  after(async () => s.close());

  async function fails(run: Awaited<ReturnType<Setup["run"]>>, message: RegExp) {
    assert.equal(run.code, 1, run.stdout + run.stderr);
    assert.match(run.stderr, message);
    assert.doesNotMatch(run.stdout, /no change/);
    assert.deepEqual(leakedSecrets(run), []);
  }

  it("a wrong API key fails with the app's 401", async () => {
    const run = await s.run(undefined, { "media-sonarr-api-key": "0".repeat(32) });
    await fails(
      run,
      /^wiring failed: sonarr: GET \/api\/v3\/config\/host failed with HTTP 401: Unauthorized \(the app refused the API key or credentials\)\n$/,
    );
  });

  it("an unreachable app fails after the health timeout", async () => {
    const args = {
      ...s.args,
      radarr: { url: "http://127.0.0.1:9", apiKey: KEYS.radarr },
      healthTimeoutSeconds: 0.5,
    };
    const run = await s.run(args);
    await fails(
      run,
      /^wiring failed: radarr: not healthy after 0\.5s at http:\/\/127\.0\.0\.1:9\/ping: radarr: GET \/ping: http:\/\/127\.0\.0\.1:9 is unreachable: \[Errno 111\] Connection refused\n$/,
    );
  });

  it("a payload the app refuses fails with its validation message", async () => {
    s.double.state.transmission.password = "what-transmission-really-has";
    try {
      const run = await s.run();
      await fails(
        run,
        /^wiring failed: sonarr: POST \/api\/v3\/downloadclient failed with HTTP 400: Username: Authentication failure \(Please verify your username and password\. Also verify if the host running Sonarr isn't blocked from accessing Transmission by WhiteList limitations in the Transmission configuration\.\)\n$/,
      );
    } finally {
      s.double.state.transmission.password = PASSWORDS.transmission;
    }
  });

  it("a root folder the app cannot see fails with its path message", async () => {
    s.double.state.paths.delete("/data/media/tv");
    try {
      const run = await s.run();
      await fails(
        run,
        /^wiring failed: sonarr: POST \/api\/v3\/rootfolder failed with HTTP 400: Path: Path '\/data\/media\/tv' does not exist\n$/,
      );
    } finally {
      s.double.state.paths.add("/data/media/tv");
    }
  });

  it("Bazarr's refused key fails with Flask's 401 text", async () => {
    const run = await s.run(undefined, { "media-bazarr-api-key": "f".repeat(32) });
    await fails(
      run,
      /^wiring failed: bazarr: GET \/api\/system\/settings failed with HTTP 401: 401 Unauthorized Unauthorized The server could not verify that you are authorized to access the URL requested\. You either supplied the wrong credentials \(e\.g\. a bad password\), or your browser doesn't understand how to supply the credentials required\.\n$/,
    );
  });

  // A new deployment on the /config an earlier one kept: the admin exists with the old password.
  it("Jellyfin set up before, refusing the new admin password, names its kept /config", async () => {
    const wired = await s.run();
    assert.equal(wired.code, 0, wired.stderr);
    assert.equal(s.double.state.jellyfin.completed, true);
    const run = await s.run(undefined, { "media-jellyfin-admin-password": "not-the-password" });
    await fails(
      run,
      /^wiring failed: jellyfin: set up before this deployment, it refuses the administrator 'admin' with this deployment's generated password \(HTTP 401: Invalid username or password entered\.\): jellyfin's \/config was kept from an earlier deployment, whose password went with that stack's state\. Delete the jellyfin-config volume \(its users and settings go with it\) and deploy again\n$/,
    );
    assert.doesNotMatch(run.stderr, /not-the-password/);
  });

  it("Portainer set up before, refusing the new admin password, names its kept /config", async () => {
    const run = await s.run(undefined, {
      "media-portainer-admin-password": "not-the-password-at-all",
    });
    await fails(
      run,
      /^wiring failed: portainer: set up before this deployment, it refuses the administrator 'admin' with this deployment's generated password \(HTTP 422: Invalid credentials: Unauthorized\): portainer's \/config was kept from an earlier deployment, whose password went with that stack's state\. Delete the portainer-config volume \(its users and settings go with it\) and deploy again\n$/,
    );
    assert.doesNotMatch(run.stderr, /not-the-password/);
  });

  it("an agent Portainer cannot reach fails with its message", async () => {
    s.double.state.portainer.endpoints = [];
    s.double.state.portainer.agents.clear();
    const run = await s.run();
    await fails(
      run,
      /^wiring failed: portainer: POST \/api\/endpoints failed with HTTP 500: Unable to get environment type: Get "https:\/\/tasks\.portainer-agent:9001\/ping": dial tcp: connection refused\n$/,
    );
  });
});

describe("wiring job with Jackett against the contract double (stand-in apps)", () => {
  let s: Setup;
  before(async () => {
    s = await setup("jackett");
    s.double.state.jackettIndexers = [
      { id: "1337x", title: "1337x" },
      { id: "nyaasi", title: "Nyaa.si" },
    ];
  });
  after(async () => s.close());

  it("adds one Torznab indexer per configured Jackett indexer to Sonarr and Radarr", async () => {
    const run = await s.run();
    assert.equal(run.code, 0, run.stderr);
    const sonarr = s.double.bodies("sonarr", "POST", "/api/v3/indexer") as Body[];
    const radarr = s.double.bodies("radarr", "POST", "/api/v3/indexer") as Body[];
    assert.deepEqual(
      sonarr.map((b) => b.name),
      ["1337x (Jackett)", "Nyaa.si (Jackett)"],
    );
    assert.deepEqual(
      radarr.map((b) => b.name),
      ["1337x (Jackett)", "Nyaa.si (Jackett)"],
    );
    assert.deepEqual(values(sonarr[1]), {
      baseUrl: `${s.double.urls.jackett}/api/v2.0/indexers/nyaasi/results/torznab/`,
      apiPath: "/api",
      apiKey: KEYS.jackett,
      categories: [5000, 5030, 5040],
      animeCategories: [],
      minimumSeeders: 1,
    });
    assert.deepEqual(values(radarr[0]).categories, [2000, 2030, 2040, 2045]);
    assert.deepEqual(
      [sonarr[0].implementation, sonarr[0].configContract, sonarr[0].enableRss, sonarr[0].priority],
      ["Torznab", "TorznabSettings", true, 25],
    );
    const discovery = s.double.received.find((r) => r.app === "jackett" && r.path.endsWith("/api"));
    assert.deepEqual(discovery?.query, { t: "indexers", configured: "true", apikey: KEYS.jackett });
    assert.deepEqual(leakedSecrets(run), []);
    const again = await s.run();
    assert.equal(again.stdout.trimEnd().split("\n").at(-1), "no change");
  });

  it("a wrong Jackett key fails with Jackett's Torznab error", async () => {
    const run = await s.run(undefined, { "media-jackett-api-key": "e".repeat(32) });
    assert.equal(run.code, 1);
    assert.match(
      run.stderr,
      /^wiring failed: jackett: GET \/api\/v2\.0\/indexers\/all\/results\/torznab\/api failed with HTTP 401: Invalid API Key \(code 100\)\n$/,
    );
    assert.deepEqual(leakedSecrets(run), []);
  });
});

describe("wiring job with qBittorrent against the contract double (stand-in apps)", () => {
  let s: Setup;
  before(async () => {
    s = await setup("prowlarr");
  });
  after(async () => s.close());

  it("adds qBittorrent with the *arr's category and without Transmission's urlBase", async () => {
    const downloadClient = { ...s.args.downloadClient!, kind: "qbittorrent" as const };
    const run = await s.run(
      { ...s.args, downloadClient },
      {
        "media-qbittorrent-password": PASSWORDS.transmission,
      },
    );
    assert.equal(run.code, 0, run.stderr);
    const [body] = s.double.bodies("sonarr", "POST", "/api/v3/downloadclient") as Body[];
    assert.deepEqual(
      [body.name, body.implementation, body.configContract],
      ["qBittorrent", "QBittorrent", "QBittorrentSettings"],
    );
    const fields = values(body);
    assert.deepEqual(
      [
        fields.host,
        fields.port,
        fields.username,
        fields.password,
        fields.tvCategory,
        fields.urlBase,
      ],
      [
        "127.0.0.1",
        s.double.state.transmission.port,
        "homeport",
        PASSWORDS.transmission,
        "tv",
        null,
      ],
    );
    assert.deepEqual(leakedSecrets(run), []);
  });
});
