import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  KEEPALIVED_CAPABILITIES,
  keepalivedCommand,
  keepalivedWorkloadNeeds,
} from "../../../components/edge/keepalived-workload";
import { FLOATING_IP } from "./fixtures";

describe("keepalived workload needs", () => {
  const needs = keepalivedWorkloadNeeds(FLOATING_IP, { ping: { port: 8082 } });

  it("runs in the host network with NET_ADMIN, NET_RAW and SETGID only, as root, restarted always", () => {
    assert.equal(needs.hostNetwork, true);
    assert.deepEqual(needs.capabilities, ["NET_ADMIN", "NET_RAW", "SETGID"]);
    assert.deepEqual(Object.keys(KEEPALIVED_CAPABILITIES), ["NET_ADMIN", "NET_RAW", "SETGID"]);
    assert.equal(needs.user, "root");
    assert.equal(needs.restart, "always");
  });

  it("needs keepalived and curl in the image, and runs keepalived in the foreground, VRRP only", () => {
    assert.deepEqual(needs.programs, ["keepalived", "/usr/bin/curl"]);
    assert.deepEqual(needs.command, [
      "keepalived",
      "--dont-fork",
      "--log-console",
      "--vrrp",
      "--use-file=/etc/keepalived/keepalived.conf",
    ]);
    assert.deepEqual(keepalivedCommand("/tmp/k.conf").at(-1), "--use-file=/tmp/k.conf");
    assert.equal(needs.confPath, "/etc/keepalived/keepalived.conf");
  });

  it("places one instance on each listed node, in node order, each with its own configuration", () => {
    assert.deepEqual(
      needs.instances.map((i) => [i.node, i.args.node, i.args.ping.port]),
      [
        ["eager-franklin", "eager-franklin", 8082],
        ["gracious-raman", "gracious-raman", 8082],
      ],
    );
  });
});
