import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isPinnedImage, replicaCount, resolveWorkload } from "../../../components/model/resolve";
import { checkDigest } from "../../../components/model/metadata";
import { seconds } from "../../../components/model/units";
import { webWorkload } from "../../helpers/workloads";

describe("resolveWorkload", () => {
  it("applies the model's defaults", () => {
    const w = resolveWorkload("api", "apps", {
      image: "example/api:1.0.0",
      ports: [{ name: "http", port: 80 }],
    });
    assert.deepEqual(w.scheduling, { mode: "replicated", replicas: 2 });
    assert.equal(replicaCount(w), 2);
    assert.deepEqual(w.update, {
      order: "start-first",
      parallelism: 1,
      delay: seconds(5),
      monitor: seconds(10),
      autoRollback: true,
    });
    assert.deepEqual(w.resources.requests, {
      cpu: { kind: "cpu", millicores: 50 },
      memory: { kind: "memory", bytes: 64 * 1024 ** 2 },
    });
    assert.deepEqual(w.resources.limits, { memory: { kind: "memory", bytes: 256 * 1024 ** 2 } });
    assert.equal(w.state, "stateless");
    assert.deepEqual(w.security, {
      privileged: false,
      capAdd: [],
      dropAllCapabilities: true,
      readOnlyRootFilesystem: true,
      user: undefined,
      runAsNonRoot: true,
      dockerSocket: false,
      hostNetwork: false,
      discovery: false,
      servesRoutes: false,
    });
    assert.equal(w.priority, "normal");
    assert.equal(w.ports[0].protocol, "tcp");
    assert.deepEqual(w.metadata, {
      "homeport.dev/workload": "api",
      "homeport.dev/part": "apps",
      "homeport.dev/state": "stateless",
      "homeport.dev/scheduling": "replicated",
    });
  });

  it("keeps a replica count of 0 (defaults use ??, not ||)", () => {
    const w = resolveWorkload("api", "apps", {
      image: "example/api:1.0.0",
      scheduling: { mode: "replicated", replicas: 0 },
    });
    assert.equal(replicaCount(w), 0);
  });

  it("records a singleton's reason as an exemption from the replica rule", () => {
    const w = resolveWorkload("db", "apps", {
      image: "example/db:16",
      scheduling: { mode: "singleton", reason: "single writer" },
    });
    assert.deepEqual(w.exemptions, [{ rule: "workload-min-replicas", reason: "single writer" }]);
    assert.equal(w.metadata["policy.homeport.dev/exempt.workload-min-replicas"], "single writer");
    assert.equal(w.metadata["homeport.dev/singleton-reason"], "single writer");
  });

  it("derives the secret file path and its _FILE variable", () => {
    const w = resolveWorkload("web", "apps", webWorkload);
    assert.equal(w.secrets[0].path, "/run/secrets/api-key");
    assert.equal(w.secrets[0].fileEnv, "API_KEY_FILE");
    assert.equal(w.routes[0].portNumber, 8080);
    assert.deepEqual(w.health?.inContainerCommand, [
      "CMD",
      "curl",
      "-fsS",
      "-o",
      "/dev/null",
      "http://127.0.0.1:8080/health",
    ]);
  });

  it("tells pinned images from floating ones", () => {
    assert.equal(isPinnedImage("traefik:v3.6.2"), true);
    assert.equal(isPinnedImage("registry.lan:5000/team/app:1.2"), true);
    assert.equal(isPinnedImage(`alpine@sha256:${"a".repeat(64)}`), true);
    assert.equal(isPinnedImage("traefik"), false);
    assert.equal(isPinnedImage("traefik:latest"), false);
    assert.equal(isPinnedImage("registry.lan:5000/app"), false);
  });

  const bad: [string, Parameters<typeof resolveWorkload>[2], string][] = [
    [
      "an unpinned image",
      { image: "nginx:latest" },
      'Workload "w": image "nginx:latest" is not pinned. Fix: use an explicit version tag (not latest) or a digest.',
    ],
    [
      "a user that is not numeric",
      { image: "a/b:1", security: { user: "nobody" } },
      'Workload "w": security.user is "nobody". Fix: write a numeric "uid" or "uid:gid", e.g. "1000:1000".',
    ],
    [
      "a negative replica count",
      { image: "a/b:1", scheduling: { mode: "replicated", replicas: -1 } },
      'Workload "w": replicas is -1. Fix: set a whole number of replicas, 0 or more.',
    ],
    [
      "a singleton without a reason",
      { image: "a/b:1", scheduling: { mode: "singleton", reason: " " } },
      'Workload "w": singleton has no reason. Fix: say why this workload cannot run more than one copy.',
    ],
    [
      "a route to an undeclared port",
      { image: "a/b:1", routes: [{ host: "w.example.org", port: "http" }] },
      'Workload "w": route w.example.org names port "http", which the workload does not declare. Fix: declare the port in ports.',
    ],
    [
      "a read-write host path",
      {
        image: "a/b:1",
        volumes: [
          {
            name: "proc",
            mountPath: "/p",
            class: "host-readonly",
            hostPath: "/proc",
            readOnly: false,
          },
        ],
      },
      'Workload "w": volume "proc" is a host path mounted read-write. Fix: host paths are always mounted read-only.',
    ],
    [
      "a duplicate port name",
      {
        image: "a/b:1",
        ports: [
          { name: "http", port: 80 },
          { name: "http", port: 81 },
        ],
      },
      'Workload "w": ports name "http" is used twice. Fix: give every port its own name.',
    ],
    [
      "a flow to a name no workload can have",
      { image: "a/b:1", flows: [{ kind: "workload", to: "MinIO", ports: [9000] }] },
      'Workload "w": flow to "MinIO" names no workload. Fix: name a workload or a cluster of the stack.',
    ],
    [
      "a flow to a workload on no port",
      { image: "a/b:1", flows: [{ kind: "workload", to: "minio", ports: [] }] },
      'Workload "w": flow to "minio" lists no port. Fix: list the ports it connects to.',
    ],
    [
      "a flow on a port out of range",
      { image: "a/b:1", flows: [{ kind: "external", reason: "S3", ports: [70000] }] },
      'Workload "w": external flow has port 70000. Fix: use port numbers from 1 to 65535.',
    ],
    [
      "a flow out of the stack without a reason",
      { image: "a/b:1", flows: [{ kind: "external", reason: "" }] },
      'Workload "w": external flow has no reason. Fix: say why the workload connects out of the stack.',
    ],
  ];
  for (const [what, spec, message] of bad) {
    it(`rejects ${what}`, () => {
      assert.throws(() => resolveWorkload("w", "apps", spec), { name: "WorkloadError", message });
    });
  }

  it("reaches a cluster's member by the cluster's name, any other workload by its own", () => {
    const group = (labels?: Record<string, string>) =>
      resolveWorkload("minio-2", "apps", { image: "a/b:1", labels }).flowGroup;
    assert.equal(group({ "homeport.dev/cluster": "minio" }), "minio");
    assert.equal(group(), "minio-2");
  });

  it("parses the user once, with or without a group", () => {
    const user = (text: string) =>
      resolveWorkload("w", "apps", {
        image: "a/b:1",
        security: { user: text },
        exemptions: [{ rule: "workload-run-as-non-root", reason: "needs root" }],
      }).security.user;
    assert.deepEqual(user("65534:999"), { uid: 65534, gid: 999 });
    assert.deepEqual(user("0"), { uid: 0 });
  });

  it("runs as root only with an exemption, which also lifts runAsNonRoot", () => {
    assert.throws(
      () => resolveWorkload("w", "apps", { image: "a/b:1", security: { user: "0:0" } }),
      {
        message:
          'Workload "w": security.user is "0:0" (root) without a reason. Fix: run as a non-root user, or add an exemption from workload-run-as-non-root that says why it needs root.',
      },
    );
    const w = resolveWorkload("w", "apps", {
      image: "a/b:1",
      exemptions: [{ rule: "workload-run-as-non-root", reason: "chowns its volume first" }],
    });
    assert.equal(w.security.runAsNonRoot, false);
    assert.equal(
      w.metadata["policy.homeport.dev/exempt.workload-run-as-non-root"],
      "chowns its volume first",
    );
  });

  it("keeps the root filesystem read-only unless an exemption says why it is not", () => {
    assert.throws(
      () =>
        resolveWorkload("w", "apps", {
          image: "a/b:1",
          security: { readOnlyRootFilesystem: false },
        }),
      {
        message:
          'Workload "w": security.readOnlyRootFilesystem is false without a reason. Fix: add an exemption from workload-read-only-root-filesystem that says what the process writes outside its volumes, or mount an ephemeral volume where it writes.',
      },
    );
    const w = resolveWorkload("w", "apps", {
      image: "a/b:1",
      exemptions: [{ rule: "workload-read-only-root-filesystem", reason: "writes /etc" }],
    });
    assert.equal(w.security.readOnlyRootFilesystem, false);
  });

  it("refuses an exemption without a reason", () => {
    assert.throws(
      () =>
        resolveWorkload("w", "apps", {
          image: "a/b:1",
          exemptions: [{ rule: "workload-read-only-root-filesystem", reason: " " }],
        }),
      {
        message:
          'Workload "w": exemption from workload-read-only-root-filesystem has no reason. Fix: say why the rule does not apply.',
      },
    );
  });

  it("keeps a health check that goes through a dependency for readiness, with a local liveness", () => {
    const spec = {
      image: "a/b:1",
      health: { kind: "command" as const, command: ["ping-broker"], via: ["rabbitmq"] },
    };
    assert.throws(() => resolveWorkload("w", "apps", spec), {
      message:
        'Workload "w": liveness is not set while the health check goes through rabbitmq. Fix: add a liveness check that the process answers without its dependencies.',
    });
    assert.throws(() => resolveWorkload("w", "apps", { ...spec, liveness: spec.health }), {
      message:
        'Workload "w": liveness goes through rabbitmq. Fix: check the process alone: a liveness check decides restarts.',
    });
    const w = resolveWorkload("w", "apps", {
      ...spec,
      liveness: { kind: "command", command: ["true"] },
    });
    assert.deepEqual(w.health?.inContainerCommand, ["CMD", "ping-broker"]);
    assert.deepEqual(w.liveness?.inContainerCommand, ["CMD", "true"]);
    assert.deepEqual(w.liveness?.via, []);
    assert.equal(w.metadata["homeport.dev/readiness-via"], "rabbitmq");
    assert.equal(w.metadata["homeport.dev/readiness-check"], checkDigest(["CMD", "ping-broker"]));
  });

  it("uses a local health check as the liveness check too", () => {
    const w = resolveWorkload("w", "apps", {
      image: "a/b:1",
      health: { kind: "command", command: ["true"] },
    });
    assert.equal(w.liveness, w.health);
    assert.equal(w.metadata["homeport.dev/readiness-via"], undefined);
  });

  it("gives per-node workloads a high priority by default", () => {
    const w = resolveWorkload("w", "monitoring", {
      image: "a/b:1",
      scheduling: { mode: "per-node" },
    });
    assert.equal(w.priority, "high");
    assert.equal(w.metadata["homeport.dev/priority"], "high");
    const normal = resolveWorkload("w", "monitoring", {
      image: "a/b:1",
      scheduling: { mode: "per-node" },
      priority: "normal",
    });
    assert.equal(normal.priority, "normal");
  });

  it("rejects a name that no orchestrator accepts", () => {
    assert.throws(() => resolveWorkload("Web_1", "apps", { image: "a/b:1" }), {
      message:
        'Workload "Web_1": name "Web_1" is not a valid name. Fix: use lowercase letters, digits and dashes, at most 40 characters.',
    });
  });
});
