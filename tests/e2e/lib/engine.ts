import * as fs from "node:fs";
import * as path from "node:path";
import { DOCKER, docker, serviceNames } from "./docker";
import { ROOT, toolchainEnv } from "./pulumi";
import { failure, runSync, waitFor } from "./shell";

/** The suite's own Docker engine: its data, socket and log (tools/docker-engine.sh). */
export const ENGINE_DIR =
  process.env.HOMEPORT_E2E_ENGINE_DIR ??
  path.join(process.env.HOME ?? "/root", ".cache/homeport/e2e/engine");

/** Runs one of the repository's scripts, for at most an hour (image builds are long). */
export function script(rel: string, args: string[] = [], env: NodeJS.ProcessEnv = process.env) {
  return runSync("bash", [path.join(ROOT, rel), ...args], { timeoutMs: 60 * 60_000, env });
}

/**
 * Host paths the stack's parts bind-mount on Swarm that a usual Docker host has but this machine
 * may not (its engine keeps its data elsewhere, and /dev has no disk links): cAdvisor's
 * /var/lib/docker and /dev/disk, the Portainer agent's /var/lib/docker/volumes.
 */
export const STACK_HOST_PATHS = ["/var/lib/docker", "/dev/disk", "/var/lib/docker/volumes"];

/**
 * Creates the missing ones of `paths` (empty) and returns the top-most directory created for
 * each, in creation order, for the caller to remove (last first).
 */
export function createStackHostPaths(paths: readonly string[] = STACK_HOST_PATHS): string[] {
  const created: string[] = [];
  for (const p of paths) {
    if (fs.existsSync(p)) continue;
    let top = p;
    while (!fs.existsSync(path.dirname(top))) top = path.dirname(top);
    fs.mkdirSync(p, { recursive: true });
    created.push(top);
  }
  return created;
}

/**
 * Everything a Swarm e2e file needs before its first check: root, the Pulumi toolchain with the
 * docker and random providers, and the suite's engine started as a single-node Swarm
 * (DOCKER_HOST set to it, services of an earlier crashed run removed). Returns the toolchain's
 * environment with DOCKER_HOST, or why the checks cannot run: never an empty reason.
 */
export async function startSwarmEngine(): Promise<NodeJS.ProcessEnv | string> {
  if (process.getuid?.() !== 0) return "needs root to run dockerd";
  const env = toolchainEnv();
  if (typeof env === "string") return env;
  const plugins = runSync("pulumi", ["plugin", "ls", "--json"], { env });
  if (plugins.status !== 0) {
    return `the Pulumi CLI from the toolchain does not run: ${failure(plugins)}`;
  }
  const names = (JSON.parse(plugins.stdout || "[]") as { name: string; kind: string }[])
    .filter((p) => p.kind === "resource")
    .map((p) => p.name);
  const missing = ["docker", "random"].filter((p) => !names.includes(p));
  if (missing.length > 0) {
    return `the toolchain has no ${missing.join(", ")} provider plugin yet (npm run toolchain)`;
  }
  const install = script("tools/docker-engine.sh", ["install"]);
  if (install.status !== 0) return `Docker engine not installable: ${failure(install, 5)}`;
  const started = script("tools/docker-engine.sh", ["start", ENGINE_DIR]);
  if (started.status !== 0) return `the Docker engine did not start: ${failure(started)}`;
  process.env.DOCKER_HOST = `unix://${ENGINE_DIR}/docker.sock`;
  // A crashed earlier run may have left services behind; this engine is the suite's own.
  for (const s of serviceNames()) docker("service", "rm", s);
  await waitFor(
    "services of an earlier run to go",
    () => (runSync(DOCKER, ["ps", "-q"]).stdout.trim() === "" ? true : undefined),
    120_000,
  );
  return { ...env, DOCKER_HOST: process.env.DOCKER_HOST };
}

/**
 * The test images in the engine (tests/e2e/images/build-images.sh; without Traefik when
 * `withProxy` is false): its report, one line per image, or why they could not be built.
 */
export function buildTestImages(withProxy: boolean): { report: string } | string {
  const images = script("tests/e2e/images/build-images.sh", [], {
    ...process.env,
    ...(withProxy ? {} : { HOMEPORT_E2E_SKIP_TRAEFIK: "1" }),
  });
  if (images.status !== 0) return `the test images could not be built: ${failure(images)}`;
  return { report: images.stdout.trim() };
}

/** Stops the suite's engine, unless HOMEPORT_E2E_KEEP_ENGINE=1 keeps it for the next file. */
export function stopSwarmEngine(): void {
  if (process.env.HOMEPORT_E2E_KEEP_ENGINE !== "1") {
    script("tools/docker-engine.sh", ["stop", ENGINE_DIR]);
  }
}
