// The baseline of `npm run bench`: a bare program that registers <count> random.RandomString
// under one component, in a fresh process, through the same recorder and mock monitor as
// bench-child.ts, so that the two timings differ only by what homeport's program does.
// Prints a JSON line: resource count and milliseconds (wall clock and CPU time), measured over the same steps as
// renderStack (install the monitor, load the program's modules, run it, wait for every RPC).
import { performance } from "node:perf_hooks";
import * as pulumi from "@pulumi/pulumi";
import { installRecorder } from "./render-lib";

/** One component with `count` RandomStrings, the shape of a program that only registers. */
class Bare extends pulumi.ComponentResource {
  constructor(count: number, random: typeof import("@pulumi/random")) {
    super("bench:index:Bare", "bare", {});
    for (let i = 0; i < count; i++) {
      new random.RandomString(`s${i}`, { length: 16 }, { parent: this });
    }
    this.registerOutputs({});
  }
}

async function main() {
  const count = Number(process.argv[2]);
  if (!Number.isInteger(count) || count < 1) throw new Error(`bad count '${process.argv[2]}'`);
  const start = performance.now();
  const cpuStart = process.cpuUsage();
  const recorder = await installRecorder("bench-bare");
  const random = await import("@pulumi/random");
  new Bare(count, random);
  await recorder.settle();
  const ms = performance.now() - start;
  const cpu = process.cpuUsage(cpuStart);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  process.stdout.write(JSON.stringify({ resources: recorder.resources.length, ms, cpuMs }) + "\n");
}

main().catch((err: Error) => {
  console.error(err.stack ?? String(err));
  process.exit(1);
});
