import assert from "node:assert/strict";
import * as http from "node:http";
import { must, runSync, waitFor } from "./shell";

/** Debian's client, which matches the engine the suite starts. */
export const DOCKER = "/usr/bin/docker";

export const docker = (...args: string[]) => runSync(DOCKER, args, { timeoutMs: 60_000 });

/** One JSON document per line (docker's `--format '{{json .}}'`). */
const jsonLines = <T>(text: string): T[] =>
  text
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l) as T);

export interface ServiceState {
  readonly name: string;
  /** Replicas asked for; undefined for global services. */
  readonly desired: number | undefined;
  /** Containers of the service that are up. */
  readonly running: number;
  /** Containers up and either healthy or without a health check. */
  readonly ready: number;
  /** "name: 1/2 ready (starting, unhealthy)" for messages. */
  readonly summary: string;
}

/** Names of the Swarm services in the engine. */
export function serviceNames(): string[] {
  return must(docker("service", "ls", "--format", "{{.Name}}"), "docker service ls")
    .split("\n")
    .filter((n) => n !== "")
    .sort();
}

/** Containers of a service on this node, running or not. */
export function serviceContainers(service: string): { id: string; status: string }[] {
  return jsonLines<{ ID: string; Status: string }>(
    must(
      docker(
        "ps",
        "-a",
        "--no-trunc",
        "--filter",
        `label=com.docker.swarm.service.name=${service}`,
        "--format",
        "{{json .}}",
      ),
      "docker ps",
    ),
  ).map((c) => ({ id: c.ID, status: c.Status }));
}

export function serviceState(service: string): ServiceState {
  const replicas = docker(
    "service",
    "inspect",
    "-f",
    "{{if .Spec.Mode.Replicated}}{{.Spec.Mode.Replicated.Replicas}}{{end}}",
    service,
  ).stdout.trim();
  const up = serviceContainers(service).filter((c) => c.status.startsWith("Up"));
  const ready = up.filter((c) => !/\((health: starting|unhealthy)\)/.test(c.status));
  const desired = replicas === "" ? undefined : Number(replicas);
  const notes = up.filter((c) => !ready.includes(c)).map((c) => /\(([^)]*)\)/.exec(c.status)?.[1]);
  return {
    name: service,
    desired,
    running: up.length,
    ready: ready.length,
    summary: `${service}: ${ready.length}/${desired ?? "global"} ready${notes.length ? ` (${notes.join(", ")})` : ""}`,
  };
}

/** True when every replica of the service runs and passes its health check. */
export const converged = (s: ServiceState) =>
  s.desired === undefined ? s.ready >= 1 && s.ready === s.running : s.ready === s.desired;

export interface ServiceSpecSecret {
  readonly SecretName: string;
  readonly File: { readonly Name: string };
}

export interface ServiceSpec {
  readonly Spec: {
    readonly Name: string;
    readonly Labels?: Record<string, string>;
    readonly TaskTemplate: {
      readonly ContainerSpec: {
        readonly Image: string;
        readonly Args?: string[];
        readonly Env?: string[];
        readonly Secrets?: ServiceSpecSecret[];
      };
      /** The networks its tasks join, by id. */
      readonly Networks?: { readonly Target: string; readonly Aliases?: string[] }[];
    };
  };
}

export function inspectService(service: string): ServiceSpec {
  const out = must(docker("service", "inspect", service), `docker service inspect ${service}`);
  return (JSON.parse(out) as ServiceSpec[])[0];
}

/** The environment of a running container, as KEY=value lines. */
export function containerEnv(id: string): string[] {
  const out = must(docker("inspect", "-f", "{{json .Config.Env}}", id), `docker inspect ${id}`);
  return (JSON.parse(out) as string[] | null) ?? [];
}

/** Names of the objects of one kind left in the engine (networks without the built-in ones). */
export function leftovers(
  kind: "service" | "container" | "network" | "secret" | "config" | "volume",
): string[] {
  const args =
    kind === "volume"
      ? ["volume", "ls", "-q"]
      : kind === "container"
        ? ["ps", "-a", "--format", "{{.Names}}"]
        : [kind, "ls", "--format", "{{.Name}}"];
  const builtIn = new Set(["bridge", "host", "none", "ingress", "docker_gwbridge"]);
  return must(docker(...args), `docker ${kind} ls`)
    .split("\n")
    .filter((n) => n !== "" && !(kind === "network" && builtIn.has(n)))
    .sort();
}

/** The kinds of engine objects a stack leaves or not. */
export const KINDS = ["service", "container", "network", "secret", "config", "volume"] as const;
export type Kind = (typeof KINDS)[number];

/** The kinds that exist only in a swarm: an engine in none cannot list them, and holds none. */
const SWARM_KINDS: readonly Kind[] = ["service", "secret", "config"];

/**
 * Every kind's objects in the engine now, to compare with after a stack is removed; an engine in
 * no swarm (yet) holds no service, secret or config.
 */
export function engineObjects(): Record<Kind, string[]> {
  const inSwarm =
    docker("info", "--format", "{{.Swarm.LocalNodeState}}").stdout.trim() === "active";
  return Object.fromEntries(
    KINDS.map((k) => [k, inSwarm || !SWARM_KINDS.includes(k) ? leftovers(k) : []]),
  ) as Record<Kind, string[]>;
}

