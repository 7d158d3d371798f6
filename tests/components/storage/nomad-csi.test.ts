import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { renderCsiPluginJobs, renderCsiVolume } from "../../../components/storage/nomad-csi";

type Task = { Config: Record<string, unknown>; CSIPluginConfig: unknown; Templates?: unknown[] };
const task = (job: Record<string, unknown>) => (job.TaskGroups as { Tasks: Task[] }[])[0].Tasks[0];

describe("renderCsiPluginJobs", () => {
  it("runs csi-driver-nfs as a privileged node system job on the host network and a controller", () => {
    const [node, controller] = renderCsiPluginJobs({ driver: "nfs", datacenters: ["dc1"] });
    assert.deepEqual(
      [node.ID, node.Type, controller.ID, controller.Type],
      ["homeport-nfs-node", "system", "homeport-nfs-controller", "service"],
    );
    assert.deepEqual(task(node).Config, {
      image: "registry.k8s.io/sig-storage/nfsplugin:v4.11.0",
      args: [
        "--v=2",
        "--nodeid=${attr.unique.hostname}",
        "--endpoint=unix:///csi/csi.sock",
        "--drivername=nfs.csi.k8s.io",
      ],
      privileged: true,
      security_opt: ["no-new-privileges"],
      network_mode: "host",
    });
    assert.deepEqual(task(node).CSIPluginConfig, {
      ID: "homeport-nfs",
      Type: "node",
      MountDir: "/csi",
    });
    assert.deepEqual(task(controller).CSIPluginConfig, {
      ID: "homeport-nfs",
      Type: "controller",
      MountDir: "/csi",
    });
    assert.equal((controller.TaskGroups as { Count: number }[])[0].Count, 2);
    assert.deepEqual(controller.Spreads, [{ Attribute: "${node.unique.id}", Weight: 100 }]);
    assert.equal((controller.Update as { AutoRevert: boolean }).AutoRevert, true);
    assert.equal(node.Update, undefined);
    for (const job of [node, controller]) {
      assert.deepEqual((job.TaskGroups as { RestartPolicy: unknown }[])[0].RestartPolicy, {
        Attempts: 5,
        Interval: 120_000_000_000,
        Delay: 5_000_000_000,
        Mode: "fail",
      });
    }
  });

  it("carries each exemption a CSI plugin needs, with its reason, in the job's meta", () => {
    const [node, controller] = renderCsiPluginJobs({ driver: "nfs", datacenters: ["dc1"] });
    const check =
      "Nomad itself probes a CSI plugin over its socket (CSI Probe) and marks it unhealthy; the plugin serves no port a check could reach";
    const privilegedCaps =
      "the task is privileged (see workload-no-privileged): a privileged container holds every capability, none can be dropped";
    const privilegedRoot = {
      policy_homeport_dev_exempt_workload_run_as_non_root:
        "a privileged CSI plugin mounts filesystems for the node, which takes root",
      policy_homeport_dev_exempt_workload_read_only_root_filesystem:
        "a privileged CSI plugin mounts into the node's filesystems; it writes its mount state beside its binary",
    };
    assert.deepEqual(node.Meta, {
      homeport_dev_part: "storage",
      homeport_dev_workload: "homeport-nfs-node",
      policy_homeport_dev_exempt_workload_require_health_check: check,
      ...privilegedRoot,
      policy_homeport_dev_exempt_workload_no_privileged:
        "a CSI node plugin mounts volumes for the node's other tasks (bidirectional mount propagation into Nomad's alloc directories), which only a privileged container may do",
      policy_homeport_dev_exempt_workload_drop_capabilities: privilegedCaps,
      policy_homeport_dev_exempt_workload_isolated_by_flows:
        "the node plugin serves Nomad on a local socket and opens only the storage cluster's ports, on the node's network (see workload-no-host-namespaces); the host firewall limits those (docs/security.md)",
      policy_homeport_dev_exempt_workload_no_host_namespaces:
        "csi-driver-nfs's node plugin runs on the node's network so that the mounts it makes outlive a restart of the plugin (kubernetes-csi/csi-driver-nfs deploy/v4.11.0/csi-nfs-node.yaml, hostNetwork)",
      policy_homeport_dev_exempt_workload_spread_across_nodes:
        "a CSI node plugin is a system job: one on every node, which is already spread",
    });
    assert.deepEqual(controller.Meta, {
      homeport_dev_part: "storage",
      homeport_dev_workload: "homeport-nfs-controller",
      policy_homeport_dev_exempt_workload_require_health_check: check,
      ...privilegedRoot,
      policy_homeport_dev_exempt_workload_no_privileged:
        "csi-driver-nfs's controller mounts the share to make and remove each volume's directory, and mounting takes a privileged container",
      policy_homeport_dev_exempt_workload_drop_capabilities: privilegedCaps,
    });
    // ceph-csi's controller only calls Ceph: not privileged, every capability dropped.
    const [, rbdController] = renderCsiPluginJobs({
      driver: "rbd",
      datacenters: ["dc1"],
      ceph: { clusterId: "fsid", monitors: ["10.0.0.11:6789"] },
    });
    assert.deepEqual(task(rbdController).Config.cap_drop, ["all"]);
    assert.deepEqual(Object.keys(rbdController.Meta as object), [
      "homeport_dev_part",
      "homeport_dev_workload",
      "policy_homeport_dev_exempt_workload_require_health_check",
      "policy_homeport_dev_exempt_workload_run_as_non_root",
      "policy_homeport_dev_exempt_workload_read_only_root_filesystem",
    ]);
    // A node plugin runs before the tasks whose volumes it mounts.
    assert.equal(node.Priority, 90);
    assert.equal(controller.Priority, undefined);
  });

  it("gives ceph-csi its cluster's monitors in config.json and a memory-only key directory", () => {
    const [node, controller] = renderCsiPluginJobs({
      driver: "rbd",
      datacenters: ["dc1"],
      ceph: { clusterId: "0f3c9a52-7d1e-4b8a-9c44-2e6f1d0b7a31", monitors: ["10.0.0.11:6789"] },
    });
    assert.deepEqual(task(controller).Config.args, [
      "--type=rbd",
      "--controllerserver=true",
      "--drivername=rbd.csi.ceph.com",
      "--endpoint=unix:///csi/csi.sock",
      "--nodeid=${node.unique.name}",
      "--instanceid=${NOMAD_ALLOC_ID}",
      "--v=2",
    ]);
    assert.equal(task(controller).Config.privileged, false);
    assert.equal(task(node).Config.privileged, true);
    assert.deepEqual(task(node).Config.mount, [
      {
        type: "bind",
        source: "local/ceph-csi-config/config.json",
        target: "/etc/ceph-csi-config/config.json",
        readonly: true,
      },
      { type: "tmpfs", target: "/tmp/csi/keys", readonly: false, tmpfs_options: { size: 1048576 } },
    ]);
    const [template] = task(node).Templates as { EmbeddedTmpl: string }[];
    assert.deepEqual(JSON.parse(template.EmbeddedTmpl), [
      { clusterID: "0f3c9a52-7d1e-4b8a-9c44-2e6f1d0b7a31", monitors: ["10.0.0.11:6789"] },
    ]);
  });

  it("refuses a Ceph plugin without monitors", () => {
    assert.throws(
      () => renderCsiPluginJobs({ driver: "cephfs", datacenters: ["dc1"] }),
      new Error(
        "storage.ceph.monitors is required for the cephfs CSI plugin on Nomad: list the monitor addresses",
      ),
    );
  });
});

