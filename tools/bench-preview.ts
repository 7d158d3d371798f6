// `npm run bench -- --preview`: `pulumi preview` of each example stack beside `pulumi preview` of
// a bare program that registers as many random.RandomString under one component, both on a local
// backend in a temporary directory, run in turn so that both see the same load; the ratio is what
// homeport's program costs over the engine's own floor for that many resources.
import * as fs from "node:fs";
import * as path from "node:path";
import { runSync } from "../tests/e2e/lib/shell";
import { jsProject, toolchainEnv, Workspace } from "../tests/e2e/lib/pulumi";

/** What one `pulumi preview` cost: wall-clock and CPU time of the CLI and every process it waited for. */
interface Preview {
  ms: number;
  cpuMs: number;
}

/** The bare program, plain JavaScript: the engine's floor for `count` resources. */
const BARE_PROGRAM = `const pulumi = require("@pulumi/pulumi");
const random = require("@pulumi/random");
class Bare extends pulumi.ComponentResource {
  constructor(count) {
    super("bench:index:Bare", "bare", {});
    for (let i = 0; i < count; i++) new random.RandomString("s" + i, { length: 16 }, { parent: this });
    this.registerOutputs({});
  }
}
new Bare(Number(new pulumi.Config().require("count")));
`;

/**
 * Runs `pulumi preview` of one stack; bash's `times` reports the CPU time of the children it
 * waited for (the CLI, and through it the language host, the program and the providers).
 * @returns the measure, or the one line that says why the preview failed.
 */
function preview(dir: string, stack: string, env: NodeJS.ProcessEnv): Preview | string {
  const started = performance.now();
  const r = runSync(
    "bash",
    [
      "-c",
      '"$@" >"$0.out" 2>&1; s=$?; times; cat "$0.out" >&2; exit $s',
      path.join(dir, `.preview-${stack}`),
      "pulumi",
      "preview",
      "--non-interactive",
      "--stack",
      stack,
    ],
    { cwd: dir, env, timeoutMs: 10 * 60_000 },
  );
  const ms = performance.now() - started;
  if (r.status !== 0) {
    const lines = `${r.stderr}`.split("\n").map((l) => l.trim());
    return lines.find((l) => /^error:/.test(l)) ?? lines.filter(Boolean).pop() ?? "failed";
  }
  // `times` prints the shell's own times, then its children's: "0m1.234s 0m0.567s".
  const children = r.stdout.trim().split("\n").pop() ?? "";
  const seconds = [...children.matchAll(/(\d+)m([\d.]+)s/g)].map(
    (m) => Number(m[1]) * 60 + Number(m[2]),
  );
  return { ms, cpuMs: (seconds[0] + seconds[1]) * 1000 };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/**
 * Prints the preview table for `stacks` (stack name to its file and the resource count of its
 * program under the mock monitor), or one line saying why it cannot run here.
 */
export function previewTable(
  stacks: Map<string, { file: string; resources: number }>,
  runs: number,
) {
  const env = toolchainEnv();
  if (typeof env === "string") {
    console.log(`\npulumi preview: skipped: ${env}.`);
    return;
  }
  console.log(
    `\npulumi preview on a local backend, median of ${runs} runs per stack, interleaved with a bare program of as many resources`,
  );
  const headings = [
    "resources",
    "median ms",
    "bare ms",
    "ratio",
    "cpu ms",
    "bare cpu ms",
    "cpu ratio",
  ];
  console.log(["stack".padEnd(28), ...headings].join("  "));
  for (const [stack, { file, resources }] of stacks) {
    const ws = new Workspace(stack, file, env);
    const bareDir = path.join(ws.dir, "bare");
    jsProject(bareDir, "bare", BARE_PROGRAM);
    // As many RandomStrings as the stack registers besides its own root, as in the mock table.
    fs.writeFileSync(
      path.join(bareDir, "Pulumi.bare.yaml"),
      `config:\n  bare:count: "${resources - 1}"\n`,
    );
    try {
      for (const [dir, name] of [
        [ws.projectDir, stack],
        [bareDir, "bare"],
      ]) {
        const init = runSync("pulumi", ["stack", "init", name, "--non-interactive"], {
          cwd: dir,
          env: ws.env,
        });
        if (init.status !== 0) throw new Error(`pulumi stack init ${name}: ${init.stderr.trim()}`);
      }
      const own: Preview[] = [];
      const bare: Preview[] = [];
      let problem: string | undefined;
      for (let i = 0; i < runs && !problem; i++) {
        const p = preview(ws.projectDir, stack, ws.env);
        if (typeof p === "string") problem = p;
        else own.push(p);
        const b = preview(bareDir, "bare", ws.env);
        if (typeof b === "string") throw new Error(`the bare program's preview failed: ${b}`);
        bare.push(b);
        process.stderr.write(".");
      }
      const m = (xs: Preview[], k: keyof Preview) => median(xs.map((x) => x[k]));
      const cells = problem
        ? [String(resources), `cannot preview here: ${problem}`]
        : [
            String(resources),
            m(own, "ms").toFixed(0),
            m(bare, "ms").toFixed(0),
            `${(m(own, "ms") / m(bare, "ms")).toFixed(2)}x`,
            m(own, "cpuMs").toFixed(0),
            m(bare, "cpuMs").toFixed(0),
            `${(m(own, "cpuMs") / m(bare, "cpuMs")).toFixed(2)}x`,
          ];
      console.log(
        [stack.padEnd(28), ...cells.map((c, i) => c.padStart(headings[i].length))].join("  "),
      );
    } finally {
      fs.rmSync(ws.dir, { recursive: true, force: true });
    }
  }
}
