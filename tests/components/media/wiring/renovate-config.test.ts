// renovate.json's regex manager, applied the way Renovate applies it (each matchString as a global
// regular expression over each file the managerFilePatterns select), to fixtures and to the tree.
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, it } from "node:test";
import { WIRING_IMAGE } from "../../../../components/media/wiring/wiring-job";

const ROOT = join(__dirname, "../../../..");
const config = JSON.parse(readFileSync(join(ROOT, "renovate.json"), "utf8")) as {
  customManagers: {
    managerFilePatterns: string[];
    matchStrings: string[];
    datasourceTemplate: string;
  }[];
};
const [manager] = config.customManagers;
const fileRegex = new RegExp(manager.managerFilePatterns[0].slice(1, -1));
const matchRegex = () => new RegExp(manager.matchStrings[0], "g");

function deps(text: string): string[] {
  return [...text.matchAll(matchRegex())].map((m) => {
    const g = m.groups ?? {};
    return `${g.depName}:${g.currentValue}${g.currentDigest ? `@${g.currentDigest}` : ""}`;
  });
}

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const full = join(dir, entry);
    return statSync(full).isDirectory() ? files(full) : [relative(ROOT, full)];
  });
}

describe("renovate.json regex manager", () => {
  it("finds image constants and image-table entries, with registries, ports and digests", () => {
    const digest = "sha256:" + "a".repeat(64);
    const text = [
      `export const WIRING_IMAGE = "python:3.13.3-alpine3.22";`,
      `export const TRAEFIK_IMAGE = "traefik:v3.6.7";`,
      `  sonarr: "lscr.io/linuxserver/sonarr:4.0.19",`,
      `  cadvisor: "gcr.io/cadvisor/cadvisor:v0.52.1",`,
      `  local: "registry.local:5000/team/app:1.2.3@${digest}",`,
    ].join("\n");
    assert.deepEqual(deps(text), [
      "python:3.13.3-alpine3.22",
      "traefik:v3.6.7",
      "lscr.io/linuxserver/sonarr:4.0.19",
      "gcr.io/cadvisor/cadvisor:v0.52.1",
      `registry.local:5000/team/app:1.2.3@${digest}`,
    ]);
    assert.equal(manager.datasourceTemplate, "docker");
  });

  it("ignores user ids, ports and URLs that also look like name:value", () => {
    const text = [
      `security: { user: "65534:65534" },`,
      `user: onSwarm ? "65534:1000" : "65534:65534",`,
      `url: "http://sonarr:8989",`,
      `listen: ":9090",`,
      `record: "homeport:container_memory_limit_ratio",`,
    ].join("\n");
    assert.deepEqual(deps(text), []);
  });

  it("covers the sources' pinned images and matches nothing else there", () => {
    const sources = files(join(ROOT, "components")).filter((f) => fileRegex.test(f));
    assert.ok(sources.includes("components/media/wiring/wiring-job.ts"));
    const found = sources.flatMap((f) => deps(readFileSync(join(ROOT, f), "utf8")));
    assert.ok(found.includes(WIRING_IMAGE), found.join(", "));
    for (const dep of found) {
      // An image reference: a lowercase repository path and a tag that is not a bare number pair.
      assert.match(
        dep,
        /^[a-z][a-z0-9.-]*(:\d+)?(\/[a-z0-9._-]+)*:[A-Za-z0-9][\w.-]*(@sha256:[a-f0-9]{64})?$/,
      );
    }
  });
});
