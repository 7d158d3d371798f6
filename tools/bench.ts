// npm run bench: per example stack, how many resources the program declares and how long it
// takes to run under the mock monitor (median of several runs, each in a fresh process), beside
// the same measure of a bare program that registers as many random.RandomString under one
// component (tools/bench-bare-child.ts), the two run in turn so that both see the same load;
// the ratio is what homeport's program costs over Pulumi's own floor for that many resources.
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
console.log(
  `program run under the mock monitor, median of ${runs} runs per stack, interleaved with a bare program of as many resources`,
);
const COLUMNS = [
  "resources",
  "leaves",
  "median ms",
  "min ms",
  "max ms",
  "bare ms",
  "ratio",
  "policy ms",
  "policy ms/resource",
];
/** One fresh process of a bench child; its last stdout line is its JSON result. */
const child = <T>(script: string, arg: string): T =>
  JSON.parse(
    execFileSync(process.execPath, ["--import", "tsx", path.join(__dirname, script), arg], {
      cwd: root,
      encoding: "utf8",
      // The program's warnings are not figures; a failing child's stderr is in the thrown error.
      stdio: ["ignore", "pipe", "pipe"],
    })
      .trim()
      .split("\n")
      .pop() as string,
  ) as T;
console.log(["stack".padEnd(28), ...COLUMNS].join("  "));
for (const file of stacks) {
  const samples: {
    resources: number;
    leaves: number;
    ms: number;
    policyMs: number;
    policyPerResourceMs: number;
  }[] = [];
  const bare: number[] = [];
  for (let i = 0; i < runs; i++) {
    samples.push(child("bench-child.ts", path.join(root, file)));
    // The bare program: one component and as many RandomStrings as the stack has resources
    // besides its own root, so both register the same number of resources.
    const b = child<{ resources: number; ms: number }>(
      "bench-bare-child.ts",
      String(samples[0].resources - 1),
    );
    if (b.resources !== samples[0].resources)
      throw new Error(`bare program registered ${b.resources}, not ${samples[0].resources}`);
    bare.push(b.ms);
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
      median(bare).toFixed(0).padStart(7),
      `${(median(ms) / median(bare)).toFixed(2)}x`.padStart(5),
      median(samples.map((x) => x.policyMs))
        .toFixed(1)
        .padStart(9),
      median(samples.map((x) => x.policyPerResourceMs))
        .toFixed(2)
        .padStart(18),
    ].join("  "),
  );
}
