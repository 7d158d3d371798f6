import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { Recorder, resource, resourcesOfType } from "../../helpers/harness";
import { TOKENS } from "../../helpers/types";
import { renderMedia } from "./render-media";

const STATEFULSET = TOKENS.statefulSet;
let rec: Recorder;
let urls: Record<string, string>;

before(async () => {
  ({ rec, urls } = await renderMedia({
    target: "kubernetes",
    domain: "home.example.org",
    storage: { backend: "ceph", ceph: { monitors: ["10.0.10.11:6789"] } },
    kubernetes: { storageClasses: { local: "local-path", shared: "cephfs", block: "ceph-rbd" } },
    media: { indexer: "jackett", downloadClient: "qbittorrent", apps: { bazarr: false } },
  }));
});

type Inputs = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const set = (name: string): Inputs => resource(rec, STATEFULSET, name).inputs as Inputs;
const container = (name: string): Inputs => set(name).spec.template.spec.containers[0];
const APPS = ["jackett", "jellyfin", "portainer", "qbittorrent", "radarr", "sonarr"];

describe("MediaChain on Kubernetes (Jackett, qBittorrent, no Bazarr)", () => {
  it("deploys one StatefulSet per enabled app, no Portainer agent, and two Jobs", () => {
    assert.deepEqual(Object.keys(resourcesOfType(rec, STATEFULSET)).sort(), APPS);
    for (const app of APPS) assert.equal(set(app).spec.replicas, 1, app);
    assert.equal(Object.keys(resourcesOfType(rec, TOKENS.daemonSet)).length, 0);
    assert.deepEqual(Object.keys(resourcesOfType(rec, TOKENS.job)).sort(), [
      "media-init",
      "media-wiring",
    ]);
  });

  it("puts /config on a ReadWriteOnce block claim and /data on the one shared RWX claim", () => {
    const templates = set("sonarr").spec.volumeClaimTemplates as Inputs[];
    assert.deepEqual(
      templates.map((t) => [t.metadata.name, t.spec.accessModes, t.spec.storageClassName]),
      [["vol-sonarr-config", ["ReadWriteOnce"], "ceph-rbd"]],
    );
    assert.deepEqual(set("sonarr").spec.template.spec.volumes, [
      { name: "vol-media-data", persistentVolumeClaim: { claimName: "shared-media-data" } },
    ]);
    const claim = resource(rec, TOKENS.claim, "shared-media-data").inputs as Inputs;
    assert.deepEqual(
      [claim.spec.accessModes, claim.spec.storageClassName, claim.spec.resources.requests.storage],
      [["ReadWriteMany"], "cephfs", "500Gi"],
    );
    // Jackett reads no media: no shared claim, only its secret and seed files.
    assert.deepEqual(
      (set("jackett").spec.template.spec.volumes as Inputs[]).filter(
        (v) => v.persistentVolumeClaim,
      ),
      [],
    );
  });

  it("pre-seeds API keys from Secrets, and seeds Jackett's and qBittorrent's config files", () => {
    const env = Object.fromEntries(
      (container("sonarr").env as Inputs[]).map((e) => [e.name, e.value ?? e.valueFrom]),
    );
    assert.deepEqual(env, {
      PGID: "1000",
      PUID: "1000",
      TZ: "Etc/UTC",
      UMASK: "002",
      SONARR__AUTH__APIKEY: { secretKeyRef: { key: "sonarr-api-key", name: "sonarr-secrets" } },
    });
    const mountPaths = (app: string) =>
      (container(app).volumeMounts as Inputs[]).map((m) => m.mountPath).sort();
    assert.deepEqual(mountPaths("jackett"), [
      "/config",
      "/custom-cont-init.d/50-jackett-config",
      "/run/secrets/jackett-config",
    ]);
    assert.deepEqual(mountPaths("qbittorrent"), [
      "/config",
      "/custom-cont-init.d/50-qbittorrent-config",
      "/data",
      "/run/secrets/qbittorrent-config",
    ]);
    for (const r of Object.values(resourcesOfType(rec, TOKENS.secret)))
      assert.equal(JSON.stringify(r.inputs).includes("rendered-"), false, r.name);
  });

  it("routes with TLS through Ingresses; basic auth in front of Jackett only", () => {
    const ingress = (app: string) =>
      resource(rec, TOKENS.ingress, `${app}-ingress`).inputs as Inputs;
    for (const app of APPS) {
      assert.equal(ingress(app).spec.rules[0].host, `${app}.home.example.org`, app);
      assert.deepEqual(ingress(app).spec.tls[0].hosts, [`${app}.home.example.org`], app);
      assert.equal(urls[`media.${app}`], `https://${app}.home.example.org/`, app);
    }
    assert.deepEqual(
      Object.keys(resourcesOfType(rec, "kubernetes:traefik.io/v1alpha1:Middleware")).sort(),
      ["jackett-jackett-basic-auth"],
    );
  });

  it("wires Portainer to the cluster it runs in, and runs the job after every app", () => {
    const wiring = resource(rec, TOKENS.job, "media-wiring");
    for (const app of APPS)
      assert.ok(wiring.dependsOn.includes(resource(rec, STATEFULSET, app).urn), app);
    const files = resource(rec, TOKENS.configMap, "media-wiring-files").inputs as Inputs;
    const plan = JSON.parse(
      Object.values(files.data as Record<string, string>).find((v) =>
        v.includes("healthTimeoutSeconds"),
      ) as string,
    );
    assert.deepEqual(plan.apps.portainer.endpoints, [
      { name: "cluster", kind: "kubernetes-local" },
    ]);
    assert.deepEqual(Object.keys(plan.apps).sort(), [
      "jackett",
      "jellyfin",
      "portainer",
      "radarr",
      "sonarr",
    ]);
    assert.deepEqual(
      [plan.downloadClient.kind, plan.downloadClient.host, plan.downloadClient.port],
      ["qbittorrent", "qbittorrent", 8080],
    );
  });

  it("exposes the peer port through a LoadBalancer Service exempted with its reason", () => {
    const svc = resource(rec, TOKENS.service, "qbittorrent-public").inputs as Inputs;
    assert.equal(svc.spec.type, "LoadBalancer");
    assert.equal(
      svc.metadata.annotations["policy.homeport.dev/exempt.service-no-external-exposure"],
      "qbittorrent's BitTorrent peer port is reachable from outside; its web UI is routed through the proxy only",
    );
  });
});