describe("renderCsiVolume", () => {
  it("creates a shared NFS volume as a retained directory, many writers", () => {
    assert.deepEqual(
      renderCsiVolume({
        id: "media-data",
        volumeClass: "shared",
        mode: "create",
        source: {
          driver: "nfs",
          server: "nas.lan",
          share: "/export/homeport",
          subDir: "media-data",
        },
        mountFlags: ["nfsvers=4.1"],
      }),
      {
        method: "PUT",
        path: "/v1/volume/csi/media-data/create",
        body: {
          Volumes: [
            {
              ID: "media-data",
              Name: "media-data",
              Namespace: "default",
              PluginID: "homeport-nfs",
              RequestedCapabilities: [
                { AccessMode: "multi-node-multi-writer", AttachmentMode: "file-system" },
              ],
              RequestedCapacityMin: 1073741824,
              RequestedCapacityMax: 1073741824,
              MountOptions: { FSType: "nfs", MountFlags: ["nfsvers=4.1"] },
              Parameters: {
                server: "nas.lan",
                share: "/export/homeport",
                subDir: "media-data",
                onDelete: "retain",
              },
            },
          ],
        },
      },
    );
  });

  it("registers an existing NFS directory by its driver volume ID", () => {
    const call = renderCsiVolume({
      id: "acme",
      volumeClass: "shared",
      mode: "register",
      source: { driver: "nfs", server: "nas.lan", share: "/export/homeport/", subDir: "acme" },
    });
    assert.equal(call.path, "/v1/volume/csi/acme");
    const [v] = call.body.Volumes;
    assert.equal(v.ExternalID, "nas.lan#/export/homeport/#acme");
    assert.deepEqual(v.Context, { server: "nas.lan", share: "/export/homeport/acme" });
    assert.equal(v.RequestedCapacityMin, undefined);
  });

  it("creates a block volume as an RBD image for one node, with the cephx user as secrets", () => {
    const [v] = renderCsiVolume({
      id: "grafana",
      volumeClass: "block",
      mode: "create",
      capacityBytes: 2147483648,
      source: { driver: "rbd", clusterId: "c1", pool: "rbd" },
      cephUser: { id: "homeport", key: "AQAAAAAAAAAAABAAAAECAwQFBgcICQoLDA0ODw==" },
    }).body.Volumes;
    assert.deepEqual(v.RequestedCapabilities, [
      { AccessMode: "single-node-writer", AttachmentMode: "file-system" },
    ]);
    assert.deepEqual(v.Parameters, { clusterID: "c1", pool: "rbd", imageFeatures: "layering" });
    assert.deepEqual(v.Secrets, {
      userID: "homeport",
      userKey: "AQAAAAAAAAAAABAAAAECAwQFBgcICQoLDA0ODw==",
    });
    assert.deepEqual(v.MountOptions, { FSType: "ext4", MountFlags: [] });
    const [fs] = renderCsiVolume({
      id: "media",
      volumeClass: "shared",
      mode: "create",
      source: { driver: "cephfs", clusterId: "c1", fsName: "homeport" },
      cephUser: { id: "homeport", key: "K" },
    }).body.Volumes;
    assert.deepEqual(fs.Parameters, { clusterID: "c1", fsName: "homeport" });
    assert.deepEqual(fs.Secrets, {
      adminID: "homeport",
      adminKey: "K",
      userID: "homeport",
      userKey: "K",
    });
  });

  it("refuses block on a filesystem driver, Ceph without a user, and registering Ceph", () => {
    assert.throws(
      () =>
        renderCsiVolume({
          id: "db",
          volumeClass: "block",
          mode: "create",
          source: { driver: "nfs", server: "n", share: "/s", subDir: "db" },
        }),
      new Error(
        'volume "db" is of class block, which needs Ceph RBD on Nomad, not nfs: use storage.backend ceph or the local class',
      ),
    );
    assert.throws(
      () =>
        renderCsiVolume({
          id: "db",
          volumeClass: "block",
          mode: "create",
          source: { driver: "rbd", clusterId: "c", pool: "rbd" },
        }),
      new Error(
        'storage.ceph.user and its key are required for CSI volume "db": set homeport:storage.ceph.user and the secret key',
      ),
    );
    assert.throws(
      () =>
        renderCsiVolume({
          id: "m",
          volumeClass: "shared",
          mode: "register",
          source: { driver: "cephfs", clusterId: "c", fsName: "f" },
          cephUser: { id: "u", key: "k" },
        }),
      new Error(
        'volume "m": registering an existing cephfs volume is not supported; use mode create',
      ),
    );
  });
});
