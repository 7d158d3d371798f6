import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { Recorder, resource, resourcesOfType } from "../../helpers/harness";
import { TOKENS } from "../../helpers/types";
import { renderMedia } from "./render-media";

const JOB = TOKENS.nomadJob;
let rec: Recorder;
let urls: Record<string, string>;

before(async () => {
  ({ rec, urls } = await renderMedia({
    target: "nomad",
    domain: "lab.example.net",
    storage: { backend: "nfs", nfs: { server: "nas.lab.example.net", path: "/export/homeport" } },
    nomad: { address: "http://nomad.lab.example.net:4646" },
    media: { configClass: "local", exportarr: true, diun: { enabled: true } },
  }));
});

type Inputs = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const jobspec = (name: string): Inputs =>
  JSON.parse(resource(rec, JOB, name).inputs.jobspec as string);
const group = (name: string): Inputs => jobspec(name).TaskGroups[0];
const APPS = ["bazarr", "jellyfin", "portainer", "prowlarr", "radarr", "sonarr", "transmission"];

describe("MediaChain on Nomad (local /config, exportarr and Diun on)", () => {
  it("deploys the apps, the agent as a system job, the exporters, Diun and two batch jobs", () => {
    assert.deepEqual(Object.keys(resourcesOfType(rec, JOB)).sort(), [
      "bazarr",
      "bazarr-exporter",
      "diun",
      // The storage part's csi-driver-nfs jobs (storage.nfs.provisioner create).
      "homeport-nfs-controller",
      "homeport-nfs-node",
      "jellyfin",
      "media-init",
      "media-wiring",
      "portainer",
      "portainer-agent",
      "prowlarr",
      "prowlarr-exporter",
      "radarr",
      "radarr-exporter",
      "sonarr",
      "sonarr-exporter",
      "transmission",
    ]);
    for (const app of APPS) assert.equal(group(app).Count, 1, app);
    assert.equal(jobspec("portainer-agent").Type, "system");
    assert.equal(jobspec("media-init").Type, "batch");
    assert.equal(jobspec("media-wiring").Type, "batch");
  });

  it("mounts /config from a host volume and /data from the one multi-writer CSI volume", () => {
    assert.deepEqual(group("sonarr").Volumes, {
      "sonarr-config": {
        Name: "sonarr-config",
        Type: "host",
        Source: "sonarr-sonarr-config",
        ReadOnly: false,
      },
      "media-data": {
        Name: "media-data",
        Type: "csi",
        Source: "media-data",
        ReadOnly: false,
        AccessMode: "multi-node-multi-writer",
        AttachmentMode: "file-system",
      },
    });
    assert.deepEqual(group("prowlarr").Volumes, {
      "prowlarr-config": {
        Name: "prowlarr-config",
        Type: "host",
        Source: "prowlarr-prowlarr-config",
        ReadOnly: false,
      },
    });
  });

  it("checks the apps over HTTP on their unauthenticated endpoints, Transmission over TCP", () => {
    const check = (app: string) => {
      const c = group(app).Services[0].Checks[0];
      return [c.Type, c.Path];
    };
    assert.deepEqual(check("sonarr"), ["http", "/ping"]);
    assert.deepEqual(check("bazarr"), ["http", "/api/system/ping"]);
    assert.deepEqual(check("jellyfin"), ["http", "/health"]);
    assert.deepEqual(check("portainer"), ["http", "/api/system/status"]);
    assert.deepEqual(check("transmission"), ["tcp", undefined]);
  });

  it("reserves the peer port on the node and routes Transmission behind basic auth", () => {
    assert.deepEqual(group("transmission").Networks[0].ReservedPorts, [
      { Label: "peer-tcp", Value: 51413, To: 51413 },
      { Label: "peer-udp", Value: 51413, To: 51413 },
    ]);
    assert.equal(urls["media.transmission"], "https://transmission.lab.example.net/");
    const tags: string[] = group("transmission").Services[0].Tags;
    assert.ok(
      tags.includes("traefik.http.routers.transmission.rule=Host(`transmission.lab.example.net`)"),
    );
    assert.ok(
      tags.includes(
        "traefik.http.routers.transmission.middlewares=transmission-retry,transmission-basic-auth",
      ),
    );
    assert.ok(
      tags.includes(
        "traefik.http.middlewares.transmission-basic-auth.basicauth.removeHeader=false",
      ),
    );
  });

  it("scrapes the exporters, watches the media images with Diun's file provider", () => {
    const exporter = group("sonarr-exporter");
    assert.deepEqual(exporter.Tasks[0].Config.args, ["sonarr"]);
    assert.equal(exporter.Tasks[0].Env.URL, "http://sonarr:8989");
    const diun = group("diun").Tasks[0];
    assert.equal(diun.Env.DIUN_PROVIDERS_FILE_FILENAME, "/etc/diun/images.yml");
    const images = (diun.Templates as Inputs[]).find((t) => t.DestPath === "local/diun-images");
    assert.equal(
      images?.EmbeddedTmpl,
      [
        "- name: lscr.io/linuxserver/bazarr:1.5.2",
        "- name: lscr.io/linuxserver/jellyfin:10.10.7",
        "- name: lscr.io/linuxserver/prowlarr:1.37.0",
        "- name: lscr.io/linuxserver/radarr:5.26.2",
        "- name: lscr.io/linuxserver/sonarr:4.0.15",
        "- name: lscr.io/linuxserver/transmission:4.0.6",
        "- name: portainer/portainer-ce:2.27.9",
        "",
      ].join("\n"),
    );
  });

  it("runs the wiring job after every app, with its credentials only in Nomad Variables", () => {
    const wiring = resource(rec, JOB, "media-wiring");
    for (const app of APPS) assert.ok(wiring.dependsOn.includes(resource(rec, JOB, app).urn), app);
    assert.equal(JSON.stringify(wiring.inputs).includes("rendered-"), false);
    const variable = resource(rec, TOKENS.nomadVariable, "media-wiring-secrets");
    assert.equal(JSON.stringify(variable.inputs).includes("rendered-"), false);
  });
});
