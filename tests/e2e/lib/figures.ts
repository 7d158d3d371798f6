import * as fs from "node:fs";
import * as path from "node:path";
import { ROOT } from "./pulumi";

/** Where the measured figures go: $HOMEPORT_E2E_OUT, else .e2e/figures.json in the repository. */
export const FIGURES_FILE = process.env.HOMEPORT_E2E_OUT ?? path.join(ROOT, ".e2e", "figures.json");

const figures: Record<string, unknown> = {};

/** Records one figure, prints it, and rewrites the JSON file so a crash keeps what was measured. */
export function record(name: string, value: unknown, unit = ""): void {
  figures[name] = value;
  console.log(
    `# figure ${name}: ${typeof value === "object" ? JSON.stringify(value) : value}${unit}`,
  );
  fs.mkdirSync(path.dirname(FIGURES_FILE), { recursive: true });
  fs.writeFileSync(
    FIGURES_FILE,
    JSON.stringify({ recordedAt: new Date().toISOString(), ...figures }, null, 2) + "\n",
  );
}

export const seconds = (ms: number) => Math.round(ms / 100) / 10;
