/**
 * A stand-in for Nomad's Consul client: services of a Nomad jobspec registered in a Consul agent
 * the way Nomad's Consul integration registers them, without a Nomad agent: the service definitions come in as input (the api.Service
 * objects of a rendered jobspec, github.com/hashicorp/nomad/api services.go), a placement says
 * where the allocation runs, and the registration is the Consul agent API's own type
 * (github.com/hashicorp/consul/api agent.go: AgentServiceRegistration, AgentServiceCheck), sent
 * to PUT /v1/agent/service/register.
 *
 * What Nomad does, and is followed here (github.com/hashicorp/nomad
 * client/serviceregistration/id.go MakeAllocServiceID, command/agent/consul/service_client.go):
 * - the service ID is `_nomad-task-<alloc ID>-<task or "group">-<service>-<port label>`, with the
 *   first 6 hex digits of the MD5 of the tags appended when there are tags;
 * - the service carries the allocation's address and the host port of its port label, its tags
 *   unchanged, and the meta `external-source: nomad`;
 * - http and tcp checks are Consul's own checks against that address and port; a script check is
 *   a TTL check in Consul (interval + 31 s) whose status Nomad sets after running the command in
 *   the task, which `runScriptCheck` does here on this machine instead.
 */
import { spawnSync } from "node:child_process";
import * as crypto from "node:crypto";

/** The api.Service fields that decide a Consul registration (api/services.go). */
export interface NomadService {
  readonly Name: string;
  readonly Tags?: string[] | null;
  readonly PortLabel?: string;
  readonly TaskName?: string;
  readonly Provider?: string;
  readonly Meta?: Record<string, string> | null;
  readonly Checks?: NomadCheck[] | null;
}

/** The api.ServiceCheck fields used here; durations in nanoseconds, as in the jobspec. */
export interface NomadCheck {
  readonly Name?: string;
  readonly Type: string;
  readonly Path?: string;
  readonly Protocol?: string;
  readonly Method?: string;
  readonly PortLabel?: string;
  readonly Command?: string;
  readonly Args?: string[] | null;
  readonly TaskName?: string;
  readonly Interval: number;
  readonly Timeout: number;
}

/** Where one allocation of the group runs: its ID, address and the host port of each label. */
export interface Placement {
  readonly allocId: string;
  readonly address: string;
  readonly ports: Record<string, number>;
}

/** Consul's AgentServiceRegistration (api/agent.go), as far as Nomad fills it in. */
export interface ConsulRegistration {
  ID: string;
  Name: string;
  Tags: string[];
  Address: string;
  Port: number;
  Meta: Record<string, string>;
  Checks: ConsulCheck[];
}

/** Consul's AgentServiceCheck (api/agent.go). */
export interface ConsulCheck {
  CheckID: string;
  Name: string;
  Interval?: string;
  Timeout?: string;
  HTTP?: string;
  Method?: string;
  TCP?: string;
  TTL?: string;
  Status?: string;
}

/** Nomad's TTL margin for script checks (command/agent/consul/service_client.go ttlCheckBuffer). */
const TTL_BUFFER_SECONDS = 31;

const goDuration = (ns: number): string => `${Math.round(ns / 1e6)}ms`;

/** Every group-level service of a jobspec, with the group it belongs to. */
export function groupServices(
  jobspec: string,
): { job: string; group: string; service: NomadService }[] {
  const job = JSON.parse(jobspec) as {
    ID: string;
    TaskGroups: { Name: string; Services?: NomadService[] | null }[];
  };
  return job.TaskGroups.flatMap((g) =>
    (g.Services ?? []).map((service) => ({ job: job.ID, group: g.Name, service })),
  );
}

export function serviceId(service: NomadService, allocId: string): string {
  const parts = ["_nomad-task", allocId, service.TaskName || "group", service.Name];
  if (service.PortLabel) parts.push(service.PortLabel);
  const tags = service.Tags ?? [];
  if (tags.length > 0) {
    const md5 = crypto.createHash("md5");
    for (const tag of tags) md5.update(tag);
    parts.push(md5.digest("hex").slice(0, 6));
  }
  return parts.join("-");
}

