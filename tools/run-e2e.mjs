// npm run test:e2e: the end-to-end suite on a real single-node Docker Swarm (docs/e2e.md).
// Checks that cannot run on this machine are reported as skipped, with the reason.
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const dir = join(root, "tests", "e2e");
const files = readdirSync(dir, { recursive: true })
  .filter((f) => f.endsWith(".test.ts"))
  .sort()
  .map((f) => join(dir, f));

const result = spawnSync(
  process.execPath,
  [
    "--import",
    join(root, "tools", "loader.mjs"),
    "--test",
    "--test-concurrency=1",
    "--test-timeout=3600000",
    ...files,
  ],
  { cwd: root, stdio: "inherit" },
);
process.exit(result.status ?? 1);
