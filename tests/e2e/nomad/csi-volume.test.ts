/**
 * The Nomad CSI volume resource (components/platforms/nomad/nomad-csi-volume.ts) against the
 * stand-in for Nomad's HTTP API (./nomad-double.ts, its CSI endpoints shaped after the MPL
 * github.com/hashicorp/nomad api/csi.go; no Nomad agent runs): the Nomad example's media library
 * (the media part's shared volume) on the NFS plugin, a Ceph RBD volume with its key, waiting for a healthy plugin, diffs without
 * secrets, and destroy deregistering only (the data stays in the storage provider).
 */
import assert from "node:assert/strict";
import * as path from "node:path";
import { after, before, beforeEach, describe, it, TestContext } from "node:test";
import {
  nomadCsiVolumeProvider as provider,
  volumeWithoutSecrets,
} from "../../../components/platforms/nomad/nomad-csi-volume";
import { renderCsiVolume } from "../../../components/storage/nomad-csi";
import { ROOT } from "../lib/pulumi";
import { enginePath, ensureEngines, renderStackFile } from "./engines";
import { NomadDouble } from "./nomad-double";

const STACK_FILE = path.join(ROOT, "Pulumi.nomad-example.yaml");
const VOLUME_TYPE = "pulumi-nodejs:dynamic/nomad:CsiVolume";

interface Inputs {
  call: string;
  address: string;
  region?: string;
  namespace?: string;
  pluginTimeoutMs?: number;
}

const state: { blocked?: string; double?: NomadDouble; media?: Inputs } = {};
const at = (inputs: Inputs): Inputs => ({ ...inputs, address: state.double!.address });
const HEALTHY = { ControllerRequired: true, ControllersHealthy: 1, NodesHealthy: 3 };

/** A Ceph RBD volume with a key, as the storage part renders one for Nomad. */
const rbd = (key: string, pool = "homeport-block"): Inputs =>
  at({
    call: JSON.stringify(
      renderCsiVolume({
        id: "prometheus-data[0]",
        namespace: "homeport",
        volumeClass: "block",
        source: { driver: "rbd", clusterId: "fsid-1", pool },
        mode: "create",
        cephUser: { id: "homeport", key },
      }),
    ),
    address: "",
    region: "global",
    namespace: "homeport",
  });

function ready(t: TestContext): boolean {
  if (state.blocked) t.skip(state.blocked);
  return !state.blocked;
}

