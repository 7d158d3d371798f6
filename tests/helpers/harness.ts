import assert from "node:assert/strict";
import { parseStackConfig } from "../../components/config/load";
import { StackConfig } from "../../components/config/schema";
import { installRecorder, Recorder, RenderedResource } from "../../tools/render-lib";

export type { Recorder, RenderedResource };

/**
 * Starts Pulumi's mock monitor for one test file. Import the modules under test only after
 * this resolves (dynamic `import()` in a `before` hook): Pulumi reads its settings at import.
 */
export const startRecorder = (stack = "test"): Promise<Recorder> => installRecorder(stack);

/** A validated stack config from plain settings (no `homeport:` prefix needed). */
export function stackConfig(
  settings: Record<string, unknown>,
  secretKeys: string[] = [],
): StackConfig {
  const raw = Object.fromEntries(
    Object.entries(settings).map(([k, v]) => [
      `homeport:${k}`,
      typeof v === "string" ? v : JSON.stringify(v),
    ]),
  );
  return parseStackConfig(raw, new Set(secretKeys.map((k) => `homeport:${k}`)));
}

/** The one resource of a type and name; fails the test when it is missing or ambiguous. */
export function resource(rec: Recorder, type: string, name: string): RenderedResource {
  const found = rec.resources.filter((r) => r.type === type && r.name === name);
  assert.equal(
    found.length,
    1,
    `expected one ${type} named ${name}, found ${found.length}: ${rec.resources.map((r) => `${r.type}/${r.name}`).join(", ")}`,
  );
  return found[0];
}

/** Every resource of a type, by name. */
export function resourcesOfType(rec: Recorder, type: string): Record<string, RenderedResource> {
  return Object.fromEntries(rec.resources.filter((r) => r.type === type).map((r) => [r.name, r]));
}

/** A minimal component to parent workloads to in tests. */
export async function testParent() {
  const pulumi = await import("@pulumi/pulumi");
  return new pulumi.ComponentResource("homeport:test:Parent", "test", {});
}
