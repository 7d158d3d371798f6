import * as fs from "node:fs";
import * as yaml from "js-yaml";
import { NAMESPACE } from "./schema";

/** Placeholder for every encrypted value read from a stack file. */
export const SECRET_MASK = "[secret]";

/** A stack file (`Pulumi.<stack>.yaml`) read the way the Pulumi CLI hands config to a program. */
export interface StackFileConfig {
  /** Every key fully qualified (`homeport:sizes`), maps and lists as JSON text. */
  readonly config: Record<string, string>;
  /** Top-level keys that hold an encrypted value anywhere inside (what Pulumi marks secret). */
  readonly secretKeys: string[];
  /**
   * Every path that holds an encrypted (`secure:`) value, fully qualified and dotted as
   * `pulumi config set --path` names it, e.g. "homeport:proxy.certificate.key".
   */
  readonly securePaths: string[];
}

/**
 * Reads a stack file. Encrypted (`secure:`) values cannot be read without the stack's key, so
 * they become "[secret]"; their keys and exact paths are listed.
 * @throws the YAML parser's error (with file:line) or the file system's.
 */
export function readStackFile(file: string): StackFileConfig {
  const doc = (yaml.load(fs.readFileSync(file, "utf8"), { filename: file }) ?? {}) as {
    config?: Record<string, unknown>;
  };
  const config: Record<string, string> = {};
  const secretKeys: string[] = [];
  const securePaths: string[] = [];
  for (const [rawKey, value] of Object.entries(doc.config ?? {})) {
    const key = rawKey.includes(":") ? rawKey : `${NAMESPACE}:${rawKey}`;
    const unwrap = (v: unknown, at: string): unknown => {
      if (Array.isArray(v)) return v.map((inner, i) => unwrap(inner, `${at}[${i}]`));
      if (v !== null && typeof v === "object") {
        const obj = v as Record<string, unknown>;
        if (Object.keys(obj).length === 1 && typeof obj.secure === "string") {
          securePaths.push(at);
          return SECRET_MASK;
        }
        return Object.fromEntries(
          Object.entries(obj).map(([k, inner]) => [k, unwrap(inner, `${at}.${k}`)]),
        );
      }
      return v;
    };
    const before = securePaths.length;
    const plain = unwrap(value, key);
    config[key] =
      plain !== null && typeof plain === "object" ? JSON.stringify(plain) : String(plain);
    if (securePaths.length > before) secretKeys.push(key);
  }
  return { config, secretKeys, securePaths };
}
