import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { StackCheck, validateStackConfig, ValidatedStack } from "./load";
import { readStackFile } from "./stack-file";

/** Where the stack's settings come from, beyond Pulumi's runtime. */
export interface ReadOptions {
  /**
   * The stack's own file, read for which exact paths hold encrypted values.
   * @default Pulumi.<stack>.yaml in the working directory (the project directory under `pulumi`)
   */
  readonly stackFile?: string;
  /** Checks of the whole stack, run after the schema's (see `stack-checks.ts`). @default none */
  readonly checks?: (stackDir: string) => readonly StackCheck[];
}

/**
 * Encrypted paths, fully qualified: every exact `secure:` path of the stack file, and for keys the
 * file does not hold (no file, or config from elsewhere, e.g. an environment) the top-level keys
 * Pulumi marks secret, which cannot tell a plain credential from an encrypted sibling.
 */
function secretPaths(config: Record<string, string>, stackFile: string): Set<string> {
  const file = fs.existsSync(stackFile) ? readStackFile(stackFile) : undefined;
  const runtime = pulumi.runtime as unknown as { isConfigSecret?: (key: string) => boolean };
  const elsewhere = Object.keys(config).filter(
    (key) => !(file && key in file.config) && runtime.isConfigSecret?.(key) === true,
  );
  return new Set([...(file?.securePaths ?? []), ...elsewhere]);
}

/**
 * Reads and validates the current stack's `homeport:*` settings, whole: every problem in one
 * ConfigError before any resource exists; warnings are logged.
 */
export function readStackConfig(options: ReadOptions = {}): ValidatedStack {
  const config = pulumi.runtime.allConfig();
  const stackFile = path.resolve(options.stackFile ?? `Pulumi.${pulumi.getStack()}.yaml`);
  const stackDir = path.dirname(stackFile);
  const validated = validateStackConfig(
    config,
    secretPaths(config, stackFile),
    options.checks?.(stackDir) ?? [],
  );
  for (const warning of validated.warnings) pulumi.log.warn(warning);
  return validated;
}
