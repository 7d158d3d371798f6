import * as pulumi from "@pulumi/pulumi";
import { dataLayout, DEFAULT_DATA_ROOT } from "./data-layout";

/** What the media part configures in Transmission (its settings.json). */
export interface TransmissionSettingsArgs {
  /** RPC user that Sonarr/Radarr and the wiring job log in as. @default "homeport" */
  readonly username?: string;
  /**
   * Addresses allowed to call the RPC (Transmission's own wildcards, one `*` per IPv4 octet). The
   * daemon's default allows only 127.0.0.1 and ::1, which shuts out every other container.
   * @default {@link DEFAULT_RPC_WHITELIST}
   */
  readonly rpcWhitelist?: readonly string[];
  /** Host names the RPC answers to (DNS-rebinding guard), e.g. the service name. @default ["transmission"] */
  readonly hostNames?: readonly string[];
  /** @default 9091 */
  readonly rpcPort?: number;
  /** Peer (BitTorrent) port, published on the node. @default 51413 */
  readonly peerPort?: number;
  /** File mode mask for downloads, octal. @default "002" (group-writable, for hardlinks) */
  readonly umask?: string;
  /** @default "/data" */
  readonly dataRoot?: string;
}

/** Private networks of the three targets' overlays (Swarm 10.0.0.0/8, pod ranges) and loopback. */
export const DEFAULT_RPC_WHITELIST: readonly string[] = [
  "127.0.0.1",
  "::1",
  "10.*.*.*",
  "172.*.*.*",
  "192.168.*.*",
];
/** @default RPC user */
export const DEFAULT_RPC_USERNAME = "homeport";
/** Transmission's RPC path; Sonarr/Radarr's default `urlBase` (TransmissionSettings.cs). */
export const TRANSMISSION_URL_BASE = "/transmission/";

const WHITELIST_ENTRY = /^(\*|\d{1,3})(\.(\*|\d{1,3})){3}$|^[0-9a-f:]+$/i;

/**
 * settings.json for transmission-daemon. Keys are the daemon's (transmission/transmission
 * libtransmission/quark.cc, `man transmission-daemon`). The password is written in plain text:
 * the daemon replaces it with its salted hash on first start; the whole file is a secret.
 */
export function transmissionSettings(
  args: TransmissionSettingsArgs & { readonly password: string },
): Record<string, unknown> {
  const whitelist = args.rpcWhitelist ?? DEFAULT_RPC_WHITELIST;
  const bad = whitelist.find((entry) => !WHITELIST_ENTRY.test(entry));
  if (bad !== undefined) {
    throw new Error(
      `media.transmission.rpcWhitelist: "${bad}" is not an address Transmission understands; ` +
        `use IPv4 with * per octet (e.g. "10.*.*.*") or an IPv6 address`,
    );
  }
  const umask = args.umask ?? "002";
  if (!/^0?[0-7]{3}$/.test(umask)) {
    throw new Error(`media.umask: "${umask}" is not an octal mask; use e.g. "002" or "022"`);
  }
  if (args.password.length === 0) {
    throw new Error(
      "media.transmission: the RPC password is empty; leave it unset to generate one",
    );
  }
  const layout = dataLayout(args.dataRoot ?? DEFAULT_DATA_ROOT);
  return {
    "download-dir": `${layout.root}/torrents`,
    "incomplete-dir-enabled": false,
    "peer-port": args.peerPort ?? 51413,
    "port-forwarding-enabled": false,
    "rpc-enabled": true,
    "rpc-port": args.rpcPort ?? 9091,
    "rpc-url": TRANSMISSION_URL_BASE,
    "rpc-authentication-required": true,
    "rpc-username": args.username ?? DEFAULT_RPC_USERNAME,
    "rpc-password": args.password,
    "rpc-whitelist-enabled": true,
    "rpc-whitelist": whitelist.join(","),
    "rpc-host-whitelist-enabled": true,
    "rpc-host-whitelist": (args.hostNames ?? ["transmission"]).join(","),
    // Transmission stores the mask as a number (3.00 reads only numbers; 4.x takes both).
    umask: parseInt(umask, 8),
  };
}

/** {@link transmissionSettings} as the JSON text of a secret file. */
export function transmissionSettingsFile(
  args: TransmissionSettingsArgs,
  password: pulumi.Input<string>,
): pulumi.Output<string> {
  return pulumi.secret(
    pulumi
      .output(password)
      .apply((value) =>
        JSON.stringify(transmissionSettings({ ...args, password: value }), null, 2),
      ),
  );
}
