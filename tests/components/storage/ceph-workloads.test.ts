import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { gibibytes } from "../../../components/model";
import { cephWorkloads, CephWorkloadsArgs } from "../../../components/storage/ceph-workloads";

const KEY = "AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==";
const valueOf = <T>(o: pulumi.Input<T>): Promise<T> =>
  new Promise((resolve) => pulumi.output(o).apply((v) => resolve(v as T)));

/** One node that runs everything, as an orchestrator that allows block devices would have it. */
const ARGS: CephWorkloadsArgs = {
  image: "quay.io/ceph/ceph:v18.2.4",
  environment: "dev",
  publicNetwork: "10.0.0.0/24",
  nodes: [
    {
      name: "Lab.home",
      address: "10.0.0.5",
      roles: ["mon", "mgr", "mds"],
      osd: { id: 7, device: "/dev/sdb" },
    },
  ],
  identity: {
    fsid: "b3f5c2a0-0000-4000-8000-000000000001",
    osdUuids: { 7: "b3f5c2a0-0000-4000-8000-000000000007" },
  },
  keys: {
    mon: KEY,
    admin: KEY,
    bootstrapOsd: KEY,
    mgr: { "Lab.home": KEY },
    mds: { "Lab.home": KEY },
    osd: { 7: KEY },
  },
  user: "admin",
  fsName: "homeport",
  rbdPool: "homeport-block",
};

describe("cephWorkloads", () => {
  const { daemons, setup } = cephWorkloads(ARGS);

  it("names each daemon's workload by type and id, in the model's letters", () => {
    assert.deepEqual(
      daemons.map((d) => d.name),
      ["ceph-mon-lab-home", "ceph-mgr-lab-home", "ceph-osd-7", "ceph-mds-lab-home"],
    );
    assert.equal(setup.name, "ceph-setup");
  });

  it("an OSD on a whole device is privileged, with its reason; the others drop every capability", () => {
    const osd = daemons[2].spec;
    assert.deepEqual(osd.security, { privileged: true, hostNetwork: true, user: "0:0" });
    assert.deepEqual(
      osd.exemptions?.find((e) => e.rule === "workload-no-privileged"),
      {
        rule: "workload-no-privileged",
        reason:
          "OSD 7 writes bluestore straight to the block device /dev/sdb, which only a privileged container may open",
      },
    );
    assert.deepEqual(daemons[0].spec.security, {
      hostNetwork: true,
      user: "0:0",
      dropAllCapabilities: true,
    });
    assert.deepEqual(daemons[0].spec.placement, {
      constraints: [{ attribute: "hostname", value: "Lab.home" }],
      spread: false,
    });
  });

  it("the device OSD's entrypoint makes bluestore on the device, not a file", async () => {
    const script = await valueOf(daemons[2].spec.files?.[1].content ?? "");
    assert.ok(
      script.includes(
        "ceph-osd --conf /etc/ceph/ceph.conf --id 7 --mkfs --osd-uuid b3f5c2a0-0000-4000-8000-000000000007 --bluestore-block-path /dev/sdb\n",
      ),
      script,
    );
  });

  it("mounting as admin: the setup reads the admin keyring only and registers no client", async () => {
    assert.deepEqual(
      setup.spec.secrets?.map((s) => s.path),
      ["/etc/ceph/ceph.client.admin.keyring"],
    );
    const script = await valueOf(setup.spec.files?.[1].content ?? "");
    assert.equal(script.includes("auth import"), false);
    assert.deepEqual(setup.spec.scheduling, { mode: "job" });
  });

  it("a file OSD's volume is its size; every daemon's data is a node-local volume", () => {
    const fileOsd = cephWorkloads({
      ...ARGS,
      nodes: [{ ...ARGS.nodes[0], osd: { id: 7, size: gibibytes(20) } }],
    }).daemons[2].spec;
    assert.deepEqual(fileOsd.volumes?.[0], {
      name: "ceph-data",
      mountPath: "/srv/ceph",
      class: "local",
      size: gibibytes(20),
    });
    assert.deepEqual(fileOsd.security?.dropAllCapabilities, true);
  });
});
