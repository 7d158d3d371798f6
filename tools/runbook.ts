import * as fs from "node:fs";
import { parseArgs } from "node:util";
import { parseStackConfig } from "../components/config/load";
import {
  renderStack,
  runCli,
  STACK_OPTIONS,
  stackFileConfig,
  stackFileFromArgs,
  stackNameOf,
} from "./render-lib";
import { defaultShape, runbook } from "./runbook-lib/document";
import { opsWorkloads } from "./runbook-lib/workloads";

const usage =
  "usage: npm run runbook -- (--stack NAME | --config FILE) [--out FILE] [--nodes N] [--managers M] [--docs FILE]";

/** A positive whole number given to `flag`, or the one-line error. */
function count(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^[1-9]\d*$/.test(value)) {
    throw Object.assign(
      new Error(
        `--${flag} is "${value}": not a positive whole number. Fix: give a count, e.g. --${flag} 3.`,
      ),
      { name: "ConfigError" },
    );
  }
  return Number(value);
}

/** Replaces (or appends) the section of `stack` between its markers in a Markdown file. */
export function withSection(doc: string, stack: string, section: string): string {
  const begin = `<!-- runbook:${stack} -->`;
  const end = `<!-- /runbook:${stack} -->`;
  const block = `${begin}\n\n${section}\n${end}`;
  const a = doc.indexOf(begin);
  const b = doc.indexOf(end);
  return a >= 0 && b > a
    ? doc.slice(0, a) + block + doc.slice(b + end.length)
    : `${doc.trimEnd()}\n\n${block}\n`;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      ...STACK_OPTIONS,
      docs: { type: "string" },
      nodes: { type: "string" },
      managers: { type: "string" },
    },
  });
  if (values.help) {
    console.log(usage);
    return 0;
  }
  const nodes = count("nodes", values.nodes);
  const managers = count("managers", values.managers);
  const file = stackFileFromArgs(values, usage);
  if (typeof file === "number") return file;
  const stack = values.stack ?? stackNameOf(file);
  const { config: raw, secretKeys } = stackFileConfig(file);
  // The validated settings first: a bad stack file stops here with the settings' own report.
  const config = parseStackConfig(raw, new Set(secretKeys));
  const rendered = await renderStack(file, stack);
  const workloads = opsWorkloads(config.target, rendered.resources);
  const text = runbook({
    stack,
    config,
    workloads,
    shape: defaultShape(workloads, nodes, managers),
  });
  if (values.docs)
    fs.writeFileSync(values.docs, withSection(fs.readFileSync(values.docs, "utf8"), stack, text));
  else if (values.out) fs.writeFileSync(values.out, text);
  else process.stdout.write(text);
  return 0;
}

if (require.main === module) runCli("npm run runbook", usage, main);
