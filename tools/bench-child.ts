// One measured render of one stack, in a fresh process (Pulumi's runtime state is global).
// Prints a JSON line: resource count, and the milliseconds (wall clock, and CPU time of this
// process: the machine may be shared) spent running the program.
import { performance } from "node:perf_hooks";
import { evaluatePolicies } from "../policies/lib/evaluate";
import { renderStack } from "./render-lib";

async function main() {
  const file = process.argv[2];
  const start = performance.now();
  const cpuStart = process.cpuUsage();
  const result = await renderStack(file);
  const ms = performance.now() - start;
  const cpu = process.cpuUsage(cpuStart);
  const leaves = result.resources.filter((r) => r.custom).length;
  const evaluation = await evaluatePolicies(result.resources, String(result.outputs.environment));
  process.stdout.write(
    JSON.stringify({
      resources: result.resources.length,
      leaves,
      ms,
      cpuMs: (cpu.user + cpu.system) / 1000,
      policyMs: evaluation.timing.totalMs,
      policyPerResourceMs: evaluation.timing.perResourceMs,
    }) + "\n",
  );
}

main().catch((err: Error) => {
  console.error(err.stack ?? String(err));
  process.exit(1);
});
