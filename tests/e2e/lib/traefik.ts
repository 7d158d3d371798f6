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
