/**
 * keepalived.conf for one node of a floating IP: unicast VRRP between the listed nodes, priority by
 * node order, and a track script on the local proxy's ping so the address leaves a node whose proxy
 * is down.
 *
 * Keywords and their meaning follow keepalived's own manual page, acassen/keepalived
 * doc/man/man5/keepalived.conf.5.in (global_defs: router_id, script_user, enable_script_security;
 * vrrp_script: script, interval, timeout, fall, rise, weight; vrrp_instance: state, interface,
 * virtual_router_id, priority, advert_int, nopreempt, preempt_delay, unicast_src_ip,
 * unicast_peer, check_unicast_src, authentication/auth_type/auth_pass, virtual_ipaddress,
 * track_script), checked by Debian's keepalived 2.2.7 with `keepalived -t -f FILE`.
 */
import * as pulumi from "@pulumi/pulumi";
import { FloatingIp, priorityOf } from "./floating-ip";

/** How the track script reaches the local proxy's ping. */
export interface PingTarget {
  /** @default "127.0.0.1" (keepalived runs in the host's network namespace) */
  readonly host?: string;
  /** The port of the proxy's private entry point that serves the ping. */
  readonly port: number;
  /** @default "/ping" (Traefik's ping endpoint) */
  readonly path?: string;
}

/** How often the ping runs and how many results change the node's state. */
export interface PingCheck {
  /** Seconds between two pings. @default 1 */
  readonly intervalSeconds?: number;
  /** Seconds a ping may take before it counts as failed. @default 1 */
  readonly timeoutSeconds?: number;
  /** Failed pings in a row before the node gives the address up. @default 2 */
  readonly fall?: number;
  /** Good pings in a row before the node may hold the address again. @default 2 */
  readonly rise?: number;
}

export interface KeepalivedConfArgs {
  readonly floatingIp: FloatingIp;
  /** The node this configuration is for: one of `floatingIp.nodes`. */
  readonly node: string;
  readonly ping: PingTarget;
  readonly check?: PingCheck;
  /** Seconds between VRRP adverts. @default 1 */
  readonly advertIntervalSeconds?: number;
  /**
   * User the track script runs as. Any user but the one keepalived runs as costs keepalived
   * CAP_SETUID too (CAP_SETGID it needs anyway: keepalived-workload.ts), and makes Debian's keepalived 2.2.7 kill itself in `-t` mode (its
   * lib/notify.c checks the parent's pid after switching users, which upstream now skips in config
   * test mode: keepalived/core/notify.c). Root in the workload holds only the capabilities that
   * keepalived needs anyway, and the script is a fixed curl command.
   * @default "root"
   */
  readonly scriptUser?: string;
  /** The HTTP client the track script runs; its path must be writable by root only. @default "/usr/bin/curl" */
  readonly curl?: string;
  /** VRRP PASS password, plain: call this from inside an apply and keep the result secret. */
  readonly password?: string;
}

export const DEFAULT_PING_CHECK: Required<PingCheck> = {
  intervalSeconds: 1,
  timeoutSeconds: 1,
  fall: 2,
  rise: 2,
};
export const DEFAULT_ADVERT_INTERVAL_SECONDS = 1;
export const DEFAULT_SCRIPT_USER = "root";
export const DEFAULT_CURL = "/usr/bin/curl";
export const DEFAULT_PING_HOST = "127.0.0.1";
export const DEFAULT_PING_PATH = "/ping";

/** Name of the track script and of the VRRP instance (one per router id). */
export const TRACK_SCRIPT = "proxy_ping";
export const instanceName = (routerId: number): string => `homeport_vip_${routerId}`;

/** The URL the track script asks. */
export function pingUrl(ping: PingTarget): string {
  return `http://${ping.host ?? DEFAULT_PING_HOST}:${ping.port}${ping.path ?? DEFAULT_PING_PATH}`;
}

const block = (head: string, body: readonly string[], indent = ""): string[] => [
  `${indent}${head} {`,
  ...body.map((line) => `${indent}  ${line}`),
  `${indent}}`,
];

