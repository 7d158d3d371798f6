import * as fs from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import {
  evaluatePolicies,
  Evaluation,
  packConfigFile,
  readPackConfig,
  Violation,
} from "../policies/lib/evaluate";
import { POLICIES } from "../policies/lib/catalogue";
import { renderStack, runCli, stackFileConfig, stackFileFromArgs } from "./render-lib";

export { evaluatePolicies };
export type { Evaluation, Violation };

const usage =
  "usage: npm run policy -- (--stack NAME | --config FILE) [--pack-config FILE] [--json]";

const SEVERITY_ORDER = ["critical", "high", "medium", "low"];

/** Violations as text, grouped by enforcement level, severity and rule. */
export function formatViolations(violations: readonly Violation[]): string {
  if (violations.length === 0) return "No policy violations.\n";
  const lines: string[] = [];
  for (const level of ["mandatory", "advisory", "remediate"]) {
    const ofLevel = violations.filter((v) => v.enforcementLevel === level);
    if (ofLevel.length === 0) continue;
    lines.push(`${level} (${ofLevel.length}):`);
    for (const severity of SEVERITY_ORDER) {
      for (const policy of POLICIES) {
        const found = ofLevel.filter((v) => v.severity === severity && v.policy === policy.name);
        if (found.length === 0) continue;
        lines.push(`  [${severity}] ${policy.name} (${found.length})`);
        for (const v of found) lines.push(`    - ${v.message}`);
      }
    }
  }
  return lines.join("\n") + "\n";
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      stack: { type: "string" },
      config: { type: "string" },
      "pack-config": { type: "string" },
      json: { type: "boolean" },
      help: { type: "boolean" },
    },
  });
  if (values.help) {
    console.log(usage);
    return 0;
  }
  const file = stackFileFromArgs(values, usage);
  if (typeof file === "number") return file;
  const environment = stackFileConfig(file).config["homeport:environment"] ?? "dev";
  const packConfig = values["pack-config"]
    ? path.resolve(values["pack-config"])
    : packConfigFile(environment);
  if (!fs.existsSync(packConfig)) {
    console.error(
      `Pack config ${packConfig} does not exist. Fix: set homeport:environment to dev or production, or pass --pack-config FILE.`,
    );
    return 2;
  }
  let config: ReturnType<typeof readPackConfig>;
  try {
    config = readPackConfig(packConfig);
  } catch (err) {
    if (!(err instanceof SyntaxError)) throw err;
    console.error(
      `${packConfig}: not valid JSON (${err.message}). Fix: correct it, or pass --pack-config FILE.`,
    );
    return 1;
  }
  const rendered = await renderStack(file, values.stack);
  const result = await evaluatePolicies(rendered.resources, environment, { config });
  const mandatory = result.violations.filter((v) => v.enforcementLevel === "mandatory");
  if (values.json) {
    process.stdout.write(JSON.stringify({ environment, ...result }, null, 2) + "\n");
  } else {
    process.stdout.write(
      `Policy pack on stack ${rendered.stack} (${environment}, ${path.basename(packConfig)}): ` +
        `${result.timing.resources} resources.\n` +
        formatViolations(result.violations),
    );
  }
  return mandatory.length > 0 ? 1 : 0;
}

if (require.main === module) runCli("npm run policy", usage, main);
