import { UnknownValueError } from "@pulumi/policy";

/** A value that is not known yet (computed during preview): rules skip it, never report it. */
export const UNKNOWN: unique symbol = Symbol("not known yet");
export type Unknown = typeof UNKNOWN;

/** How the render tool prints a value that is not known yet. */
const RENDERED_UNKNOWN = "[unknown]";
/** How the render tool prints a secret: opaque, never parsed. */
export const RENDERED_SECRET = "[secret]";

export type Plain = unknown;

const cache = new WeakMap<object, Plain>();

/**
 * A plain copy of resource properties in which every value that is not known yet is UNKNOWN.
 * CrossGuard hands properties behind a proxy that throws on unknown values, and the render tool
 * prints them as "[unknown]"; both read the same here.
 */
export function plain(value: unknown): Plain {
  if (value === RENDERED_UNKNOWN) return UNKNOWN;
  if (value === null || typeof value !== "object") return value;
  const cached = cache.get(value);
  if (cached !== undefined) return cached;
  let result: Plain;
  if (Array.isArray(value)) {
    result = Array.from({ length: value.length }, (_, i) => plain(read(() => value[i])));
  } else {
    const obj = value as Record<string, unknown>;
    result = Object.fromEntries(Object.keys(obj).map((k) => [k, plain(read(() => obj[k]))]));
  }
  cache.set(value, result);
  return result;
}

function read(get: () => unknown): unknown {
  try {
    return get();
  } catch (err) {
    if (err instanceof UnknownValueError) return UNKNOWN;
    throw err;
  }
}

export const isUnknown = (v: unknown): v is Unknown => v === UNKNOWN;

/** The value at a path of object keys and array indexes; UNKNOWN as soon as a step is. */
export function at(value: unknown, ...path: (string | number)[]): unknown {
  let current = value;
  for (const key of path) {
    if (current === UNKNOWN) return UNKNOWN;
    if (current === null || typeof current !== "object") return undefined;
    current = (current as Record<string | number, unknown>)[key];
  }
  return current;
}

/** An array value, [] when absent; UNKNOWN when not known yet. */
export function list(value: unknown): unknown[] | Unknown {
  if (value === UNKNOWN) return UNKNOWN;
  return Array.isArray(value) ? value : [];
}

/** An object value, {} when absent; UNKNOWN when not known yet. */
export function record(value: unknown): Record<string, unknown> | Unknown {
  if (value === UNKNOWN) return UNKNOWN;
  return value !== null && typeof value === "object" && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

/** Elements of an array that are known; unknown ones are dropped (not known yet). */
export const knownItems = (value: unknown): unknown[] => {
  const items = list(value);
  return items === UNKNOWN ? [] : items.filter((i) => i !== UNKNOWN);
};

/** A number, parsing numeric strings; undefined when absent or not a number. */
export function num(value: unknown): number | Unknown | undefined {
  if (value === UNKNOWN) return UNKNOWN;
  if (typeof value === "number") return value;
  if (typeof value === "string" && value.trim() !== "" && !Number.isNaN(Number(value)))
    return Number(value);
  return undefined;
}

export const str = (value: unknown): string | Unknown | undefined =>
  value === UNKNOWN ? UNKNOWN : typeof value === "string" ? value : undefined;
