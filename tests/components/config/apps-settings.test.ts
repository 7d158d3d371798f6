import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ConfigError, parseStackConfig } from "../../../components/config/load";
import { apiHost, frontendHost } from "../../../components/config/parts/apps";
import { platformCapabilities } from "../../../components/platforms/create-adapter";
import { checkStack } from "../../../components/stack-args";

const base = { "homeport:target": "swarm", "homeport:domain": "home.example.org" };

/** Problems of the settings, then those that depend on the orchestrator's capabilities. */
function problems(raw: Record<string, string>, secretKeys: string[] = []): readonly string[] {
  try {
    const config = parseStackConfig({ ...base, ...raw }, new Set(secretKeys));
    checkStack(config, platformCapabilities(config));
    return [];
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${String(err)}`);
    return err.problems;
  }
}

const apps = (settings: unknown) => ({ "homeport:apps": JSON.stringify(settings) });
const sizes = (settings: unknown) => ({ "homeport:sizes": JSON.stringify(settings) });

describe("homeport:apps settings", () => {
  it("defaults to pinned images, app./api. hosts, the images bucket and MinIO", () => {
    const config = parseStackConfig(base);
    assert.deepEqual(config.apps, {
      images: {
        backend: "homeport/image-api:0.1.0",
        frontend: "homeport/image-web:0.1.0",
        rabbitmq: "rabbitmq:4.1.4-management",
        minio: "minio/minio:RELEASE.2025-09-07T16-13-09Z",
      },
      hosts: {},
      nodes: {},
      bucket: "images",
      region: "us-east-1",
      volumeSizes: { rabbitmq: "8Gi", minio: "20Gi" },
    });
    assert.equal(frontendHost(config.apps, config.domain), "app.home.example.org");
    assert.equal(apiHost(config.apps, config.domain), "api.home.example.org");
  });

  it("keeps configured hosts and an external S3 whose key is stored as a secret", () => {
    const config = parseStackConfig(
      {
        ...base,
        ...apps({
          hosts: { frontend: "photos.home.example.org", api: "photos-api.home.example.org" },
          s3: { endpoint: "https://s3.example.org", accessKeyId: "homeport", secretAccessKey: "k" },
        }),
      },
      new Set(["homeport:apps"]),
    );
    assert.equal(frontendHost(config.apps, config.domain), "photos.home.example.org");
    assert.equal(apiHost(config.apps, config.domain), "photos-api.home.example.org");
    assert.equal(config.apps.s3?.endpoint, "https://s3.example.org");
  });

  it("rejects an unpinned image", () => {
    assert.deepEqual(problems(apps({ images: { backend: "homeport/image-api:latest" } })), [
      'homeport:apps.images.backend is "homeport/image-api:latest": is not pinned to a version (a tag other than latest, or a digest). Fix: pin a version tag or digest, e.g. homeport/image-api:0.1.0.',
    ]);
    assert.deepEqual(problems(apps({ images: { rabbitmq: "rabbitmq" } })), [
      'homeport:apps.images.rabbitmq is "rabbitmq": is not pinned to a version (a tag other than latest, or a digest). Fix: pin a version tag or digest, e.g. rabbitmq:4.1.4-management.',
    ]);
  });

  it("rejects an API served on the frontend's host, and hosts outside the domain", () => {
    assert.deepEqual(problems(apps({ hosts: { api: "app.home.example.org" } })), [
      `homeport:apps.hosts.api is "app.home.example.org": is the frontend's host too, but the SPA calls the API with path-absolute URLs, so the API needs a host of its own. Fix: use a host name inside homeport:domain other than the frontend's, e.g. api.home.example.org.`,
    ]);
    assert.deepEqual(problems(apps({ hosts: { frontend: "app.other.org" } })), [
      'homeport:apps.hosts.frontend is "app.other.org": is outside homeport:domain "home.example.org". Fix: use a host name inside homeport:domain, e.g. app.home.example.org.',
    ]);
  });

  it("rejects a bad bucket name, region and volume size", () => {
    assert.deepEqual(
      problems(apps({ bucket: "Images_1", region: "", volumeSizes: { minio: "20 GB" } })),
      [
        'homeport:apps.bucket is "Images_1": has the wrong format. Fix: use 3 to 63 lowercase letters, digits, dots or dashes, e.g. images.',
        'homeport:apps.region is "": has the wrong format. Fix: use an S3 region name, e.g. us-east-1.',
        'homeport:apps.volumeSizes.minio is "20 GB": has the wrong format. Fix: write a size such as "20Gi".',
      ],
    );
  });

  it("rejects cluster sizes that lose quorum or cannot form an erasure set", () => {
    assert.deepEqual(problems(sizes({ rabbitmq: 2, minio: 3 })), [
      "homeport:sizes.rabbitmq is 2: makes a two-node cluster, which loses its quorum when either node stops. Fix: set 1 (a single broker) or 3 or more (a cluster with quorum queues).",
      "homeport:sizes.minio is 3: is not a MinIO layout: one server, or distributed over at least 4 (one drive each). Fix: set 1 (a single server) or 4 or more (distributed); with homeport:apps.s3 remove it.",
    ]);
    assert.deepEqual(problems(sizes({ rabbitmq: 0 })), [
      "homeport:sizes.rabbitmq is 0: leaves the backend and worker without a broker. Fix: set 1 (a single broker) or 3 or more (a cluster with quorum queues).",
    ]);
    assert.deepEqual(problems(sizes({ rabbitmq: 3, minio: 4 })), []);
  });

  it("rejects a bad external S3, a MinIO size beside it, and a key stored in plain text", () => {
    const found = problems({
      ...apps({ s3: { endpoint: "ftp://s3", accessKeyId: "k", secretAccessKey: "plain-key" } }),
      ...sizes({ minio: 4 }),
    });
    assert.deepEqual(found, [
      'homeport:apps.s3.endpoint is "ftp://s3": is not an http:// or https:// URL with a host. Fix: use the http(s) URL of the S3 service, e.g. https://s3.example.org.',
      "homeport:sizes.minio is 4: sizes MinIO, which is not deployed when homeport:apps.s3 names an external S3. Fix: set 1 (a single server) or 4 or more (distributed); with homeport:apps.s3 remove it.",
      "homeport:apps.s3.secretAccessKey is stored in plain text. Fix: store it encrypted with: pulumi config set --secret --path homeport:apps.s3.secretAccessKey <value>.",
    ]);
    assert.ok(!found.join("\n").includes("plain-key"), "the key leaked into the error");
  });

  it("pins members to as many nodes as there are members, where volumes are node-local", () => {
    assert.deepEqual(problems(apps({ nodes: { rabbitmq: ["n1", "n2", "n3"] } })), [
      'homeport:apps.nodes.rabbitmq is ["n1","n2","n3"]: lists 3 node(s) for 1 member(s). Fix: list one node host name per RabbitMQ member, e.g. [node-1, node-2, node-3].',
    ]);
    assert.deepEqual(
      problems({
        ...apps({ nodes: { rabbitmq: ["n1", "n2", "n3"], minio: ["n1", "n2", "n3", "n4"] } }),
        "homeport:environment": "production",
      }),
      [],
    );
    assert.deepEqual(
      problems({
        ...apps({ nodes: { minio: ["n1", "n2"] } }),
        "homeport:target": "nomad",
        "homeport:environment": "production",
      }),
      [
        'homeport:apps.nodes.minio is ["n1","n2"]: lists 2 node(s) for 1 member(s) (one on Nomad). Fix: list one node host name per MinIO server, e.g. [node-1, node-2, node-3, node-4].',
      ],
    );
    assert.deepEqual(
      problems({ ...apps({ nodes: { minio: ["n1"] } }), "homeport:target": "kubernetes" }),
      [
        'homeport:apps.nodes.minio is ["n1"]: is not used on Kubernetes, where each member\'s claim keeps its data; remove it. Fix: list one node host name per MinIO server, e.g. [node-1, node-2, node-3, node-4].',
      ],
    );
    assert.deepEqual(problems(apps({ nodes: { rabbitmq: ["bad name"] } })), [
      'homeport:apps.nodes.rabbitmq.0 is "bad name": has the wrong format. Fix: use the node\'s host name as the orchestrator reports it, e.g. node-1.',
    ]);
  });

  it("names unknown settings with the known ones", () => {
    assert.deepEqual(problems(apps({ replicas: 3 })), [
      "homeport:apps.replicas is not a known setting. Fix: remove it or use one of images, hosts, bucket, region, build, s3, broker, nodes, volumeSizes.",
    ]);
  });
});
