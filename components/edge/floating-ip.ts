/**
 * `homeport:edge.floatingIp`: one address that moves between the nodes listed for it, so that the
 * proxy stays reachable at the same address when the node holding it fails. This file holds the
 * setting's plain shape and its checks; the renderers (keepalived, MetalLB) take the parsed form.
 */

/** A node that may hold the floating address. */
export interface FloatingIpNodeSetting {
  /** The node's name as the orchestrator knows it (Swarm node hostname, Nomad node name, Kubernetes node name). */
  readonly name: string;
  /** The node's own IPv4 address on `interface`: the source and peer address of unicast VRRP. */
  readonly address: string;
}

/** `homeport:edge.floatingIp` as written in the stack file (the password arrives separately, as a secret). */
export interface FloatingIpSetting {
  /** IPv4 address with its prefix length, e.g. "172.16.3.10/16". */
  readonly address: string;
  /** The interface the address is added to on the node holding it, e.g. "vxlan100". */
  readonly interface: string;
  /** The nodes that may hold the address, most preferred first. */
  readonly nodes: readonly FloatingIpNodeSetting[];
  /** VRRP virtual router id, 1..255, unique per interface and network segment. */
  readonly routerId: number;
  /**
   * Seconds the first node waits, once healthy again, before it takes the address back. Unset, the
   * address stays where it is until that node fails (keepalived `nopreempt`).
   * @default undefined (no automatic move back)
   */
  readonly preemptDelaySeconds?: number;
}

/** An IPv4 address split once, so renderers never parse it again. */
export interface Ipv4Prefix {
  readonly ip: string;
  readonly prefixLength: number;
}

/** The setting after its checks passed. */
export interface FloatingIp {
  readonly address: Ipv4Prefix;
  readonly interface: string;
  readonly nodes: readonly FloatingIpNodeSetting[];
  readonly routerId: number;
  readonly preemptDelaySeconds?: number;
}

/** One problem with the setting: where, what value, what is wrong, how to fix it. */
export interface EdgeIssue {
  readonly path: (string | number)[];
  readonly value: unknown;
  readonly message: string;
  readonly fix: string;
}

/** The setting's place in the stack configuration. */
export const FLOATING_IP_PATH = ["edge", "floatingIp"] as const;

/**
 * Priority of the first node; each next node gets PRIORITY_STEP less. VRRP priorities are 1..254
 * for routers that do not own the address (RFC 3768 §5.3.4), so this allows MAX_NODES nodes.
 */
export const PRIORITY_FIRST = 200;
export const PRIORITY_STEP = 10;
export const MAX_NODES = 20;

/** keepalived uses only the first eight characters of a PASS password (keepalived.conf(5), auth_pass). */
export const MAX_PASSWORD_LENGTH = 8;

/** keepalived accepts preempt_delay from 0 to 1000 seconds (keepalived.conf(5), preempt_delay). */
export const MAX_PREEMPT_DELAY_SECONDS = 1000;

const OCTET = "(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])";
const IPV4 = new RegExp(`^${OCTET}(\\.${OCTET}){3}$`);
const NODE_NAME = /^[A-Za-z0-9]([A-Za-z0-9._-]{0,62})$/;

/** Linux interface names: 1..15 bytes, not "." or "..", no "/", ":" or whitespace (dev_valid_name). */
export function isInterfaceName(name: string): boolean {
  return (
    name.length >= 1 && name.length <= 15 && name !== "." && name !== ".." && !/[/:\s]/.test(name)
  );
}

export const isIpv4 = (value: string): boolean => IPV4.test(value);

/** Parses "a.b.c.d/n"; undefined when it is not one. */
export function parseIpv4Prefix(value: string): Ipv4Prefix | undefined {
  const match = /^([^/]+)\/([0-9]{1,2})$/.exec(value);
  if (!match || !isIpv4(match[1])) return undefined;
  const prefixLength = Number(match[2]);
  return prefixLength >= 1 && prefixLength <= 32 ? { ip: match[1], prefixLength } : undefined;
}

