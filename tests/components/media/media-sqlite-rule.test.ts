import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { workloadSqliteNotOnNetworkFs } from "../../../policies/rules/workload-sqlite-not-on-network-fs";
import { Recorder, stackConfig, startRecorder, testParent } from "../../helpers/harness";
import { leavesOf, stackViolations, Target, TARGETS } from "../../policies/fixtures";

// The settings refuse a shared /config (tests/components/config/media-settings.test.ts); this
// renders one anyway, bypassing them, to show the policy pack catches it on every target.
let rec: Recorder;

before(async () => {
  rec = await startRecorder("test");
  const { createAdapter } = await import("../../../components/platforms/create-adapter");
  const { MediaChain } = await import("../../../components/media/media-chain");
  const { mediaChainArgs, storagePlan } = await import("../../../components/stack-args");
  const parent = await testParent();
  for (const target of TARGETS) {
    const config = stackConfig({
      target,
      environment: "production",
      domain: "home.example.org",
      parts: ["media"],
      storage: { backend: "nfs", nfs: { server: "nas.lan", path: "/export/homeport" } },
      kubernetes: { storageClasses: { shared: "nfs", block: "rbd" } },
      media: { apps: { portainer: false, bazarr: false, jellyfin: false, radarr: false } },
    });
    const args = mediaChainArgs(config);
    const platform = createAdapter(config, {}, parent);
    // The storage part first, as the Platform builds it (Nomad's CSI volumes wait for it).
    platform.provisionStorage(storagePlan(config)!, { parent });
    new MediaChain(
      `media-${target}`,
      {
        ...args,
        settings: { ...args.settings, configClass: "shared" },
        platform,
      },
      { parent },
    );
  }
  await rec.settle();
});

const EXPECTED: Record<Target, string[]> = {
  swarm: [
    'Swarm service "test-prowlarr" keeps its SQLite database at /config on a network filesystem (nfs): use local or block storage.',
    'Swarm service "test-sonarr" keeps its SQLite database at /config on a network filesystem (nfs): use local or block storage.',
  ],
  kubernetes: [
    'Deployment "prowlarr" keeps its SQLite database at /config on a network filesystem (claim shared-prowlarr-config: ReadWriteMany): use local or block storage.',
    'Deployment "sonarr" keeps its SQLite database at /config on a network filesystem (claim shared-sonarr-config: ReadWriteMany): use local or block storage.',
  ],
  nomad: [
    'Nomad job "prowlarr" keeps its SQLite database at /config on a network filesystem (CSI volume prowlarr-config: multi-node-multi-writer): use local or block storage.',
    'Nomad job "sonarr" keeps its SQLite database at /config on a network filesystem (CSI volume sonarr-config: multi-node-multi-writer): use local or block storage.',
  ],
};

describe("the SQLite rule on a media chain whose /config is shared", () => {
  for (const target of TARGETS)
    it(`reports every SQLite app on ${target}, and nothing else`, () => {
      const found = stackViolations(workloadSqliteNotOnNetworkFs, leavesOf(rec.resources, target));
      assert.deepEqual([...found].sort(), EXPECTED[target]);
    });
});
