import { FloatingIpSetting, parseFloatingIp } from "../../../components/edge/floating-ip";

/** Seed 001's shape: two nodes on vxlan100, the group's floating address in 172.16.3.0/16. */
export const SETTING: FloatingIpSetting = {
  address: "172.16.3.10/16",
  interface: "vxlan100",
  routerId: 51,
  nodes: [
    { name: "eager-franklin", address: "172.16.1.0" },
    { name: "gracious-raman", address: "172.16.1.1" },
  ],
};

export const FLOATING_IP = parseFloatingIp(SETTING);
