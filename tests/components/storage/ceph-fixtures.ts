import type { CephClusterArgs } from "../../../components/storage/ceph-daemons";

/** A three-node production cluster, keys spelled out so outputs can be compared exactly. */
export const PRODUCTION: CephClusterArgs = {
  fsid: "0f3c9a52-7d1e-4b8a-9c44-2e6f1d0b7a31",
  environment: "production",
  publicNetwork: "10.0.0.0/24",
  monitors: [
    { name: "node-1", address: "10.0.0.11" },
    { name: "node-2", address: "10.0.0.12" },
    { name: "node-3", address: "10.0.0.13" },
  ],
  managers: ["node-1", "node-2"],
  metadataServers: ["node-1", "node-2"],
  osds: [
    {
      id: 0,
      uuid: "6a1d3c2e-0000-4000-8000-000000000000",
      device: { kind: "device", path: "/dev/sdb" },
    },
    {
      id: 1,
      uuid: "6a1d3c2e-0000-4000-8000-000000000001",
      device: { kind: "device", path: "/dev/sdb" },
    },
    {
      id: 2,
      uuid: "6a1d3c2e-0000-4000-8000-000000000002",
      device: { kind: "device", path: "/dev/sdb" },
    },
  ],
  keys: {
    mon: "KEY-MON",
    admin: "KEY-ADMIN",
    bootstrapOsd: "KEY-BOOTSTRAP-OSD",
    mgr: { "node-1": "KEY-MGR-1", "node-2": "KEY-MGR-2" },
    mds: { "node-1": "KEY-MDS-1", "node-2": "KEY-MDS-2" },
    osd: { 0: "KEY-OSD-0", 1: "KEY-OSD-1", 2: "KEY-OSD-2" },
  },
};

/** A one-node lab: one OSD on a file. */
export const LAB: CephClusterArgs = {
  ...PRODUCTION,
  environment: "dev",
  monitors: [{ name: "lab", address: "127.0.0.1", v2Port: 13300, v1Port: 16789 }],
  managers: ["lab"],
  metadataServers: ["lab"],
  osds: [
    {
      id: 0,
      uuid: "6a1d3c2e-0000-4000-8000-000000000000",
      device: { kind: "file", path: "/srv/ceph/osd0.block", sizeBytes: 2147483648 },
    },
  ],
  keys: {
    ...PRODUCTION.keys,
    mgr: { lab: "KEY-MGR-LAB" },
    mds: { lab: "KEY-MDS-LAB" },
    osd: { 0: "KEY-OSD-0" },
  },
  publicNetwork: "127.0.0.0/8",
};
