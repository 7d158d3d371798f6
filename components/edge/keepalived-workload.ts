/**
 * What the keepalived workload of a floating IP needs from the orchestrator, said once and
 * neutrally, so the Swarm and Nomad adapters translate it and the policies check against it.
 */
import { FloatingIp } from "./floating-ip";
import { DEFAULT_CURL, KeepalivedConfArgs } from "./keepalived-conf";

/**
 * Linux capabilities keepalived's VRRP process needs, and why. Checked for real: the failover test
 * runs Debian's keepalived 2.2.7 with exactly this bounding set (tests/e2e/edge).
 * NET_BROADCAST, which some keepalived images add, is not needed: gratuitous ARP goes out on a
 * packet socket (NET_RAW), not a broadcast datagram socket.
 */
export const KEEPALIVED_CAPABILITIES = {
  /** Add and remove the floating address on the interface (netlink RTM_NEWADDR/RTM_DELADDR). */
  NET_ADMIN: "adds and removes the floating address on the interface",
  /** Send and receive VRRP (IP protocol 112) and gratuitous ARP on raw and packet sockets. */
  NET_RAW: "sends and receives VRRP adverts and gratuitous ARP",
  /**
   * Before running a track script keepalived always calls setgroups(), even for root; when that
   * fails it logs "Couldn't setgroups" and the script's process exits 0 without running the
   * script, so the check passes whatever the proxy's state (set_script_env in acassen/keepalived
   * lib/notify.c at v2.2.7, keepalived/core/notify.c today). Without SETGID the address would
   * never leave a node whose proxy is down.
   */
  SETGID: "lets the track script run at all (keepalived calls setgroups before every script)",
} as const;
export type KeepalivedCapability = keyof typeof KEEPALIVED_CAPABILITIES;

/** Where the rendered configuration is mounted in the container. */
export const KEEPALIVED_CONF_PATH = "/etc/keepalived/keepalived.conf";

/** keepalived in the foreground, VRRP only, logging to the console the orchestrator collects. */
export const keepalivedCommand = (confPath = KEEPALIVED_CONF_PATH): string[] => [
  "keepalived",
  "--dont-fork",
  "--log-console",
  "--vrrp",
  `--use-file=${confPath}`,
];

/** One keepalived instance: one per node, since each node's configuration differs. */
export interface KeepalivedInstance {
  /** The node it must run on (a placement constraint on the node's name). */
  readonly node: string;
  readonly args: KeepalivedConfArgs;
}

/** The workload's needs, the same on every orchestrator that runs keepalived. */
export interface KeepalivedWorkloadNeeds {
  /**
   * The host's network namespace: the address must land on the node's own interface, and VRRP
   * adverts go between the nodes' own addresses.
   */
  readonly hostNetwork: true;
  /** Added to an otherwise empty set (drop all, add these). */
  readonly capabilities: readonly KeepalivedCapability[];
  /** Runs as root inside the container, holding only `capabilities`. */
  readonly user: "root";
  /** Programs the image must hold: keepalived, and the HTTP client of the track script. */
  readonly programs: readonly string[];
  readonly command: readonly string[];
  readonly confPath: string;
  /** One instance per node listed in the floating IP, in node order. */
  readonly instances: readonly KeepalivedInstance[];
  /** Restart on exit: a stopped keepalived gives the address to the next node, a restarted one rejoins as backup. */
  readonly restart: "always";
}

/**
 * The needs of the keepalived workload for a floating IP. keepalived has no built-in HTTP check for
 * VRRP: its HTTP_GET checker serves only LVS real servers (keepalived.conf(5), real_server), so the
 * track script runs an HTTP client, curl, which the image must contain.
 */
export function keepalivedWorkloadNeeds(
  floatingIp: FloatingIp,
  perNode: Omit<KeepalivedConfArgs, "floatingIp" | "node">,
): KeepalivedWorkloadNeeds {
  return {
    hostNetwork: true,
    capabilities: Object.keys(KEEPALIVED_CAPABILITIES) as KeepalivedCapability[],
    user: "root",
    programs: ["keepalived", perNode.curl ?? DEFAULT_CURL],
    command: keepalivedCommand(),
    confPath: KEEPALIVED_CONF_PATH,
    instances: floatingIp.nodes.map((n) => ({
      node: n.name,
      args: { ...perNode, floatingIp, node: n.name },
    })),
    restart: "always",
  };
}
