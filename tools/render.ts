import * as fs from "node:fs";
import { parseArgs } from "node:util";
import { renderStack, runCli, STACK_OPTIONS, stackFileFromArgs } from "./render-lib";

const usage = "usage: npm run render -- (--stack NAME | --config FILE) [--out FILE]";

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: STACK_OPTIONS,
  });
  if (values.help) {
    console.log(usage);
    return 0;
  }
  const file = stackFileFromArgs(values, usage);
  if (typeof file === "number") return file;
  const result = await renderStack(file, values.stack);
  const json = JSON.stringify(result, null, 2) + "\n";
  if (values.out) fs.writeFileSync(values.out, json);
  else process.stdout.write(json);
  return 0;
}

runCli("npm run render", usage, main);
