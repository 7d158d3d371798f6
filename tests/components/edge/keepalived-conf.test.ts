import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import {
  keepalivedConf,
  keepalivedConfOutput,
  pingUrl,
} from "../../../components/edge/keepalived-conf";
import { parseFloatingIp } from "../../../components/edge/floating-ip";
import { FLOATING_IP, SETTING } from "./fixtures";

const PING = { port: 8082 };

const FIRST_NODE = `# keepalived for node eager-franklin of the floating address 172.16.3.10/16 (router id 51).
global_defs {
  router_id eager-franklin
  script_user root
  enable_script_security
}

vrrp_script proxy_ping {
  script "/usr/bin/curl --silent --fail --max-time 1 --output /dev/null http://127.0.0.1:8082/ping"
  interval 1
  timeout 2
  fall 2
  rise 2
  weight 0
}

vrrp_instance homeport_vip_51 {
  state BACKUP
  interface vxlan100
  virtual_router_id 51
  priority 200
  advert_int 1
  nopreempt
  unicast_src_ip 172.16.1.0
  unicast_peer {
    172.16.1.1
  }
  check_unicast_src
  virtual_ipaddress {
    172.16.3.10/16 dev vxlan100
  }
  track_script {
    proxy_ping
  }
}
`;

describe("keepalived.conf", () => {
  it("renders the first node: highest priority, the other node as its only peer", () => {
    assert.equal(
      keepalivedConf({ floatingIp: FLOATING_IP, node: "eager-franklin", ping: PING }),
      FIRST_NODE,
    );
  });

  it("renders the second node: lower priority, source and peer swapped", () => {
    const text = keepalivedConf({ floatingIp: FLOATING_IP, node: "gracious-raman", ping: PING });
    assert.equal(
      text,
      FIRST_NODE.replace("node eager-franklin", "node gracious-raman")
        .replace("router_id eager-franklin", "router_id gracious-raman")
        .replace("priority 200", "priority 190")
        .replace("unicast_src_ip 172.16.1.0", "unicast_src_ip 172.16.1.1")
        .replace("unicast_peer {\n    172.16.1.1\n", "unicast_peer {\n    172.16.1.0\n"),
    );
  });

  it("lists every other node as a peer, in node order", () => {
    const three = parseFloatingIp({
      ...SETTING,
      nodes: [...SETTING.nodes, { name: "third", address: "172.16.1.2" }],
    });
    const text = keepalivedConf({ floatingIp: three, node: "gracious-raman", ping: PING });
    assert.ok(text.includes("  unicast_peer {\n    172.16.1.0\n    172.16.1.2\n  }\n"));
    assert.ok(
      keepalivedConf({ floatingIp: three, node: "third", ping: PING }).includes("  priority 180\n"),
    );
  });

  it("moves the address back after a delay when preemptDelaySeconds is set, instead of nopreempt", () => {
    const text = keepalivedConf({
      floatingIp: { ...FLOATING_IP, preemptDelaySeconds: 60 },
      node: "eager-franklin",
      ping: PING,
    });
    assert.ok(text.includes("  preempt_delay 60\n"));
    assert.ok(!text.includes("nopreempt"));
  });

  it("adds PASS authentication when a password is given", () => {
    const text = keepalivedConf({
      floatingIp: FLOATING_IP,
      node: "eager-franklin",
      ping: PING,
      password: "s3cret",
    });
    assert.ok(
      text.includes(
        "  check_unicast_src\n  authentication {\n    auth_type PASS\n    auth_pass s3cret\n  }\n  virtual_ipaddress {\n",
      ),
    );
  });

  it("takes the check timing, ping target, advert interval, script user and client", () => {
    const text = keepalivedConf({
      floatingIp: FLOATING_IP,
      node: "eager-franklin",
      ping: { host: "10.0.0.1", port: 9000, path: "/health" },
      check: { intervalSeconds: 2, timeoutSeconds: 3, fall: 4, rise: 5 },
      advertIntervalSeconds: 0.5,
      scriptUser: "keepalived_script",
      curl: "/usr/local/bin/curl",
    });
    assert.ok(
      text.includes(
        '  script "/usr/local/bin/curl --silent --fail --max-time 3 --output /dev/null http://10.0.0.1:9000/health"\n  interval 2\n  timeout 4\n  fall 4\n  rise 5\n',
      ),
    );
    assert.ok(text.includes("  advert_int 0.5\n"));
    assert.ok(text.includes("  script_user keepalived_script\n"));
  });

  it("builds the ping URL with its defaults", () => {
    assert.equal(pingUrl({ port: 8082 }), "http://127.0.0.1:8082/ping");
  });

  it("refuses a node that may not hold the address", () => {
    assert.throws(() => keepalivedConf({ floatingIp: FLOATING_IP, node: "other", ping: PING }), {
      message:
        'keepalived: node "other" is not one of homeport:edge.floatingIp.nodes (eager-franklin, gracious-raman).',
    });
  });

  it("keeps the configuration secret when it holds a password", async () => {
    const args = { floatingIp: FLOATING_IP, node: "eager-franklin", ping: PING };
    const withPassword = keepalivedConfOutput(args, pulumi.secret("s3cret"));
    assert.equal(await pulumi.isSecret(withPassword), true);
    const text = await new Promise<string>((resolve) => withPassword.apply(resolve));
    assert.ok(text.includes("auth_pass s3cret"));
    const plain = keepalivedConfOutput(args);
    assert.equal(await pulumi.isSecret(plain), false);
    assert.equal(await new Promise<string>((resolve) => plain.apply(resolve)), FIRST_NODE);
  });
});
