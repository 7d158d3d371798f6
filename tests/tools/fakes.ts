import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

/** A directory of executable shell scripts (name -> body) to put first on PATH. */
export function fakes(scripts: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "homeport-fakes-"));
  for (const [name, body] of Object.entries(scripts)) {
    fs.writeFileSync(path.join(dir, name), `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  }
  return dir;
}

/**
 * A directory holding only the named basic commands (links to the machine's own), so that a
 * script under test sees none of the tools the machine happens to have (pulumi, docker, apt-get).
 */
export function basics(names: readonly string[]): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "homeport-basics-"));
  for (const name of names) {
    const found = ["/usr/bin", "/bin"].map((d) => path.join(d, name)).find((f) => fs.existsSync(f));
    if (found) fs.symlinkSync(found, path.join(dir, name));
  }
  return dir;
}
