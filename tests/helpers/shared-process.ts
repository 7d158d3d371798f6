// One process for the unit test files that need none of their own (tools/run-tests.mjs picks
// them: they never start Pulumi's runtime, whose state is global to a process). Each file runs
// as a suite named by its path, so its hooks stay inside it and a failure names the file; one
// process start instead of one a file is most of the time these files took.
import { describe } from "node:test";
import * as path from "node:path";
import { pathToFileURL } from "node:url";

const root = path.resolve(__dirname, "../..");

/** Runs each test file that an environment variable names (one a line) as a suite. */
export function describeFiles(variable: string): void {
  const files = (process.env[variable] ?? "").split("\n").filter(Boolean);
  if (files.length === 0) throw new Error(`${variable} names no test file`);
  for (const file of files) {
    describe(path.relative(root, file), async () => {
      await import(pathToFileURL(file).href);
    });
  }
}

if (require.main === module) describeFiles("HOMEPORT_SHARED_TEST_FILES");
