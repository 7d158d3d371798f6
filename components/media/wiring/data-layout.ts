import { readFileSync } from "node:fs";
import { join } from "node:path";

/**
 * The shared /data filesystem in the TRaSH layout: downloads and the library on ONE filesystem so
 * that Sonarr/Radarr import by hardlink, never by copy.
 */
export interface DataLayout {
  /** Mount point of the shared volume in every media container. @default "/data" */
  readonly root: string;
  /** Download directories, by *arr (the download client's categories live under them). */
  readonly torrents: { readonly tv: string; readonly movies: string };
  /** Library directories, by *arr: their root folders and Jellyfin's libraries. */
  readonly media: { readonly tv: string; readonly movies: string };
}

/** @default "/data" */
export const DEFAULT_DATA_ROOT = "/data";

/** The layout under `root`. */
export function dataLayout(root: string = DEFAULT_DATA_ROOT): DataLayout {
  const base = root.replace(/\/+$/, "");
  return {
    root: base,
    torrents: { tv: `${base}/torrents/tv`, movies: `${base}/torrents/movies` },
    media: { tv: `${base}/media/tv`, movies: `${base}/media/movies` },
  };
}

/**
 * The only capabilities the init step keeps (all others dropped): CHOWN and FOWNER to give each
 * directory to PUID:PGID and set its mode; FSETID to keep the setgid bit on a directory of a group
 * root is not in (the kernel clears it otherwise); DAC_OVERRIDE to create a directory inside one
 * it has already given away (the real Swarm refused `mkdir /data/torrents/tv` once
 * `/data/torrents` was chowned).
 */
export const INIT_DATA_CAPABILITIES = ["CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID"] as const;

/** The init step's shell script (POSIX sh), run as root before the apps start. */
export const INIT_DATA_SCRIPT: string = readFileSync(join(__dirname, "init-data.sh"), "utf8");

export interface InitDataArgs {
  /** Owner of the directories: the PUID/PGID the LinuxServer images run the apps as. */
  readonly uid: number;
  readonly gid: number;
  /** @default "/data" */
  readonly root?: string;
}

/**
 * Environment of the init step. The script creates the six directories of {@link dataLayout},
 * owned by uid:gid with the setgid bit (group-writable, so every app of the group may hardlink),
 * and never touches what is inside them.
 */
export function initDataEnv(args: InitDataArgs): Record<string, string> {
  for (const [setting, value] of [
    ["uid", args.uid],
    ["gid", args.gid],
  ] as const) {
    if (!Number.isInteger(value) || value < 0) {
      throw new Error(
        `media.${setting}: ${String(value)} is not a user or group id; set a whole number ≥ 0 (e.g. 1000)`,
      );
    }
  }
  return {
    DATA_ROOT: dataLayout(args.root).root,
    DATA_UID: String(args.uid),
    DATA_GID: String(args.gid),
  };
}
