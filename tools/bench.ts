// npm run bench: per example stack, how many resources the program declares and how long it
// takes to run under the mock monitor (median of several runs, each in a fresh process), beside
// the same measure of a bare program that registers as many random.RandomString under one
// component (tools/bench-bare-child.ts), the two run in turn so that both see the same load;
// the ratio is what homeport's program costs over Pulumi's own floor for that many resources.
// Each is measured in wall-clock time and in the CPU time of its process, which a shared
// machine's load changes far less. `--preview` adds `pulumi preview` of each stack against a
// bare program's (tools/bench-preview.ts); `--stack NAME` (repeatable) limits the stacks.
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { previewTable } from "./bench-preview";

const root = path.resolve(__dirname, "..");
const { values } = parseArgs({
  options: {
    runs: { type: "string", default: "5" },
    /** Also `pulumi preview` of each stack against a bare program's (needs the toolchain). */
    preview: { type: "boolean", default: false },
    /** Only these stacks (repeatable). @default every Pulumi.<stack>.yaml */
    stack: { type: "string", multiple: true },
  },
});
const runs = Number(values.runs);
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const stackNameOf = (file: string) => file.replace(/^Pulumi\.|\.yaml$/g, "");
const stacks = fs
  .readdirSync(root)
  .filter((f) => /^Pulumi\..+\.yaml$/.test(f))
  .filter((f) => !values.stack || values.stack.includes(stackNameOf(f)))
  .sort();
console.log(
  `program run under the mock monitor, median of ${runs} runs per stack, interleaved with a bare program of as many resources`,
);
/** One fresh process of a bench child; its last stdout line is its JSON result. */
const child = <T>(script: string, arg: string): T =>
  JSON.parse(
    execFileSync(
      process.execPath,
      ["--import", path.join(__dirname, "loader.mjs"), path.join(__dirname, script), arg],
      {
        cwd: root,
        encoding: "utf8",
        // The program's warnings are not figures; a failing child's stderr is in the thrown error.
        stdio: ["ignore", "pipe", "pipe"],
      },
    )
      .trim()
      .split("\n")
      .pop() as string,
  ) as T;
/** What a bench child measured: wall-clock and CPU milliseconds of its own process. */
interface Sample {
  resources: number;
  ms: number;
  cpuMs: number;
}
interface StackSample extends Sample {
  leaves: number;
  policyMs: number;
  policyPerResourceMs: number;
}
const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}x`;
/** The columns of the table: a heading and the figure for one stack's samples. */
const COLUMNS: [string, (s: StackSample[], bare: Sample[]) => string][] = [
  ["resources", (s) => String(s[0].resources)],
  ["leaves", (s) => String(s[0].leaves)],
  ["median ms", (s) => median(s.map((x) => x.ms)).toFixed(0)],
  ["min ms", (s) => Math.min(...s.map((x) => x.ms)).toFixed(0)],
  ["max ms", (s) => Math.max(...s.map((x) => x.ms)).toFixed(0)],
  ["bare ms", (_, b) => median(b.map((x) => x.ms)).toFixed(0)],
  ["ratio", (s, b) => ratio(median(s.map((x) => x.ms)), median(b.map((x) => x.ms)))],
  ["cpu ms", (s) => median(s.map((x) => x.cpuMs)).toFixed(0)],
  ["bare cpu ms", (_, b) => median(b.map((x) => x.cpuMs)).toFixed(0)],
  ["cpu ratio", (s, b) => ratio(median(s.map((x) => x.cpuMs)), median(b.map((x) => x.cpuMs)))],
  ["policy ms", (s) => median(s.map((x) => x.policyMs)).toFixed(1)],
  ["policy ms/resource", (s) => median(s.map((x) => x.policyPerResourceMs)).toFixed(2)],
];
console.log(["stack".padEnd(28), ...COLUMNS.map(([h]) => h)].join("  "));
const counted = new Map<string, { file: string; resources: number }>();
for (const file of stacks) {
  const samples: StackSample[] = [];
  const bare: Sample[] = [];
  for (let i = 0; i < runs; i++) {
    samples.push(child("bench-child.ts", path.join(root, file)));
    // The bare program: one component and as many RandomStrings as the stack has resources
    // besides its own root, so both register the same number of resources.
    const b = child<Sample>("bench-bare-child.ts", String(samples[0].resources - 1));
    if (b.resources !== samples[0].resources)
      throw new Error(`bare program registered ${b.resources}, not ${samples[0].resources}`);
    bare.push(b);
    process.stderr.write(".");
  }
  console.log(
    [
      stackNameOf(file).padEnd(28),
      ...COLUMNS.map(([h, f]) => f(samples, bare).padStart(h.length)),
    ].join("  "),
  );
  counted.set(stackNameOf(file), { file: path.join(root, file), resources: samples[0].resources });
}
if (values.preview) previewTable(counted, runs);