/**
 * keepalived.conf for `args.node`. Every node starts as BACKUP: the election, not the file,
 * decides who holds the address, and `nopreempt` only works from BACKUP. Without a preempt delay
 * the address stays where it is once moved (`nopreempt`), so a node coming back does not cause a
 * second interruption; with one, the first node takes it back that many seconds after it is
 * healthy again (`preempt_delay`).
 */
export function keepalivedConf(args: KeepalivedConfArgs): string {
  const { floatingIp } = args;
  const index = floatingIp.nodes.findIndex((n) => n.name === args.node);
  if (index < 0) {
    throw new Error(
      `keepalived: node "${args.node}" is not one of homeport:edge.floatingIp.nodes (${floatingIp.nodes.map((n) => n.name).join(", ")}).`,
    );
  }
  const self = floatingIp.nodes[index];
  const peers = floatingIp.nodes.filter((_, i) => i !== index).map((n) => n.address);
  const check = { ...DEFAULT_PING_CHECK, ...args.check };
  const curl = args.curl ?? DEFAULT_CURL;
  const { ip, prefixLength } = floatingIp.address;

  const script = [
    // --fail: an HTTP error status is a failed ping, not only a refused connection.
    `script "${curl} --silent --fail --max-time ${check.timeoutSeconds} --output /dev/null ${pingUrl(args.ping)}"`,
    `interval ${check.intervalSeconds}`,
    // keepalived's own limit sits just above curl's, so curl reports the timeout itself.
    `timeout ${check.timeoutSeconds + 1}`,
    `fall ${check.fall}`,
    `rise ${check.rise}`,
    // Weight 0: after `fall` failures the instance goes to FAULT and releases the address,
    // whatever the other nodes' priorities are.
    "weight 0",
  ];

  const instance = [
    "state BACKUP",
    `interface ${floatingIp.interface}`,
    `virtual_router_id ${floatingIp.routerId}`,
    `priority ${priorityOf(index)}`,
    `advert_int ${args.advertIntervalSeconds ?? DEFAULT_ADVERT_INTERVAL_SECONDS}`,
    floatingIp.preemptDelaySeconds === undefined
      ? "nopreempt"
      : `preempt_delay ${floatingIp.preemptDelaySeconds}`,
    `unicast_src_ip ${self.address}`,
    ...block("unicast_peer", peers),
    // Adverts from any address but the listed peers are ignored.
    "check_unicast_src",
    ...(args.password !== undefined
      ? block("authentication", ["auth_type PASS", `auth_pass ${args.password}`])
      : []),
    ...block("virtual_ipaddress", [`${ip}/${prefixLength} dev ${floatingIp.interface}`]),
    ...block("track_script", [TRACK_SCRIPT]),
  ];

  return (
    [
      `# keepalived for node ${self.name} of the floating address ${ip}/${prefixLength} (router id ${floatingIp.routerId}).`,
      ...block("global_defs", [
        `router_id ${self.name}`,
        `script_user ${args.scriptUser ?? DEFAULT_SCRIPT_USER}`,
        // Scripts whose path a non-root user could change are refused.
        "enable_script_security",
      ]),
      "",
      ...block(`vrrp_script ${TRACK_SCRIPT}`, script),
      "",
      ...block(`vrrp_instance ${instanceName(floatingIp.routerId)}`, instance),
    ].join("\n") + "\n"
  );
}

/**
 * The same configuration with the password as a Pulumi input: the result is secret whenever a
 * password is given, so it never reaches state or logs in plain text.
 */
export function keepalivedConfOutput(
  args: Omit<KeepalivedConfArgs, "password">,
  password?: pulumi.Input<string>,
): pulumi.Output<string> {
  if (password === undefined) return pulumi.output(keepalivedConf(args));
  return pulumi.secret(
    pulumi.output(password).apply((p) => keepalivedConf({ ...args, password: p })),
  );
}