/** Priority of the node at `index` in the ordered node list. */
export const priorityOf = (index: number): number => PRIORITY_FIRST - PRIORITY_STEP * index;

/** The sentence every issue becomes, in the stack configuration's one format. */
export function describeIssue(issue: EdgeIssue): string {
  return `homeport:${issue.path.join(".")} is ${JSON.stringify(issue.value)}: ${issue.message}. Fix: ${issue.fix}.`;
}

function issue(path: (string | number)[], value: unknown, message: string, fix: string): EdgeIssue {
  return { path: [...FLOATING_IP_PATH, ...path], value, message, fix };
}

function addressIssues(address: string): EdgeIssue[] {
  if (parseIpv4Prefix(address)) return [];
  const bare = isIpv4(address);
  return [
    issue(
      ["address"],
      address,
      bare ? "has no prefix length" : "is not an IPv4 address with a prefix length",
      bare
        ? `write the prefix length of the interface's network after it, e.g. ${address}/24`
        : "write it as address/prefix, e.g. 172.16.3.10/16",
    ),
  ];
}

function nodeIssues(nodes: readonly FloatingIpNodeSetting[], vip: string | undefined): EdgeIssue[] {
  if (nodes.length < 2) {
    return [
      issue(
        ["nodes"],
        nodes,
        `lists ${nodes.length} node${nodes.length === 1 ? "" : "s"}: the address needs at least two nodes to move between`,
        "list every node that may hold the address, most preferred first, e.g. [{name: node-1, address: 172.16.1.1}, {name: node-2, address: 172.16.1.2}]",
      ),
    ];
  }
  if (nodes.length > MAX_NODES) {
    return [
      issue(
        ["nodes"],
        nodes.map((n) => n.name),
        `lists ${nodes.length} nodes: priorities from ${PRIORITY_FIRST} down in steps of ${PRIORITY_STEP} allow at most ${MAX_NODES}`,
        `keep at most ${MAX_NODES} nodes`,
      ),
    ];
  }
  const issues: EdgeIssue[] = [];
  const seenNames = new Map<string, number>();
  const seenAddresses = new Map<string, number>();
  nodes.forEach((node, i) => {
    if (!NODE_NAME.test(node.name)) {
      issues.push(
        issue(
          ["nodes", i, "name"],
          node.name,
          "is not a node name",
          "use the node's name as the orchestrator shows it: letters, digits, '.', '_' or '-', at most 63",
        ),
      );
    }
    const sameName = seenNames.get(node.name);
    if (sameName !== undefined) {
      issues.push(
        issue(
          ["nodes", i, "name"],
          node.name,
          `names the same node as homeport:edge.floatingIp.nodes.${sameName}.name`,
          "list each node once",
        ),
      );
    } else seenNames.set(node.name, i);
    if (!isIpv4(node.address)) {
      issues.push(
        issue(
          ["nodes", i, "address"],
          node.address,
          "is not an IPv4 address",
          "set the node's own address on the interface, without a prefix length, e.g. 172.16.1.1",
        ),
      );
      return;
    }
    if (node.address === vip) {
      issues.push(
        issue(
          ["nodes", i, "address"],
          node.address,
          "is the floating address itself",
          "set the node's own address, not the one that moves between nodes",
        ),
      );
    }
    const sameAddress = seenAddresses.get(node.address);
    if (sameAddress !== undefined) {
      issues.push(
        issue(
          ["nodes", i, "address"],
          node.address,
          `is also the address of homeport:edge.floatingIp.nodes.${sameAddress}`,
          "give each node its own address",
        ),
      );
    } else seenAddresses.set(node.address, i);
  });
  return issues;
}