function portOf(label: string | undefined, placement: Placement, what: string): number {
  if (!label) return 0;
  if (/^\d+$/.test(label)) return Number(label);
  const port = placement.ports[label];
  if (port === undefined) throw new Error(`${what}: no host port for the port label "${label}"`);
  return port;
}

/** The registration Nomad would send for `service` of an allocation placed at `placement`. */
export function consulRegistration(
  service: NomadService,
  placement: Placement,
): ConsulRegistration {
  if (service.Provider && service.Provider !== "consul" && service.Provider !== "nomad") {
    throw new Error(`service ${service.Name}: provider "${service.Provider}" is not Consul`);
  }
  const id = serviceId(service, placement.allocId);
  const port = portOf(service.PortLabel, placement, `service ${service.Name}`);
  const checks = (service.Checks ?? []).map((check, i): ConsulCheck => {
    const name = check.Name || `service: "${service.Name}" check`;
    const CheckID = `_nomad-check-${crypto.createHash("sha1").update(`${id}\0${name}\0${i}`).digest("hex")}`;
    const checkPort = check.PortLabel ? portOf(check.PortLabel, placement, `check ${name}`) : port;
    const base = { CheckID, Name: name };
    switch (check.Type) {
      case "http":
        return {
          ...base,
          Interval: goDuration(check.Interval),
          Timeout: goDuration(check.Timeout),
          HTTP: `${check.Protocol || "http"}://${placement.address}:${checkPort}${check.Path ?? "/"}`,
          Method: check.Method || undefined,
        };
      case "tcp":
        return {
          ...base,
          Interval: goDuration(check.Interval),
          Timeout: goDuration(check.Timeout),
          TCP: `${placement.address}:${checkPort}`,
        };
      case "script":
        return {
          ...base,
          TTL: `${Math.round(check.Interval / 1e9) + TTL_BUFFER_SECONDS}s`,
          Status: "critical",
        };
      default:
        throw new Error(
          `check ${name}: type "${check.Type}" is not registered in Consul by this harness`,
        );
    }
  });
  return {
    ID: id,
    Name: service.Name,
    Tags: [...(service.Tags ?? [])],
    Address: placement.address,
    Port: port,
    Meta: { ...(service.Meta ?? {}), "external-source": "nomad" },
    Checks: checks,
  };
}

/** PUT <consul>/v1/agent/<path>; throws with Consul's answer when it is not 200. */
export async function consulPut(consul: string, path: string, body?: unknown): Promise<void> {
  const r = await fetch(`${consul}/v1/agent/${path}`, {
    method: "PUT",
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  if (r.status !== 200) throw new Error(`PUT /v1/agent/${path}: ${r.status} ${await r.text()}`);
}

/**
 * Runs a script check's command once, as Nomad runs it in the task, and sets the TTL check's
 * status from its exit code (0 passing, 1 warning, else critical: the script check rules of the
 * job specification). Returns the status it set.
 */
export async function runScriptCheck(
  consul: string,
  check: NomadCheck,
  registered: ConsulCheck,
): Promise<"passing" | "warning" | "critical"> {
  const r = spawnSync(check.Command!, check.Args ?? [], {
    encoding: "utf8",
    timeout: check.Timeout / 1e6,
  });
  const status = r.status === 0 ? "passing" : r.status === 1 ? "warning" : "critical";
  const endpoint = { passing: "pass", warning: "warn", critical: "fail" }[status];
  const note = encodeURIComponent(`${r.stdout}${r.stderr}`.slice(0, 200));
  await consulPut(
    consul,
    `check/${endpoint}/${encodeURIComponent(registered.CheckID)}?note=${note}`,
  );
  return status;
}
