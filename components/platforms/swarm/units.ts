import { Cpu, Duration } from "../../model";

/** Docker's notation of the model's units. */

/** Go/Docker duration notation: "30s", "1500ms", "5m". */
export function goDuration(d: Duration): string {
  if (d.ms % 3_600_000 === 0 && d.ms > 0) return `${d.ms / 3_600_000}h`;
  if (d.ms % 60_000 === 0 && d.ms > 0) return `${d.ms / 60_000}m`;
  if (d.ms % 1000 === 0) return `${d.ms / 1000}s`;
  return `${d.ms}ms`;
}

/** Docker's nano-CPUs (1e9 = one core). */
export const nanoCpus = (c: Cpu): number => c.millicores * 1_000_000;
