import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { renderCephConf } from "../../../components/storage/ceph-config";
import { LAB, PRODUCTION } from "./ceph-fixtures";

const GLOBAL_PATHS = [
  "keyring = /etc/ceph/$cluster.$name.keyring",
  "run_dir = /var/run/ceph",
  "admin_socket = $run_dir/$cluster-$name.asok",
  "pid_file = $run_dir/$cluster-$name.pid",
  "log_file = /var/log/ceph/$cluster-$name.log",
  "mon_data = /var/lib/ceph/mon/$cluster-$id",
  "mgr_data = /var/lib/ceph/mgr/$cluster-$id",
  "osd_data = /var/lib/ceph/osd/$cluster-$id",
  "mds_data = /var/lib/ceph/mds/$cluster-$id",
];
const AUTH = [
  "auth_cluster_required = cephx",
  "auth_service_required = cephx",
  "auth_client_required = cephx",
  "auth_allow_insecure_global_id_reclaim = false",
];
const TAIL = [
  "",
  "[mon]",
  "keyring = $mon_data/keyring",
  "",
  "[osd]",
  "osd_objectstore = bluestore",
  "",
];

describe("renderCephConf", () => {
  it("keeps three copies (two to write) with three monitors in production", () => {
    assert.equal(
      renderCephConf(PRODUCTION),
      [
        "[global]",
        "fsid = 0f3c9a52-7d1e-4b8a-9c44-2e6f1d0b7a31",
        "mon_initial_members = node-1,node-2,node-3",
        "mon_host = [v2:10.0.0.11:3300,v1:10.0.0.11:6789],[v2:10.0.0.12:3300,v1:10.0.0.12:6789],[v2:10.0.0.13:3300,v1:10.0.0.13:6789]",
        "public_network = 10.0.0.0/24",
        ...AUTH,
        "osd_pool_default_size = 3",
        "osd_pool_default_min_size = 2",
        ...GLOBAL_PATHS,
        ...TAIL,
      ].join("\n"),
    );
  });

  it("allows one-copy pools in dev, and takes paths, ports and extra options", () => {
    assert.equal(
      renderCephConf({
        ...LAB,
        paths: { conf: "/t/ceph.conf", keyringDir: "/t/keys", runDir: "/t/run" },
        extra: { mon: { mon_data_avail_warn: 5 }, client: { rbd_cache: false } },
      }),
      [
        "[global]",
        "fsid = 0f3c9a52-7d1e-4b8a-9c44-2e6f1d0b7a31",
        "mon_initial_members = lab",
        "mon_host = [v2:127.0.0.1:13300,v1:127.0.0.1:16789]",
        "public_network = 127.0.0.0/8",
        ...AUTH,
        "osd_pool_default_size = 1",
        "osd_pool_default_min_size = 1",
        "mon_allow_pool_size_one = true",
        "mon_warn_on_pool_no_redundancy = false",
        "keyring = /t/keys/$cluster.$name.keyring",
        "run_dir = /t/run",
        ...GLOBAL_PATHS.slice(2),
        "",
        "[mon]",
        "keyring = $mon_data/keyring",
        "mon_data_avail_warn = 5",
        "",
        "[osd]",
        "osd_objectstore = bluestore",
        "",
        "[client]",
        "rbd_cache = false",
        "",
      ].join("\n"),
    );
  });

  it("refuses a bad fsid, network or monitor list with the setting and the fix", () => {
    assert.throws(
      () => renderCephConf({ ...LAB, fsid: "cluster-1" }),
      new Error(
        'storage.ceph.fsid must be a lower-case UUID, got "cluster-1": generate one (e.g. random.RandomUuid)',
      ),
    );
    assert.throws(
      () => renderCephConf({ ...LAB, publicNetwork: "10.0.0.1" }),
      new Error(
        'storage.ceph.publicNetwork must be an IPv4 CIDR, got "10.0.0.1": e.g. 10.0.0.0/24',
      ),
    );
    assert.throws(
      () => renderCephConf({ ...LAB, monitors: [] }),
      new Error("storage.ceph.monitors is empty: list at least one monitor node"),
    );
    assert.throws(
      () =>
        renderCephConf({
          ...PRODUCTION,
          monitors: [PRODUCTION.monitors[0], PRODUCTION.monitors[0]],
        }),
      new Error('storage.ceph.monitors names "node-1" twice: give every monitor its own name'),
    );
  });
});
