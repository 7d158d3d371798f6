import * as pulumi from "@pulumi/pulumi";
import { parseStackConfig } from "./load";
import { StackConfig } from "./schema";

/** Keys Pulumi marked as secret (set with `pulumi config set --secret`). */
function secretKeys(config: Record<string, string>): Set<string> {
  const runtime = pulumi.runtime as unknown as { isConfigSecret?: (key: string) => boolean };
  return new Set(Object.keys(config).filter((key) => runtime.isConfigSecret?.(key) === true));
}

/** Reads and validates the current stack's `homeport:*` settings. */
export function readStackConfig(): StackConfig {
  const config = pulumi.runtime.allConfig();
  return parseStackConfig(config, secretKeys(config));
}
