// npm run bench: per example stack, how many resources the program declares and how long it
// takes to run under the mock monitor (median of several runs, each in a fresh process).
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";

const root = path.resolve(__dirname, "..");
const { values } = parseArgs({ options: { runs: { type: "string", default: "5" } } });
const runs = Number(values.runs);
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const stacks = fs
  .readdirSync(root)
  .filter((f) => /^Pulumi\..+\.yaml$/.test(f))
  .sort();
console.log(`program run under the mock monitor, median of ${runs} runs per stack`);
const COLUMNS = [
  "resources",
  "leaves",
  "median ms",
  "min ms",
  "max ms",
  "policy ms",
  "policy ms/resource",
];
console.log(["stack".padEnd(28), ...COLUMNS].join("  "));
for (const file of stacks) {
  const samples: {
    resources: number;
    leaves: number;
    ms: number;
    policyMs: number;
    policyPerResourceMs: number;
  }[] = [];
  for (let i = 0; i < runs; i++) {
    const out = execFileSync(
      process.execPath,
      ["--import", "tsx", path.join(__dirname, "bench-child.ts"), path.join(root, file)],
      {
        cwd: root,
        encoding: "utf8",
      },
    );
    samples.push(JSON.parse(out.trim().split("\n").pop() as string));
    process.stderr.write(".");
  }
  const ms = samples.map((s) => s.ms);
  console.log(
    [
      file.replace(/^Pulumi\.|\.yaml$/g, "").padEnd(28),
      String(samples[0].resources).padStart(9),
      String(samples[0].leaves).padStart(6),
      median(ms).toFixed(0).padStart(9),
      Math.min(...ms)
        .toFixed(0)
        .padStart(6),
      Math.max(...ms)
        .toFixed(0)
        .padStart(6),
      median(samples.map((x) => x.policyMs))
        .toFixed(1)
        .padStart(9),
      median(samples.map((x) => x.policyPerResourceMs))
        .toFixed(2)
        .padStart(18),
    ].join("  "),
  );
}
