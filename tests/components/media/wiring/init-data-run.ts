import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  INIT_DATA_CAPABILITIES,
  INIT_DATA_SCRIPT,
  initDataEnv,
} from "../../../../components/media/wiring/data-layout";

/**
 * Runs the init step's script with /bin/sh, as the init container would: as root, with only the
 * capabilities the step keeps (util-linux's setpriv bounds them), else as the caller.
 */
export function runInitData(root: string, uid: number, gid: number) {
  const dir = mkdtempSync(join(tmpdir(), "init-data-"));
  const script = join(dir, "init-data.sh");
  writeFileSync(script, INIT_DATA_SCRIPT);
  const bounded = process.getuid?.() === 0;
  const caps = INIT_DATA_CAPABILITIES.map((c) => `+${c.toLowerCase()}`).join(",");
  const [cmd, args] = bounded
    ? ["setpriv", [`--bounding-set=-all,${caps}`, "--inh-caps=-all", "sh", script]]
    : ["sh", [script]];
  const result = spawnSync(cmd, args, {
    env: { PATH: process.env.PATH ?? "", ...initDataEnv({ uid, gid, root }) },
    encoding: "utf8",
  });
  rmSync(dir, { recursive: true, force: true });
  return result;
}
