/**
 * A small network for floating-IP checks, made of network namespaces only: a bridge in its own
 * namespace, and one namespace per node plus one for the client, each joined to the bridge by a
 * veth pair. All its addresses live in 10.250.0.0/24 inside these namespaces; nothing is added to
 * the machine's own namespace, so no rule of the machine's firewall applies and none is changed.
 */
import { ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";
import { runSync } from "../lib/shell";

export const SUBNET_PREFIX = 24;
export const INTERFACE = "edge0";

export interface LabHost {
  readonly ns: string;
  readonly address: string;
}

/** A process started in a namespace, with its output kept for the test's messages. */
export interface LabProcess {
  readonly child: ChildProcess;
  readonly output: () => string;
}

/** Why the lab cannot be built on this machine, or undefined when it can. */
export function labBlocked(): string | undefined {
  if (process.getuid?.() !== 0) return "network namespaces need root";
  for (const [cmd, pkg] of [
    ["ip", "iproute2"],
    ["keepalived", "keepalived"],
    ["curl", "curl"],
    ["setpriv", "util-linux"],
  ]) {
    if (runSync("sh", ["-c", `command -v ${cmd}`]).status !== 0) {
      return `${cmd} is not installed (apt-get install ${pkg})`;
    }
  }
  return undefined;
}

function ip(args: string[]): void {
  const r = runSync("ip", args, { timeoutMs: 10_000 });
  if (r.status !== 0) throw new Error(`ip ${args.join(" ")} failed: ${r.stderr.trim()}`);
}

/** SIGKILL to `pid` if it is still the process whose command line holds `marker`. */
export function stopIfOurs(pid: number, marker: string): boolean {
  let cmdline: string;
  try {
    cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8");
  } catch {
    return false;
  }
  if (!cmdline.split("\0").some((word) => word.includes(marker))) return false;
  process.kill(pid, "SIGKILL");
  return true;
}

export class Lab {
  readonly bridgeNs: string;
  private readonly namespaces: string[] = [];
  private readonly processes: LabProcess[] = [];
  /** Processes forked by the ones it started (keepalived's VRRP child), stopped by `destroy` too. */
  private readonly forked: { pid: number; marker: string }[] = [];

  constructor(readonly prefix: string) {
    this.bridgeNs = `${prefix}-br`;
  }

  /** The bridge's namespace and the bridge. */
  create(): void {
    this.addNs(this.bridgeNs);
    ip(["-n", this.bridgeNs, "link", "add", "br0", "type", "bridge"]);
    ip(["-n", this.bridgeNs, "link", "set", "br0", "up"]);
  }

  /** A host namespace with `address` on INTERFACE, plugged into the bridge. */
  host(name: string, address: string): LabHost {
    const ns = `${this.prefix}-${name}`;
    this.addNs(ns);
    const port = `p-${name}`;
    ip([
      "-n",
      this.bridgeNs,
      "link",
      "add",
      port,
      "type",
      "veth",
      "peer",
      "name",
      INTERFACE,
      "netns",
      ns,
    ]);
    ip(["-n", this.bridgeNs, "link", "set", port, "master", "br0", "up"]);
    ip(["-n", ns, "link", "set", "lo", "up"]);
    ip(["-n", ns, "addr", "add", `${address}/${SUBNET_PREFIX}`, "dev", INTERFACE]);
    ip(["-n", ns, "link", "set", INTERFACE, "up"]);
    return { ns, address };
  }

  /** Starts `cmd` inside `host`'s namespace; stopped by `destroy`. */
  start(host: LabHost, cmd: string, args: string[]): LabProcess {
    const child = spawn("ip", ["netns", "exec", host.ns, cmd, ...args], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout?.setEncoding("utf8").on("data", (d: string) => (out += d));
    child.stderr?.setEncoding("utf8").on("data", (d: string) => (out += d));
    const proc = { child, output: () => out };
    this.processes.push(proc);
    return proc;
  }

  /**
   * Records a process that one of its processes forked, so `destroy` stops it too. `marker` is a
   * word of its command line (a path of the test's own): a pid that has since gone and been reused
   * by another process is left alone.
   */
  adopt(pid: number, marker: string): void {
    this.forked.push({ pid, marker });
  }

  /** The IPv4 addresses on INTERFACE in `host`'s namespace. */
  addresses(host: LabHost): string[] {
    const r = runSync("ip", ["-n", host.ns, "-4", "-o", "addr", "show", "dev", INTERFACE], {
      timeoutMs: 5_000,
    });
    return [...r.stdout.matchAll(/inet ([0-9.]+)\//g)].map((m) => m[1]);
  }

  /** Stops every process it started (by pid) and removes its namespaces, veth pairs with them. */
  destroy(): string[] {
    const problems: string[] = [];
    for (const { child } of this.processes) {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    }
    for (const { pid, marker } of this.forked) stopIfOurs(pid, marker);
    for (const ns of [...this.namespaces].reverse()) {
      const r = runSync("ip", ["netns", "del", ns], { timeoutMs: 10_000 });
      if (r.status !== 0) problems.push(`ip netns del ${ns}: ${r.stderr.trim()}`);
    }
    this.namespaces.length = 0;
    return problems;
  }

  private addNs(ns: string): void {
    ip(["netns", "add", ns]);
    this.namespaces.push(ns);
  }
}
