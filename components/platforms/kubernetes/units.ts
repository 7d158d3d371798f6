import { Cpu, Duration, Memory } from "../../model";

/** Kubernetes' notation of the model's units (quantities, whole seconds). */

const BINARY_UNITS: [string, number][] = [
  ["Ti", 1024 ** 4],
  ["Gi", 1024 ** 3],
  ["Mi", 1024 ** 2],
  ["Ki", 1024],
];

/** Whole seconds, rounded up (probe and grace-period fields). */
export const wholeSeconds = (d: Duration): number => Math.ceil(d.ms / 1000);

/** Quantity for memory: the largest binary unit that divides evenly. */
export function memoryQuantity(m: Memory): string {
  for (const [unit, size] of BINARY_UNITS) {
    if (m.bytes % size === 0 && m.bytes > 0) return `${m.bytes / size}${unit}`;
  }
  return `${m.bytes}`;
}

/** Quantity for CPU: millicores. */
export const cpuQuantity = (c: Cpu): string => `${c.millicores}m`;
