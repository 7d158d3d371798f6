import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { TRAEFIK_IMAGE } from "../../../components/config/parts/proxy";

/** The Traefik version the proxy pins (its image tag, without the "v"). */
export const TRAEFIK_VERSION = TRAEFIK_IMAGE.slice(TRAEFIK_IMAGE.indexOf(":v") + 2);

/** The Traefik binary of that version: built by tests/e2e/images/build-traefik.sh, or named. */
export const TRAEFIK_BIN =
  process.env.HOMEPORT_TRAEFIK_BIN ??
  path.join(os.homedir(), ".cache/homeport/toolchain", `traefik-${TRAEFIK_VERSION}`, "traefik");

/** Why the checks that run Traefik cannot run, or undefined when the binary is there. */
export const TRAEFIK_MISSING = fs.existsSync(TRAEFIK_BIN)
  ? undefined
  : `no Traefik ${TRAEFIK_VERSION} binary at ${TRAEFIK_BIN} (build it with tests/e2e/images/build-traefik.sh)`;

/** Traefik's CRDs of that version, from its Go module (downloaded by its build), if there. */
export function traefikCrdFile(): string | undefined {
  const cache = spawnSync("go", ["env", "GOMODCACHE"], { encoding: "utf8" }).stdout?.trim();
  if (!cache) return undefined;
  const file = path.join(
    cache,
    `github.com/traefik/traefik/v3@v${TRAEFIK_VERSION}`,
    "docs/content/reference/dynamic-configuration/kubernetes-crd-definition-v1.yml",
  );
  return fs.existsSync(file) ? file : undefined;
}