describe("e2e: Nomad CSI volume resource against a stand-in for Nomad's HTTP API", () => {
  before(async () => {
    state.blocked = await ensureEngines(["nomad-jobcheck"]);
    if (state.blocked) return;
    state.double = new NomadDouble(await enginePath("nomad-jobcheck"));
    await state.double.start();
    const rendered = await renderStackFile(STACK_FILE);
    const volumes = rendered.resources.filter((r) => r.type === VOLUME_TYPE);
    assert.deepEqual(
      volumes.map((r) => r.name),
      ["csi-media-data"],
    );
    state.media = at(volumes[0].inputs as unknown as Inputs);
  });
  after(async () => state.double?.stop());
  beforeEach(() => {
    if (!state.double) return;
    state.double.plugins = {};
    state.double.volumes.clear();
    state.double.calls.length = 0;
  });

  it("waits for the plugin, then has its controller create the example's media library", async (t) => {
    if (!ready(t)) return;
    const double = state.double!;
    // The plugin jobs come up while the resource waits.
    setTimeout(() => (double.plugins["homeport-nfs"] = HEALTHY), 300);
    const { id, outs } = await provider.create!(state.media!);
    assert.equal(id, "media-data");
    assert.equal(outs.volumeId, "media-data");
    const writes = double.calls.filter((c) => c.method === "PUT");
    assert.deepEqual(
      writes.map((c) => [c.path, c.query.namespace]),
      [["/v1/volume/csi/media-data/create", "homeport"]],
    );
    const stored = double.volumes.get("homeport/media-data")!;
    assert.deepEqual(stored.Parameters, {
      server: "nas.lab.example.net",
      share: "/export/homeport",
      subDir: "media-data",
      onDelete: "retain",
    });
    assert.deepEqual(stored.RequestedCapabilities, [
      { AccessMode: "multi-node-multi-writer", AttachmentMode: "file-system" },
    ]);
    assert.ok(double.calls.some((c) => c.path === "/v1/plugin/csi/homeport-nfs"));
  });

  it("reads a registered volume, and reports one deleted behind its back as gone", async (t) => {
    if (!ready(t)) return;
    state.double!.plugins["homeport-nfs"] = HEALTHY;
    await provider.create!(state.media!);
    assert.deepEqual(await provider.read!("media-data", state.media!), {
      id: "media-data",
      props: state.media,
    });
    state.double!.volumes.clear();
    assert.deepEqual(await provider.read!("media-data", state.media!), {});
  });

  it("fails with the plugin's state when it never becomes healthy", async (t) => {
    if (!ready(t)) return;
    await assert.rejects(provider.create!({ ...state.media!, pluginTimeoutMs: 100 }), {
      message:
        'CSI plugin "homeport-nfs" is not ready: it is not registered (its plugin jobs have not started). Check its jobs with: nomad plugin status homeport-nfs',
    });
    state.double!.plugins["homeport-nfs"] = { ...HEALTHY, ControllersHealthy: 0 };
    await assert.rejects(provider.create!({ ...state.media!, pluginTimeoutMs: 100 }), {
      message:
        'CSI plugin "homeport-nfs" is not ready: no controller plugin is healthy. Check its jobs with: nomad plugin status homeport-nfs',
    });
    assert.equal(state.double!.volumes.size, 0);
  });

  it("passes on Nomad's refusal, as the agent words it", async (t) => {
    if (!ready(t)) return;
    // A plugin that does not say it needs a controller, but has none: the create is refused.
    state.double!.plugins["homeport-nfs"] = {
      ControllerRequired: false,
      ControllersHealthy: 0,
      NodesHealthy: 1,
    };
    await assert.rejects(provider.create!(state.media!), {
      message:
        'Nomad refused to write CSI volume "media-data" (500): plugin homeport-nfs has no healthy controllers',
    });
  });

  it("keeps the Ceph key out of what Nomad shows and out of the diff", async (t) => {
    if (!ready(t)) return;
    state.double!.plugins["homeport-rbd"] = HEALTHY;
    const inputs = rbd("AQBkey1==");
    await provider.create!(inputs);
    const path = "/v1/volume/csi/prometheus-data%5B0%5D";
    const stored = state.double!.volumes.get("homeport/prometheus-data[0]")!;
    assert.deepEqual(stored.Secrets, { userID: "homeport", userKey: "AQBkey1==" });
    const shown = await fetch(`${state.double!.address}${path}?namespace=homeport`);
    assert.deepEqual(((await shown.json()) as { Secrets: unknown }).Secrets, {
      userID: "[REDACTED]",
      userKey: "[REDACTED]",
    });
    assert.doesNotMatch(volumeWithoutSecrets(inputs.call), /AQBkey1/);
    // A new key alone: written again in place. Another pool: a new volume.
    assert.deepEqual(await provider.diff!("prometheus-data[0]", inputs, rbd("AQBkey2==")), {
      changes: true,
      replaces: [],
      deleteBeforeReplace: true,
    });
    assert.deepEqual(await provider.diff!("prometheus-data[0]", inputs, rbd("AQBkey1==")), {
      changes: false,
      replaces: [],
      deleteBeforeReplace: true,
    });
    assert.deepEqual(
      await provider.diff!("prometheus-data[0]", inputs, rbd("AQBkey1==", "other-pool")),
      { changes: true, replaces: ["call"], deleteBeforeReplace: true },
    );
  });

  it("destroy deregisters only: the storage provider keeps the data", async (t) => {
    if (!ready(t)) return;
    state.double!.plugins["homeport-nfs"] = HEALTHY;
    await provider.create!(state.media!);
    await provider.delete!("media-data", state.media!);
    const deletes = state.double!.calls.filter((c) => c.method === "DELETE");
    assert.deepEqual(
      deletes.map((c) => [c.path, c.query.force]),
      [["/v1/volume/csi/media-data", "false"]],
    );
    assert.equal(state.double!.volumes.size, 0);
    assert.ok(!state.double!.calls.some((c) => c.path.endsWith("/delete")));
    // The stand-in answers the deregistration of an unknown volume with an error: it is passed on.
    await assert.rejects(
      provider.delete!("media-data", state.media!),
      /volume not found: media-data/,
    );
  });

  it("registers an existing NFS directory with its external ID", async (t) => {
    if (!ready(t)) return;
    state.double!.plugins["homeport-nfs"] = HEALTHY;
    const call = renderCsiVolume({
      id: "media",
      namespace: "homeport",
      volumeClass: "shared",
      source: { driver: "nfs", server: "nas", share: "/export", subDir: "media" },
      mode: "register",
    });
    await provider.create!(at({ call: JSON.stringify(call), address: "", namespace: "homeport" }));
    assert.equal(state.double!.calls.find((c) => c.method === "PUT")!.path, "/v1/volume/csi/media");
    assert.equal(state.double!.volumes.get("homeport/media")!.ExternalID, "nas#/export#media");
  });
});
