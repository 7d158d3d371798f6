import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { stackConfig, testParent } from "../../../helpers/harness";
import { TOKENS } from "../../../helpers/types";

/**
 * Mocks of our own (not the recorder): the docker provider reports the container's exit code,
 * which decides whether the job's dependents may start.
 */
const EXIT_CODES: Record<string, number> = { "init-ok": 0, "init-bad": 3 };
let platform: import("../../../../components/platforms/swarm/swarm-platform").SwarmPlatform;
let parent: pulumi.ComponentResource;
let swarmJobContainerArgs: typeof import("../../../../components/platforms/swarm/job-spec").swarmJobContainerArgs;
let resolveWorkload: typeof import("../../../../components/model/resolve").resolveWorkload;

before(async () => {
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => ({
        id: `${args.name}-id`,
        state: {
          ...args.inputs,
          ...(args.type === TOKENS.dockerContainer ? { exitCode: EXIT_CODES[args.name] } : {}),
        },
      }),
      call: (args) => args.inputs,
    },
    "homeport",
    "test",
    false,
  );
  ({ swarmJobContainerArgs } = await import("../../../../components/platforms/swarm/job-spec"));
  ({ resolveWorkload } = await import("../../../../components/model/resolve"));
  const { SwarmPlatform } = await import("../../../../components/platforms/swarm/swarm-platform");
  parent = await testParent();
  const config = stackConfig({ target: "swarm", domain: "home.example.org", parts: [] });
  platform = new SwarmPlatform("swarm", { config, routing: {}, namePrefix: "t-" }, { parent });
});

/**
 * An Output's value; every internal promise of the Output is observed, so a rejected Output
 * (a failed job) is reported here rather than as an unhandled rejection.
 */
async function settle<T>(output: pulumi.Output<T>): Promise<T> {
  const o = output as unknown as {
    promise(): Promise<T>;
    isKnown: Promise<boolean>;
    isSecret: Promise<boolean>;
    allResources?: () => Promise<unknown>;
  };
  const results = await Promise.allSettled([
    o.promise(),
    o.isKnown,
    o.isSecret,
    o.allResources?.(),
  ]);
  const failed = results.find((r) => r.status === "rejected");
  if (failed) throw (failed as PromiseRejectedResult).reason;
  return (results[0] as PromiseFulfilledResult<T>).value;
}

describe("Swarm run-to-completion jobs", () => {
  it("run as a container on its flows' networks that Pulumi waits for, with secrets uploaded", () => {
    const w = resolveWorkload("init", "apps", {
      image: "app:1.0.0",
      command: ["python", "-c", "print(1)"],
      env: { MODE: "init" },
      secrets: [{ name: "key", env: "KEY", value: "s3cr3t" }],
      files: [{ name: "conf", path: "/etc/app.conf", content: "a=1" }],
      volumes: [{ name: "scratch", mountPath: "/tmp", class: "ephemeral" }],
      scheduling: { mode: "job" },
      security: { user: "10001:10001" },
    });
    const args = swarmJobContainerArgs(w, {
      containerName: "t-init",
      networks: [{ name: "t-flow-init", aliases: ["init"] }, { name: "t-flow-minio" }],
      volumeNames: {},
    });
    assert.equal(args.attach, true);
    assert.equal(args.mustRun, false);
    assert.equal(args.rm, false);
    assert.equal(args.restart, "no");
    assert.deepEqual(args.entrypoints, ["python", "-c", "print(1)"]);
    assert.deepEqual(args.networksAdvanced, [
      { name: "t-flow-init", aliases: ["init"] },
      { name: "t-flow-minio" },
    ]);
    assert.deepEqual(args.capabilities, { drops: ["ALL"], adds: undefined });
    assert.deepEqual(args.tmpfs, { "/tmp": `size=${1024 ** 3}` });
    // The default limit (256 MiB), and no swap beyond it.
    assert.equal(args.memory, 256);
    assert.equal(args.memorySwap, 256);
    const uploads = args.uploads as unknown as Record<string, unknown>[];
    assert.deepEqual(
      uploads.map((u) => [u.file, u.permissions, u.owner, u.group]),
      [
        ["/run/secrets/key", "0444", undefined, undefined],
        ["/etc/app.conf", "0444", undefined, undefined],
      ],
    );
    assert.ok(pulumi.Output.isInstance(uploads[0].content), "the secret stays an Output");
  });

  it("let dependents start once the container exited 0", async () => {
    const done = platform.deploy(
      "init-ok",
      "apps",
      { image: "app:1.0.0", scheduling: { mode: "job" } },
      { parent },
    );
    assert.ok(done.completed, "a job reports its completion");
    const resources = await settle(done.completed);
    assert.deepEqual(resources, done.resources);
  });

  it("fail the deployment when the container exited with an error", async () => {
    const failed = platform.deploy(
      "init-bad",
      "apps",
      { image: "app:1.0.0", scheduling: { mode: "job" } },
      { parent },
    );
    await assert.rejects(settle(failed.completed as pulumi.Output<pulumi.Resource[]>), {
      message: 'Job "init-bad" exited with code 3; see its logs with: docker logs t-init-bad',
    });
  });

  it("name cluster members by their tasks, not by the service's virtual IP", () => {
    assert.deepEqual(platform.clusterLayout("rabbitmq", 2).peers, [
      "tasks.t-rabbitmq-0",
      "tasks.t-rabbitmq-1",
    ]);
  });

  it("are rejected with routes or a health check", () => {
    assert.throws(
      () =>
        resolveWorkload("init", "apps", {
          image: "app:1.0.0",
          scheduling: { mode: "job" },
          health: { kind: "command", command: ["true"] },
        }),
      {
        message:
          'Workload "init": health is set on a run-to-completion job. Fix: remove it: a job\'s exit code is its health.',
      },
    );
  });
});