/**
 * The names of the data volumes a stack's state marks `retainOnDelete` (read before destroying,
 * so a check follows the program, not a list of its own).
 */
export function retainedVolumes(
  resources: readonly { type: string; retainOnDelete?: boolean; outputs?: { name?: string } }[],
): string[] {
  return resources
    .filter((r) => r.type === "docker:index/volume:Volume" && r.retainOnDelete === true)
    .map((r) => r.outputs!.name!)
    .sort();
}

/**
 * Asserts that after a destroy the engine holds what it held before (`baseline`) and, of the
 * stack, only its retained data volumes; then deletes those, as README "Remove" tells a user to.
 */
export async function assertOnlyRetainedLeft(
  baseline: Record<Kind, string[]>,
  retained: readonly string[],
): Promise<void> {
  const expected = (kind: Kind) =>
    kind === "volume" ? [...new Set([...baseline.volume, ...retained])].sort() : baseline[kind];
  // Swarm removes task containers asynchronously; networks go once their last task is gone.
  await waitFor(
    "the engine to hold nothing of the stack but its retained data volumes",
    () => (KINDS.every((k) => leftovers(k).join() === expected(k).join()) ? true : undefined),
    120_000,
  ).catch(() => undefined);
  for (const kind of KINDS) {
    assert.deepEqual(leftovers(kind), expected(kind), `${kind}s left behind`);
  }
  must(docker("volume", "rm", ...retained), "docker volume rm of the retained data volumes");
  // A volume of the same name retained by an earlier run was in the baseline: it is gone too.
  assert.deepEqual(
    leftovers("volume"),
    baseline.volume.filter((v) => !retained.includes(v)),
    "volumes left after removal",
  );
}

/**
 * A request to the engine's HTTP API on the socket that DOCKER_HOST names (the suite's engine):
 * for what the CLI has no command for, such as creating a service from a whole spec.
 * @returns the status and the parsed JSON body (the text when it is not JSON).
 */
export function engineApi(
  method: string,
  apiPath: string,
  body?: unknown,
): Promise<{ status: number; body: unknown }> {
  const host = process.env.DOCKER_HOST ?? "unix:///var/run/docker.sock";
  assert.ok(host.startsWith("unix://"), `DOCKER_HOST ${host} is not a unix socket`);
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        socketPath: host.slice("unix://".length),
        method,
        path: apiPath,
        headers: payload
          ? { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(payload) }
          : {},
      },
      (res) => {
        let text = "";
        res.on("data", (d) => (text += d));
        res.on("end", () => {
          let parsed: unknown = text;
          try {
            parsed = JSON.parse(text);
          } catch {
            // Not JSON: the text as it is.
          }
          resolve({ status: res.statusCode ?? 0, body: parsed });
        });
      },
    );
    req.on("error", reject);
    req.end(payload);
  });
}

/** The address of this machine on the Swarm's docker_gwbridge, which task containers reach. */
export function gatewayAddress(): string | undefined {
  const r = docker(
    "network",
    "inspect",
    "docker_gwbridge",
    "-f",
    "{{range .IPAM.Config}}{{.Gateway}}{{end}}",
  );
  return r.status === 0 && /^\d+\.\d+\.\d+\.\d+$/.test(r.stdout.trim())
    ? r.stdout.trim()
    : undefined;
}

/**
 * For a failed deployment's message, read before a cleanup removes them: the state and last log
 * lines of each service not yet running and healthy, and the log of each job container that
 * exited with an error (a job is a container, not a service: components/platforms/swarm/job-spec.ts).
 */
export function failureLogs(lines = 15): string {
  const inSwarm =
    docker("info", "--format", "{{.Swarm.LocalNodeState}}").stdout.trim() === "active";
  const services = (inSwarm ? serviceNames() : [])
    .map(serviceState)
    .filter((s) => !converged(s))
    .map((s) => {
      const logs = docker("service", "logs", "--raw", "--tail", String(lines), s.name);
      return `${s.summary}\n${logs.stdout}${logs.stderr}`;
    });
  const jobs = jsonLines<{ Names: string; Status: string; Labels: string }>(
    docker("ps", "-a", "--filter", "status=exited", "--format", "{{json .}}").stdout,
  )
    .filter((c) => !/^Exited \(0\)/.test(c.Status) && !c.Labels.includes("com.docker.swarm.task"))
    .map((c) => {
      const logs = docker("logs", "--tail", String(lines), c.Names);
      return `container ${c.Names}: ${c.Status}\n${logs.stdout}${logs.stderr}`;
    });
  return [...services, ...jobs].join("\n");
}

/**
 * Removes a stack's volumes (named `<stack>-…`) from the suite's engine, for a run that must start
 * its apps fresh: a run stopped before its destroy check leaves the volumes its stack retains, and
 * the next run's apps would start on them (Bazarr's key, seeded once into its retained
 * config.yaml, was then the earlier run's, and the wiring job got Bazarr's 401). Says which.
 */
export function removeStackVolumes(stack: string): string {
  const names = leftovers("volume").filter((v) => v.startsWith(`${stack}-`));
  if (names.length === 0) return `no volume of the stack ${stack} was left`;
  const r = docker("volume", "rm", ...names);
  return r.status === 0
    ? `removed the volumes of the stack ${stack}: ${names.join(", ")}`
    : `could not remove the volumes of the stack ${stack} (${names.join(", ")}): ${r.stderr.trim()}`;
}
