/**
 * Ceph's cephx secrets and keyring files, rendered from random bytes given as input so that a
 * random source outside this module (Pulumi's `random.RandomBytes`, a test's fixed bytes) decides
 * them and the result is the same on every run.
 *
 * Encoding follows ceph/ceph src/auth/Crypto.cc (`CryptoKey::encode`): a little-endian u16 key
 * type (CEPH_CRYPTO_AES = 1, src/include/ceph_fs.h), the creation time as a `utime_t` (u32
 * seconds, u32 nanoseconds, src/include/utime.h), a u16 secret length, then the 16 secret bytes
 * (AES_KEY_LEN); the keyring carries that blob in base64 (`CryptoKey::encode_base64`). Keyring
 * text follows `KeyRing::encode_plaintext` in src/auth/KeyRing.cc: a `[entity]` section, a
 * tab-indented `key = ...` line and one quoted `caps <service> = "..."` line per service.
 */

/** Ceph's key type for AES keys (CEPH_CRYPTO_AES). */
const CEPH_CRYPTO_AES = 1;
/** Length of an AES secret in bytes (AES_KEY_LEN in src/auth/Crypto.cc). */
export const CEPH_SECRET_BYTES = 16;

/** Ceph services a capability line may name, in the order `ceph auth` prints them. */
export const CEPH_CAP_SERVICES = ["mds", "mgr", "mon", "osd"] as const;
export type CephCapService = (typeof CEPH_CAP_SERVICES)[number];

export interface CephKeyArgs {
  /** The secret: exactly 16 bytes, as raw bytes or base64 (what `random.RandomBytes` gives). */
  readonly secret: Uint8Array | string;
  /**
   * The key's creation time, seconds since the epoch. Ceph records it but never checks it; a fixed
   * value keeps the rendered key stable across runs. @default 0
   */
  readonly createdSeconds?: number;
  /** Nanoseconds part of the creation time. @default 0 */
  readonly createdNanoseconds?: number;
}

function secretBytes(secret: Uint8Array | string): Buffer {
  const bytes = typeof secret === "string" ? Buffer.from(secret, "base64") : Buffer.from(secret);
  if (bytes.length !== CEPH_SECRET_BYTES) {
    throw new Error(
      `a Ceph key secret must be ${CEPH_SECRET_BYTES} random bytes, got ${bytes.length}: ` +
        `pass 16 bytes (e.g. random.RandomBytes with length 16)`,
    );
  }
  return bytes;
}

/** A cephx key as Ceph writes it in keyrings (`AQ...==`, 40 characters). */
export function cephKey(args: CephKeyArgs): string {
  const created = args.createdSeconds ?? 0;
  const nanos = args.createdNanoseconds ?? 0;
  if (!Number.isInteger(created) || created < 0 || created > 0xffffffff) {
    throw new Error(
      `createdSeconds must be a whole number of seconds between 0 and 4294967295, got ${created}`,
    );
  }
  if (!Number.isInteger(nanos) || nanos < 0 || nanos > 999_999_999) {
    throw new Error(`createdNanoseconds must be between 0 and 999999999, got ${nanos}`);
  }
  const secret = secretBytes(args.secret);
  const header = Buffer.alloc(12);
  header.writeUInt16LE(CEPH_CRYPTO_AES, 0);
  header.writeUInt32LE(created, 2);
  header.writeUInt32LE(nanos, 6);
  header.writeUInt16LE(secret.length, 10);
  return Buffer.concat([header, secret]).toString("base64");
}

/** One entity of a keyring: its name, its key and its capabilities per service. */
export interface KeyringEntry {
  /** Entity name, e.g. `mon.`, `client.admin`, `mgr.node-1`, `osd.0`. */
  readonly entity: string;
  readonly key: string;
  readonly caps?: Partial<Record<CephCapService, string>>;
}

/** A keyring file holding the given entities, in Ceph's plain-text keyring format. */
export function renderKeyring(entries: readonly KeyringEntry[]): string {
  return entries
    .map((e) => {
      const caps = CEPH_CAP_SERVICES.filter((s) => e.caps?.[s] !== undefined).map(
        (s) => `\tcaps ${s} = "${e.caps?.[s]}"\n`,
      );
      return `[${e.entity}]\n\tkey = ${e.key}\n${caps.join("")}`;
    })
    .join("");
}
