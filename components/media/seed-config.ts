import { FileSpec, SecretSpec } from "../model";

/**
 * LinuxServer images run every executable file of `/custom-cont-init.d` as root before the app
 * starts (linuxserver/docker-baseimage-alpine root/etc/s6-overlay/s6-rc.d/init-custom-files). The
 * media part seeds an app's own configuration file from a secret there: the orchestrators mount
 * secrets read-only, and the apps rewrite their configuration files, so the file is copied.
 */
export const CUSTOM_INIT_DIR = "/custom-cont-init.d";

export interface SeedArgs {
  /** Short name of the seed, unique within the workload (the secret's and the script's name). */
  readonly name: string;
  /** Where the app reads the file, under /config. */
  readonly target: string;
  /** The file's content, secret. */
  readonly content: SecretSpec["value"];
  /**
   * "always": the seed replaces the file at every start (settings the part owns, such as
   * Transmission's RPC); "once": only when the file is missing (the app owns it afterwards).
   */
  readonly when: "always" | "once";
}

/** The secret that carries a seed and the init script that copies it, owned by PUID:PGID. */
export function seedConfig(args: SeedArgs): { secret: SecretSpec; file: FileSpec } {
  const source = `/run/secrets/${args.name}`;
  const guard = args.when === "once" ? `[ -s "$dst" ] && exit 0\n` : "";
  const script =
    "#!/bin/sh\n" +
    `# Seeds ${args.target} from a secret (homeport media part).\n` +
    "set -eu\n" +
    `src='${source}'\n` +
    `dst='${args.target}'\n` +
    guard +
    'mkdir -p "$(dirname "$dst")"\n' +
    'cp "$src" "$dst"\n' +
    'chown "${PUID:-1000}:${PGID:-1000}" "$dst" "$(dirname "$dst")"\n' +
    'chmod 600 "$dst"\n';
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
