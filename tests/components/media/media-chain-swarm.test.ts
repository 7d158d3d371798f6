import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { Recorder, resource, resourcesOfType } from "../../helpers/harness";
import { TOKENS } from "../../helpers/types";
import { renderMedia } from "./render-media";

const SERVICE = TOKENS.swarmService;
let rec: Recorder;
let urls: Record<string, string>;

before(async () => {
  ({ rec, urls } = await renderMedia({
    target: "swarm",
    domain: "home.example.org",
    storage: { backend: "nfs", nfs: { server: "nas.lan", path: "/export/homeport" } },
    media: { puid: 1001, pgid: 1002, tz: "Europe/Paris" },
  }));
});

type Inputs = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const service = (name: string): Inputs => resource(rec, SERVICE, name).inputs as Inputs;
const spec = (name: string): Inputs => service(name).taskSpec.containerSpec;
const labels = (name: string): Record<string, unknown> =>
  Object.fromEntries(
    (service(name).labels as { label: string; value: unknown }[]).map((l) => [l.label, l.value]),
  );
const mounts = (name: string) =>
  (spec(name).mounts as Inputs[]).map((m) => [m.target, m.source, m.type]);
const APPS = ["bazarr", "jellyfin", "portainer", "prowlarr", "radarr", "sonarr", "transmission"];
const BASE_ENV = { PGID: "1002", PUID: "1001", TZ: "Europe/Paris", UMASK: "002" };

