/**
 * Typed values with units. Each adapter translates them into its orchestrator's notation in its
 * own `units.ts` (Swarm: Go duration strings and bytes; Kubernetes: quantities; Nomad: nanoseconds
 * and MiB/MHz), so a workload never carries a unit-less number whose meaning depends on the target.
 */

/** A span of time, held in milliseconds. */
export interface Duration {
  readonly kind: "duration";
  readonly ms: number;
}

/** An amount of memory, held in bytes. */
export interface Memory {
  readonly kind: "memory";
  readonly bytes: number;
}

/** An amount of CPU, held in millicores (1000 = one core). */
export interface Cpu {
  readonly kind: "cpu";
  readonly millicores: number;
}

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const MEMORY_UNITS: Record<string, number> = {
  "": 1,
  Ki: 1024,
  Mi: 1024 ** 2,
  Gi: 1024 ** 3,
  Ti: 1024 ** 4,
  k: 1000,
  M: 1000 ** 2,
  G: 1000 ** 3,
  T: 1000 ** 4,
};

/** Parses "500ms", "30s", "5m", "1h30m" into a {@link Duration}. */
export function duration(text: string): Duration {
  const parts = /^(\d+(?:\.\d+)?(?:ms|s|m|h))+$/.test(text)
    ? [...text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)]
    : [];
  if (parts.length === 0) {
    throw new Error(
      `"${text}" is not a duration: write a number followed by ms, s, m or h, e.g. "30s" or "1h30m".`,
    );
  }
  const ms = parts.reduce((sum, [, value, unit]) => sum + Number(value) * DURATION_UNITS[unit], 0);
  return { kind: "duration", ms: Math.round(ms) };
}

export const seconds = (n: number): Duration => ({ kind: "duration", ms: Math.round(n * 1000) });
export const minutes = (n: number): Duration => seconds(n * 60);

/** Parses "512Mi", "1Gi", "256M" or a plain byte count into a {@link Memory}. */
export function memory(text: string): Memory {
  const match = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|k|M|G|T)?$/.exec(text);
  if (!match) {
    throw new Error(
      `"${text}" is not a memory size: write a number with Ki, Mi, Gi or Ti (or k, M, G, T), e.g. "512Mi".`,
    );
  }
  return { kind: "memory", bytes: Math.round(Number(match[1]) * MEMORY_UNITS[match[2] ?? ""]) };
}

export const mebibytes = (n: number): Memory => ({
  kind: "memory",
  bytes: Math.round(n * 1024 ** 2),
});
export const gibibytes = (n: number): Memory => mebibytes(n * 1024);

/** Parses "250m" (millicores) or "0.5" / "2" (cores) into a {@link Cpu}. */
export function cpu(text: string): Cpu {
  const match = /^(\d+(?:\.\d+)?)(m)?$/.exec(text);
  if (!match) {
    throw new Error(
      `"${text}" is not a CPU amount: write cores ("0.5", "2") or millicores ("250m").`,
    );
  }
  const value = Number(match[1]);
  return millicores(match[2] ? value : value * 1000);
}

export const millicores = (n: number): Cpu => ({ kind: "cpu", millicores: Math.round(n) });
export const cores = (n: number): Cpu => millicores(n * 1000);

/** Whole mebibytes, rounded up (Docker's container memory, Nomad's MemoryMB). */
export const wholeMebibytes = (m: Memory): number => Math.ceil(m.bytes / 1024 ** 2);