/** Every problem with `homeport:edge.floatingIp` and its password, found before anything is deployed. */
export function floatingIpIssues(setting: FloatingIpSetting, password?: string): EdgeIssue[] {
  const issues = addressIssues(setting.address);
  if (!isInterfaceName(setting.interface)) {
    issues.push(
      issue(
        ["interface"],
        setting.interface,
        "is not a network interface name",
        "name the interface as `ip link` shows it: 1 to 15 characters, no '/', ':' or spaces, e.g. vxlan100",
      ),
    );
  }
  if (!Number.isInteger(setting.routerId) || setting.routerId < 1 || setting.routerId > 255) {
    issues.push(
      issue(
        ["routerId"],
        setting.routerId,
        "is not a VRRP router id",
        "set a whole number from 1 to 255 that no other VRRP router on this network uses, e.g. 51",
      ),
    );
  }
  const delay = setting.preemptDelaySeconds;
  if (delay !== undefined && !(delay >= 0 && delay <= MAX_PREEMPT_DELAY_SECONDS)) {
    issues.push(
      issue(
        ["preemptDelaySeconds"],
        delay,
        `is outside 0..${MAX_PREEMPT_DELAY_SECONDS}`,
        "set the seconds the first node waits before taking the address back, e.g. 60, or remove it to never move the address back by itself",
      ),
    );
  }
  if (password !== undefined && (password.length < 1 || password.length > MAX_PASSWORD_LENGTH)) {
    // The value is a secret: the message says what is wrong with it without showing it.
    issues.push({
      path: [...FLOATING_IP_PATH, "password"],
      value: "[secret]",
      message: `is ${password.length} characters long; keepalived uses 1 to ${MAX_PASSWORD_LENGTH} and ignores the rest`,
      fix: `set a password of 1 to ${MAX_PASSWORD_LENGTH} characters with \`pulumi config set --secret\``,
    });
  }
  issues.push(...nodeIssues(setting.nodes, parseIpv4Prefix(setting.address)?.ip));
  return issues;
}

/** The parsed setting; throws with every problem, one per line, when there is any. */
export function parseFloatingIp(setting: FloatingIpSetting, password?: string): FloatingIp {
  const issues = floatingIpIssues(setting, password);
  const address = parseIpv4Prefix(setting.address);
  if (issues.length > 0 || !address) throw new Error(issues.map(describeIssue).join("\n"));
  return {
    address,
    interface: setting.interface,
    nodes: setting.nodes,
    routerId: setting.routerId,
    ...(setting.preemptDelaySeconds !== undefined
      ? { preemptDelaySeconds: setting.preemptDelaySeconds }
      : {}),
  };
}

/** One VRRP instance somewhere in a deployment: a stack's floating IP, or one found by a policy. */
export interface RouterIdUse {
  /** Where it is set, for the message, e.g. "homeport:edge.floatingIp" or a resource's name. */
  readonly setting: string;
  readonly ip: string;
  readonly interface: string;
  readonly routerId: number;
}

/**
 * One router id per address, one address per router id on an interface: two VRRP instances with
 * the same id on one segment fight over one virtual MAC and one election (keepalived.conf(5),
 * virtual_router_id), and one address under two ids can be held by two nodes at once.
 */
export function routerIdIssues(uses: readonly RouterIdUse[]): string[] {
  const problems: string[] = [];
  uses.forEach((use, i) => {
    for (const earlier of uses.slice(0, i)) {
      if (earlier.ip === use.ip && earlier.routerId !== use.routerId) {
        problems.push(
          `${use.setting} gives the address ${use.ip} router id ${use.routerId}, but ${earlier.setting} gives it router id ${earlier.routerId}. Fix: use one router id per address (${earlier.routerId}).`,
        );
      } else if (
        earlier.ip !== use.ip &&
        earlier.routerId === use.routerId &&
        earlier.interface === use.interface
      ) {
        problems.push(
          `${use.setting} uses router id ${use.routerId} on ${use.interface} for ${use.ip}, but ${earlier.setting} already uses it there for ${earlier.ip}. Fix: give each address on an interface its own router id.`,
        );
      }
    }
  });
  return problems;
}