describe("MediaChain on Swarm (production, NFS)", () => {
  it("deploys each default app once, the Portainer agent on every node, and two jobs", () => {
    assert.deepEqual(Object.keys(resourcesOfType(rec, SERVICE)).sort(), [
      ...APPS.slice(0, 3),
      "portainer-agent",
      ...APPS.slice(3),
    ]);
    assert.deepEqual(Object.keys(resourcesOfType(rec, TOKENS.dockerContainer)).sort(), [
      "media-init",
      "media-wiring",
    ]);
    for (const app of APPS) {
      assert.deepEqual(service(app).mode, { replicated: { replicas: 1 } }, app);
      assert.equal(labels(app)["homeport.dev/scheduling"], "singleton", app);
    }
    assert.deepEqual(service("portainer-agent").mode, { global: true });
    assert.equal(
      labels("sonarr")["homeport.dev/singleton-reason"],
      "sonarr keeps its SQLite database under /config, which one process may write at a time",
    );
  });

  it("gives every app its own /config volume and the data apps the one shared /data on NFS", () => {
    assert.deepEqual(mounts("sonarr"), [
      ["/config", "test-sonarr-sonarr-config", "volume"],
      ["/data", "test-media-data", "volume"],
    ]);
    assert.deepEqual(mounts("prowlarr"), [["/config", "test-prowlarr-prowlarr-config", "volume"]]);
    assert.deepEqual(mounts("portainer"), [["/data", "test-portainer-portainer-config", "volume"]]);
    for (const app of ["radarr", "bazarr", "transmission", "jellyfin"])
      assert.deepEqual(mounts(app)[1], ["/data", "test-media-data", "volume"], app);
    const data = (spec("sonarr").mounts as Inputs[])[1].volumeOptions.driverOptions;
    assert.deepEqual(data, {
      device: ":/export/homeport/media-data",
      o: "addr=nas.lan,nfsvers=4.1,rw,noatime",
      type: "nfs",
    });
    // /config is a plain node volume (block on Swarm): no network driver option.
    assert.equal((spec("sonarr").mounts as Inputs[])[0].volumeOptions.driverOptions, undefined);
    for (const app of ["sonarr", "radarr", "prowlarr", "bazarr", "jellyfin"])
      assert.equal(labels(app)["homeport.dev/storage-engine"], "sqlite", app);
    assert.equal(labels("transmission")["homeport.dev/storage-engine"], undefined);
  });

  it("pre-seeds the API keys as secret files read through LinuxServer's FILE__ variables", () => {
    assert.deepEqual(spec("sonarr").env, {
      ...BASE_ENV,
      FILE__SONARR__AUTH__APIKEY: "/run/secrets/sonarr-api-key",
    });
    assert.deepEqual(spec("radarr").env, {
      ...BASE_ENV,
      FILE__RADARR__AUTH__APIKEY: "/run/secrets/radarr-api-key",
    });
    assert.deepEqual(spec("prowlarr").env, {
      ...BASE_ENV,
      FILE__PROWLARR__AUTH__APIKEY: "/run/secrets/prowlarr-api-key",
    });
    assert.deepEqual(
      (spec("bazarr").secrets as Inputs[]).map((s) => s.fileName),
      ["/run/secrets/bazarr-config"],
    );
    assert.deepEqual(
      (spec("transmission").secrets as Inputs[]).map((s) => s.fileName),
      ["/run/secrets/transmission-settings"],
    );
    assert.deepEqual(Object.keys(resourcesOfType(rec, TOKENS.swarmSecret)).sort(), [
      "bazarr-bazarr-config",
      "prowlarr-prowlarr-api-key",
      "radarr-radarr-api-key",
      "sonarr-sonarr-api-key",
      "transmission-transmission-settings",
    ]);
    // The wiring job (a container) gets its credentials as uploaded files, masked like secrets.
    const uploads = resource(rec, TOKENS.dockerContainer, "media-wiring").inputs
      .uploads as Inputs[];
    assert.deepEqual(
      uploads.filter((u) => u.file.startsWith("/run/secrets/")).map((u) => [u.file, u.content]),
      [
        "sonarr-api-key",
        "sonarr-login-password",
        "radarr-api-key",
        "radarr-login-password",
        "prowlarr-api-key",
        "prowlarr-login-password",
        "bazarr-api-key",
        "bazarr-login-password",
        "jellyfin-admin-password",
        "portainer-admin-password",
        "transmission-password",
      ].map((name) => [`/run/secrets/media-${name}`, "[secret]"]),
    );
    const plan = JSON.parse(
      uploads.find((u) => u.file === "/etc/homeport/wiring.json")?.content as string,
    );
    assert.deepEqual(plan.apps.portainer.endpoints, [
      { name: "docker", kind: "agent", url: "tcp://portainer-agent:9001" },
    ]);
    assert.deepEqual(plan.downloadClient.host, "transmission");
    assert.deepEqual(plan.rootFolders, {
      sonarr: ["/data/media/tv"],
      radarr: ["/data/media/movies"],
    });
    for (const r of Object.values(resourcesOfType(rec, TOKENS.swarmSecret)))
      assert.equal(r.inputs.data, "[secret]", r.name);
  });

  it("routes <app>.<domain> over TLS, with the proxy's basic auth on Transmission only", () => {
    for (const app of APPS) {
      assert.equal(
        labels(app)[`traefik.http.routers.${app}.rule`],
        `Host(\`${app}.home.example.org\`)`,
      );
      assert.equal(labels(app)[`traefik.http.routers.${app}.tls`], "true");
      assert.equal(labels(app)[`traefik.http.routers.${app}.tls.certresolver`], "acme");
    }
    assert.equal(
      labels("transmission")["traefik.http.routers.transmission.middlewares"],
      "transmission-retry,transmission-basic-auth",
    );
    // Transmission checks the same login: the header goes through.
    assert.equal(
      labels("transmission")[
        "traefik.http.middlewares.transmission-basic-auth.basicauth.removeHeader"
      ],
      "false",
    );
    assert.equal(labels("sonarr")["traefik.http.routers.sonarr.middlewares"], "sonarr-retry");
    assert.deepEqual(urls["media.sonarr"], "https://sonarr.home.example.org/");
  });

  it("checks each app on its unauthenticated endpoint, Transmission on its RPC port", () => {
    const check = (app: string) => (spec(app).healthcheck as Inputs).tests.join(" ");
    assert.equal(check("sonarr"), "CMD curl -fsS -o /dev/null http://127.0.0.1:8989/ping");
    assert.equal(check("radarr"), "CMD curl -fsS -o /dev/null http://127.0.0.1:7878/ping");
    assert.equal(check("prowlarr"), "CMD curl -fsS -o /dev/null http://127.0.0.1:9696/ping");
    assert.equal(
      check("bazarr"),
      "CMD curl -fsS -o /dev/null http://127.0.0.1:6767/api/system/ping",
    );
    assert.equal(check("jellyfin"), "CMD curl -fsS -o /dev/null http://127.0.0.1:8096/health");
    assert.equal(
      check("portainer"),
      "CMD curl -fsS -o /dev/null http://127.0.0.1:9000/api/system/status",
    );
    assert.match(check("transmission"), /9091/);
  });

  it("publishes the torrent peer port on the nodes, TCP and UDP", () => {
    assert.deepEqual(
      (service("transmission").endpointSpec.ports as Inputs[]).map((p) => [
        p.protocol,
        p.publishedPort,
        p.targetPort,
      ]),
      [
        ["tcp", 51413, 51413],
        ["udp", 51413, 51413],
      ],
    );
  });

  it("replaces a job's container by removing the old one first: both have the job's name", () => {
    const jobs = resourcesOfType(rec, TOKENS.dockerContainer);
    assert.deepEqual(
      Object.entries(jobs).map(([n, r]) => [n, r.inputs.name, r.deleteBeforeReplace]),
      [
        ["media-init", "test-media-init", true],
        ["media-wiring", "test-media-wiring", true],
      ],
    );
  });

  it("creates /data's layout first, then the apps, then runs the wiring job after all of them", () => {
    const init = resource(rec, TOKENS.dockerContainer, "media-init");
    assert.deepEqual(init.inputs.entrypoints, ["sh", "/opt/homeport/init-data.sh"]);
    assert.deepEqual([...(init.inputs.envs as string[])].sort(), [
      "DATA_GID=1002",
      "DATA_ROOT=/data",
      "DATA_UID=1001",
    ]);
    const initUrn = init.urn;
    for (const app of APPS)
      assert.ok(resource(rec, SERVICE, app).dependsOn.includes(initUrn), `${app} after init`);
    const wiring = resource(rec, TOKENS.dockerContainer, "media-wiring");
    for (const app of APPS)
      assert.ok(wiring.dependsOn.includes(resource(rec, SERVICE, app).urn), `wiring after ${app}`);
    assert.deepEqual(wiring.inputs.entrypoints, ["python3", "/opt/homeport/wire.py"]);
  });
});
