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

  it("names the images the dev stack runs here: the media part's are none of the overrides", () => {
    const local = overrideImages();
    const { run, built } = stackImages(stackFileForThisMachine("dev"));
    assert.deepEqual(built, []);
    assert.deepEqual(
      run.filter((image) => !local.includes(image)),
      [
        "lscr.io/linuxserver/bazarr:1.5.2",
        "lscr.io/linuxserver/jellyfin:10.10.7",
        "lscr.io/linuxserver/prowlarr:1.37.0",
        "lscr.io/linuxserver/radarr:5.26.2",
        "lscr.io/linuxserver/sonarr:4.0.15",
        "lscr.io/linuxserver/transmission:4.0.6",
        "portainer/agent:2.27.9",
        "portainer/portainer-ce:2.27.9",
        "python:3.13.3-alpine3.22",
      ],
    );
  });

  it("deploys the e2e stack from its own file", () => {
    assert.equal(stackFileForThisMachine("e2e"), path.join(root, "Pulumi.e2e.yaml"));
  });
});
