import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import * as yaml from "js-yaml";
import {
  machineOverrides,
  overrideImages,
  stackFileForThisMachine,
  stackImages,
} from "../e2e/lib/stacks";

const root = path.resolve(__dirname, "../..");
const configOf = (file: string) =>
  (yaml.load(fs.readFileSync(file, "utf8")) as { config: Record<string, unknown> }).config;

describe("the e2e suite's stack for this machine (tests/e2e/lib/stacks.ts)", () => {
  it("overrides only the image references and the settings this kernel forces", () => {
    assert.deepEqual(machineOverrides(), {
      "homeport:proxy": { image: "homeport-e2e/traefik:v3.6.7" },
      "homeport:apps": {
        images: {
          backend: "homeport-e2e/image-api:1",
          frontend: "homeport-e2e/image-web:1",
          rabbitmq: "homeport-e2e/rabbitmq:1",
          minio: "homeport-e2e/minio:1",
        },
      },
      "homeport:monitoring": {
        images: {
          prometheus: "homeport-e2e/prometheus:1",
          alertmanager: "homeport-e2e/alertmanager:1",
          nodeExporter: "homeport-e2e/node-exporter:1",
          grafana: "homeport-e2e/grafana-standin:1",
          cadvisor: "homeport-e2e/cadvisor:1",
        },
      },
      "homeport:media": {
        images: {
          prowlarr: "homeport-e2e/prowlarr-standin:1",
          jackett: "homeport-e2e/jackett-standin:1",
          sonarr: "homeport-e2e/sonarr-standin:1",
          radarr: "homeport-e2e/radarr-standin:1",
          bazarr: "homeport-e2e/bazarr-standin:1",
          transmission: "homeport-e2e/transmission:1",
          jellyfin: "homeport-e2e/jellyfin-standin:1",
          portainer: "homeport-e2e/portainer-standin:1",
          portainerAgent: "homeport-e2e/portainer-agent-standin:1",
          wiring: "homeport-e2e/media-wiring:1",
        },
      },
      "homeport:swarm": { endpointMode: "dnsrr", publishMode: "host" },
      "homeport:sizes": { proxy: 1 },
    });
  });

  it("keeps every setting of the dev stack and lays the overrides on top", () => {
    const dev = configOf(path.join(root, "Pulumi.dev.yaml"));
    const derived = configOf(stackFileForThisMachine("dev"));
    const overrides = machineOverrides();
    assert.ok(
      /^https:\/\/.+\.git#[0-9a-f]{40}$/.test(
        String((dev["homeport:apps"] as { build?: { context?: string } }).build?.context),
      ),
      "the dev stack builds its app images from the upstream app at a pinned commit",
    );
    assert.deepEqual(derived, {
      ...dev,
      ...overrides,
      // The git build context cannot be fetched here: the locally built images are used.
      "homeport:apps": overrides["homeport:apps"],
      "homeport:swarm": {
        ...(dev["homeport:swarm"] as object),
        ...(overrides["homeport:swarm"] as object),
      },
    });
  });

  it("names the images the dev stack runs here: every one is an override, built locally", () => {
    const local = overrideImages();
    const { run, built } = stackImages(stackFileForThisMachine("dev"));
    assert.deepEqual(built, []);
    assert.deepEqual(
      run.filter((image) => !local.includes(image)),
      [],
    );
    // Jackett is not the dev stack's indexer; every other override runs.
    assert.deepEqual(
      local.filter((image) => !run.includes(image)),
      ["homeport-e2e/jackett-standin:1"],
    );
  });

  it("deploys the e2e stack from its own file", () => {
    assert.equal(stackFileForThisMachine("e2e"), path.join(root, "Pulumi.e2e.yaml"));
  });
});
