import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseStackConfig } from "../../../../components/config/load";
import { seconds } from "../../../../components/model/units";
import { resolveWorkload } from "../../../../components/model/resolve";
import { nomadJobspec } from "../../../../components/platforms/nomad/jobspec";

const settings = parseStackConfig({
  "homeport:target": "nomad",
  "homeport:domain": "lab.example.net",
}).nomad;

const broker = (port?: string) =>
  resolveWorkload("broker", "apps", {
    image: "broker:1.0.0",
    ports: [{ name: "amqp", port: 5672 }],
    health: { kind: "command", command: ["ping-broker"], port, interval: seconds(30) },
  });
const group = (w: ReturnType<typeof broker>, provider: "nomad" | "consul" = "nomad") =>
  (
    nomadJobspec(
      w,
      { jobId: w.name, settings, storageBackend: "local", env: {}, files: {}, tags: {} },
      provider,
    ).TaskGroups as Record<string, unknown>[]
  )[0] as { Services?: { Checks: unknown[] }[] };

describe("Nomad checks for command health checks", () => {
  it("check the named port over TCP on Nomad's own catalogue, which cannot run commands", () => {
    assert.deepEqual(group(broker("amqp")).Services?.[0].Checks, [
      { Name: "broker-health", Type: "tcp", PortLabel: "amqp", Interval: 30e9, Timeout: 5e9 },
    ]);
  });

  it("have no check there without a port", () => {
    assert.deepEqual(group(broker()).Services?.[0].Checks, []);
  });

  it("run the command itself as a script check with Consul", () => {
    assert.deepEqual(group(broker("amqp"), "consul").Services?.[0].Checks, [
      {
        Name: "broker-health",
        Type: "script",
        Command: "ping-broker",
        Args: [],
        TaskName: "broker",
        Interval: 30e9,
        Timeout: 5e9,
      },
    ]);
  });

  it("must name a port the workload declares", () => {
    assert.throws(() => broker("admin"), {
      message:
        'Workload "broker": health check names port "admin", which the workload does not declare. Fix: declare the port in ports.',
    });
  });
});
