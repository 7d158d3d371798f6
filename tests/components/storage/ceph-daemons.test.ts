import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  daemonEntrypoint,
  renderCephCluster,
  setupScript,
  shellQuote,
} from "../../../components/storage/ceph-daemons";
import { LAB, PRODUCTION } from "./ceph-fixtures";

const CEPH = "ceph --conf /etc/ceph/ceph.conf --name client.admin";

describe("renderCephCluster", () => {
  it("renders one daemon per monitor, manager, OSD and MDS, in start order", () => {
    const c = renderCephCluster(PRODUCTION);
    assert.deepEqual(
      c.daemons.map((d) => `${d.type}.${d.id}`),
      [
        "mon.node-1",
        "mon.node-2",
        "mon.node-3",
        "mgr.node-1",
        "mgr.node-2",
        "osd.0",
        "osd.1",
        "osd.2",
        "mds.node-1",
        "mds.node-2",
      ],
    );
    assert.deepEqual(
      [c.fsName, c.metadataPool, c.dataPool, c.rbdPool],
      ["homeport", "homeport_metadata", "homeport_data", "rbd"],
    );
  });

  it("makes the monitor's store from a monmap of every monitor and the bootstrap keyring", () => {
    const mon = renderCephCluster(PRODUCTION).daemons[1];
    assert.equal(
      daemonEntrypoint(mon),
      [
        "#!/bin/sh",
        "set -eu",
        "if [ ! -e /var/lib/ceph/mon/ceph-node-2/homeport-initialized ]; then",
        "  mkdir -p /var/lib/ceph/mon/ceph-node-2",
        "  monmaptool --create --clobber --fsid 0f3c9a52-7d1e-4b8a-9c44-2e6f1d0b7a31 " +
          "--addv node-1 '[v2:10.0.0.11:3300,v1:10.0.0.11:6789]' " +
          "--addv node-2 '[v2:10.0.0.12:3300,v1:10.0.0.12:6789]' " +
          "--addv node-3 '[v2:10.0.0.13:3300,v1:10.0.0.13:6789]' " +
          "/var/lib/ceph/mon/ceph-node-2.monmap",
        "  ceph-mon --conf /etc/ceph/ceph.conf --mkfs --id node-2 --monmap /var/lib/ceph/mon/ceph-node-2.monmap --keyring /etc/ceph/ceph.mon.keyring",
        "  touch /var/lib/ceph/mon/ceph-node-2/homeport-initialized",
        "fi",
        "exec ceph-mon --conf /etc/ceph/ceph.conf --foreground --id node-2",
        "",
      ].join("\n"),
    );
    assert.deepEqual(mon.files, [
      {
        path: "/etc/ceph/ceph.mon.keyring",
        secret: true,
        content: [
          "[mon.]",
          "\tkey = KEY-MON",
          '\tcaps mon = "allow *"',
          "[client.admin]",
          "\tkey = KEY-ADMIN",
          '\tcaps mds = "allow *"',
          '\tcaps mgr = "allow *"',
          '\tcaps mon = "allow *"',
          '\tcaps osd = "allow *"',
          "[client.bootstrap-osd]",
          "\tkey = KEY-BOOTSTRAP-OSD",
          '\tcaps mgr = "allow r"',
          '\tcaps mon = "profile bootstrap-osd"',
          "",
        ].join("\n"),
      },
    ]);
  });

  it("registers an OSD with the bootstrap key and makes bluestore on its file", () => {
    const osd = renderCephCluster(LAB).daemons.find((d) => d.type === "osd");
    assert.ok(osd);
    assert.equal(
      daemonEntrypoint(osd),
      [
        "#!/bin/sh",
        "set -eu",
        "if [ ! -e /var/lib/ceph/osd/ceph-0/homeport-initialized ]; then",
        "  mkdir -p /var/lib/ceph/osd/ceph-0",
        "  ceph --conf /etc/ceph/ceph.conf --name client.bootstrap-osd osd new 6a1d3c2e-0000-4000-8000-000000000000 0 --in-file /etc/ceph/ceph.osd.0.secret.json",
        "  ceph-osd --conf /etc/ceph/ceph.conf --id 0 --mkfs --osd-uuid 6a1d3c2e-0000-4000-8000-000000000000 --bluestore-block-path /srv/ceph/osd0.block --bluestore-block-create true --bluestore-block-size 2147483648",
        "  touch /var/lib/ceph/osd/ceph-0/homeport-initialized",
        "fi",
        "exec ceph-osd --conf /etc/ceph/ceph.conf --foreground --id 0",
        "",
      ].join("\n"),
    );
    assert.deepEqual(
      osd.files.map((f) => [f.path, f.content, f.secret]),
      [
        [
          "/etc/ceph/ceph.client.bootstrap-osd.keyring",
          '[client.bootstrap-osd]\n\tkey = KEY-BOOTSTRAP-OSD\n\tcaps mgr = "allow r"\n\tcaps mon = "profile bootstrap-osd"\n',
          true,
        ],
        ["/etc/ceph/ceph.osd.0.keyring", "[osd.0]\n\tkey = KEY-OSD-0\n", true],
        ["/etc/ceph/ceph.osd.0.secret.json", '{"cephx_secret":"KEY-OSD-0"}\n', true],
      ],
    );
    const device = renderCephCluster(PRODUCTION).daemons.find((d) => d.id === "2");
    assert.deepEqual(device?.init[2], [
      "ceph-osd",
      "--conf",
      "/etc/ceph/ceph.conf",
      "--id",
      "2",
      "--mkfs",
      "--osd-uuid",
      "6a1d3c2e-0000-4000-8000-000000000002",
      "--bluestore-block-path",
      "/dev/sdb",
    ]);
  });

  it("imports each manager's and MDS's own key with its profile caps through the admin key", () => {
    const c = renderCephCluster(PRODUCTION);
    const mgr = c.daemons.find((d) => d.type === "mgr" && d.id === "node-2");
    const mds = c.daemons.find((d) => d.type === "mds" && d.id === "node-1");
    assert.deepEqual(mgr?.init[1], [
      ..."ceph --conf /etc/ceph/ceph.conf --name client.admin auth import --in-file".split(" "),
      "/etc/ceph/ceph.mgr.node-2.keyring",
    ]);
    assert.equal(
      mgr?.files[1].content,
      '[mgr.node-2]\n\tkey = KEY-MGR-2\n\tcaps mds = "allow *"\n\tcaps mon = "profile mgr"\n\tcaps osd = "allow *"\n',
    );
    assert.equal(
      mds?.files[1].content,
      '[mds.node-1]\n\tkey = KEY-MDS-1\n\tcaps mds = "allow"\n\tcaps mgr = "profile mds"\n\tcaps mon = "profile mds"\n\tcaps osd = "allow rwx"\n',
    );
    assert.deepEqual(mds?.run, [
      "ceph-mds",
      "--conf",
      "/etc/ceph/ceph.conf",
      "--foreground",
      "--id",
      "node-1",
    ]);
    assert.equal(mds?.files[0].path, "/etc/ceph/ceph.client.admin.keyring");
  });

  it("creates CephFS and the RBD pool once, with a standby MDS only when there are two", () => {
    assert.equal(
      setupScript(renderCephCluster(PRODUCTION).setup),
      [
        "#!/bin/sh",
        "set -eu",
        `${CEPH} osd pool create homeport_metadata 32`,
        `${CEPH} osd pool create homeport_data 32`,
        `${CEPH} fs get homeport >/dev/null 2>&1 || ${CEPH} fs new homeport homeport_metadata homeport_data`,
        `${CEPH} fs set homeport standby_count_wanted 1`,
        `${CEPH} osd pool create rbd 32`,
        `${CEPH} osd pool application enable rbd rbd`,
        "",
      ].join("\n"),
    );
    const lab = renderCephCluster({ ...LAB, fsName: "media", rbdPool: "blocks" }).setup;
    assert.deepEqual(
      lab.map((s) => s.argv.slice(5).join(" ")),
      [
        "osd pool create media_metadata 8",
        "osd pool create media_data 8",
        "fs new media media_metadata media_data",
        "fs set media standby_count_wanted 0",
        "osd pool create blocks 8",
        "osd pool application enable blocks rbd",
      ],
    );
  });

  it("refuses too few OSDs for the environment's copies, missing keys and duplicate ids", () => {
    assert.throws(
      () => renderCephCluster({ ...PRODUCTION, osds: PRODUCTION.osds.slice(0, 2) }),
      new Error(
        "storage.ceph.osds has 2 OSD(s) but production pools keep 3 copies: add OSDs on more nodes",
      ),
    );
    assert.throws(
      () => renderCephCluster({ ...PRODUCTION, keys: { ...PRODUCTION.keys, mds: {} } }),
      new Error("storage.ceph keys have no key for mds.node-1: generate one per daemon"),
    );
    assert.throws(
      () => renderCephCluster({ ...PRODUCTION, managers: ["node-1", "node-1"] }),
      new Error('storage.ceph.managers names "node-1" twice: give every daemon its own id'),
    );
    assert.throws(
      () => renderCephCluster({ ...PRODUCTION, managers: [] }),
      new Error("storage.ceph.managers is empty: run at least one manager"),
    );
  });
});

describe("shellQuote", () => {
  it("leaves plain words alone and single-quotes the rest", () => {
    assert.equal(shellQuote("/etc/ceph/ceph.conf"), "/etc/ceph/ceph.conf");
    assert.equal(shellQuote("[v2:1.2.3.4:3300]"), "'[v2:1.2.3.4:3300]'");
    assert.equal(shellQuote("it's"), "'it'\\''s'");
  });
});
