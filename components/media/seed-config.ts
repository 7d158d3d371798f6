import { FileSpec, SecretSpec } from "../model";

/**
 * LinuxServer images run every executable file of `/custom-cont-init.d` as root before the app
 * starts (linuxserver/docker-baseimage-alpine root/etc/s6-overlay/s6-rc.d/init-custom-files). The
 * media part seeds an app's own configuration file from a secret there: the orchestrators mount
 * secrets read-only, and the apps rewrite their configuration files, so the file is copied.
 */
export const CUSTOM_INIT_DIR = "/custom-cont-init.d";

/**
 * The keys of a seed the part owns in a file the app keeps: one key a line, as the apps write
 * them (Dynaconf's YAML writer, block style with two-space nesting; Qt's INI; Json.NET's indented
 * object).
 */
export interface OwnedKeys {
  readonly format: "yaml" | "ini" | "json";
  /** The YAML top-level key or the INI section that holds the keys; JSON: the top-level object. */
  readonly section?: string;
  readonly keys: readonly string[];
}

interface SeedBase {
  /** Short name of the seed, unique within the workload (the secret's and the script's name). */
  readonly name: string;
  /** Where the app reads the file, under /config. */
  readonly target: string;
  /** The file's content, secret. */
  readonly content: SecretSpec["value"];
}

/**
 * "always": the seed replaces the file at every start (settings the part owns, such as
 * Transmission's RPC); "once": only when the file is missing (the app owns it afterwards);
 * "merge": the whole seed when the file is missing, else only the `owned` keys' lines are
 * rewritten from the seed and the rest of the app's file is kept (a credential the part generates
 * in a file the app owns: a /config kept from an earlier deployment has the old one).
 */
export type SeedArgs = SeedBase &
  ({ readonly when: "always" | "once" } | { readonly when: "merge"; readonly owned: OwnedKeys });

/** How a line that holds a key starts, and the line that opens the keys' section. */
const SYNTAX: Record<
  OwnedKeys["format"],
  { key: (k: string) => string; head: (s: string) => string }
> = {
  yaml: { key: (k) => `  ${k}:`, head: (s) => `${s}:` },
  ini: { key: (k) => `${k}=`, head: (s) => `[${s}]` },
  json: { key: (k) => `  "${k}":`, head: () => "{" },
};

/**
 * Rewrites the owned lines of $dst from $src: a line of the section that starts with a key's
 * prefix becomes the seed's line (JSON keeps its trailing comma), a key the section lacks is put
 * right after its head, a missing section is appended (JSON: not an object, the seed replaces it).
 * Reads $dst twice (keys present, then output). POSIX awk: busybox's in the Alpine images.
 */
const MERGE_AWK = `
function starts(s, p) { return substr(s, 1, length(p)) == p }
function closes(s) {
  if (fmt == "yaml") return s != "" && s !~ /^[ #-]/
  if (fmt == "ini") return s ~ /^\\[/
  return s == "}"
}
function owned(s,   i) { for (i = 1; i <= n; i++) if ((i in seed) && starts(s, key[i])) return i; return 0 }
BEGIN { fmt = ENVIRON["SEED_FORMAT"]; head = ENVIRON["SEED_HEAD"]; n = split(ENVIRON["SEED_KEYS"], key, "\\n") }
FNR == 1 { pass++; in_section = 0 }
pass == 1 { for (i = 1; i <= n; i++) if (starts($0, key[i])) { seed[i] = $0; sub(/,[ \\t]*$/, "", seed[i]) }; next }
in_section && closes($0) { in_section = 0 }
pass == 2 { if ($0 == head) { found = in_section = 1 } else if (in_section && (i = owned($0))) have[i] = 1; next }
$0 == head {
  print; in_section = 1
  for (i = 1; i <= n; i++) if ((i in seed) && !(i in have)) print seed[i] (fmt == "json" ? "," : "")
  next
}
in_section && (i = owned($0)) { print seed[i] (fmt == "json" && $0 ~ /,[ \\t]*$/ ? "," : ""); next }
{ print }
END {
  if (found) exit 0
  if (fmt == "json") exit 3
  print head
  for (i = 1; i <= n; i++) if (i in seed) print seed[i]
}
`;

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** The secret that carries a seed and the init script that copies it, owned by PUID:PGID. */
export function seedConfig(args: SeedArgs): { secret: SecretSpec; file: FileSpec } {
  const source = `/run/secrets/${args.name}`;
  const guard = args.when === "once" ? `[ -s "$dst" ] && exit 0\n` : "";
  let write = 'cp "$src" "$tmp"\n';
  if (args.when === "merge") {
    const syntax = SYNTAX[args.owned.format];
    write =
      'if [ -s "$dst" ]; then\n' +
      `  SEED_FORMAT=${args.owned.format} SEED_HEAD=${quote(syntax.head(args.owned.section ?? ""))} \\\n` +
      `  SEED_KEYS=${quote(args.owned.keys.map(syntax.key).join("\n"))} \\\n` +
      `  awk '${MERGE_AWK}' "$src" "$dst" "$dst" > "$tmp" || cp "$src" "$tmp"\n` +
      "else\n" +
      '  cp "$src" "$tmp"\n' +
      "fi\n";
  }
  // The file is written beside the app's under a name of this process's own, then replaces it at
  // once (mv): the app never reads half a file.
  const script =
    "#!/bin/sh\n" +
    `# Seeds ${args.target} from a secret (homeport media part).\n` +
    "set -eu\n" +
    `src='${source}'\n` +
    `dst='${args.target}'\n` +
    guard +
    'tmp="$dst.$$"\n' +
    'mkdir -p "$(dirname "$dst")"\n' +
    write +
    'chown "${PUID:-1000}:${PGID:-1000}" "$tmp" "$(dirname "$dst")"\n' +
    'chmod 600 "$tmp"\n' +
    'mv "$tmp" "$dst"\n';
  return {
    secret: { name: args.name, value: args.content, path: source },
    file: {
      name: `seed-${args.name}`,
      path: `${CUSTOM_INIT_DIR}/50-${args.name}`,
      content: script,
      mode: 0o555,
    },
  };
}
