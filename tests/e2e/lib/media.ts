import assert from "node:assert/strict";
import { MEDIA_APP_DEFS } from "../../../components/media/media-chain";
import {
  MediaDouble,
  type AppName,
  type Received,
} from "../../components/media/wiring/media-double";
import { FIRST_RUN_WRITES } from "../../components/media/wiring/wire-script";

/**
 * The media apps that run as STAND-INS on the real Swarm (no image of them can be had here): each
 * is `standin.py media-relay` (tests/e2e/images), which relays its port to the contract double
 * of the apps' APIs (tests/components/media/wiring/media-double.ts), run by the suite. Transmission
 * is the real one (Debian's transmission-daemon).
 */
export const MEDIA_STANDINS = [
  "prowlarr",
  "jackett",
  "sonarr",
  "radarr",
  "bazarr",
  "jellyfin",
  "portainer",
] as const satisfies readonly AppName[];

/** What a stand-in told the double about the app it stands for (never a secret value). */
export interface StandinReport {
  readonly app: AppName;
  /** key: it registered the key it was seeded with; download-client: the REAL Transmission
   * accepted Sonarr's or Radarr's test; agent: the Portainer agent answered. */
  readonly kind: "key" | "download-client" | "agent";
  readonly detail: string;
}

export interface MediaStandins {
  readonly double: MediaDouble;
  readonly reports: StandinReport[];
  stop(): Promise<void>;
}

/**
 * Starts the contract double for the stand-ins: one server per app on `address` (this machine's
 * docker_gwbridge address, the stand-ins' default gateway) at the app's own port, as the apps
 * are known inside the Swarm (`http://sonarr:8989`…). The double starts without keys, paths or a
 * Transmission password: the stand-ins report them from inside the Swarm (standin.py
 * media_relay), so every check the double makes is against what the deployment really holds.
 */
export async function startMediaStandins(address: string): Promise<MediaStandins> {
  const double = new MediaDouble({}, "");
  double.state.paths.clear();
  const reports: StandinReport[] = [];
  const intercept = (app: AppName, r: Received) => {
    if (!r.path.startsWith("/__standin/")) return undefined;
    const body = r.body as Record<string, unknown>;
    const kind = r.path.slice("/__standin/".length);
    if (kind === "key") {
      const key = typeof body.key === "string" ? body.key : undefined;
      if (key) double.state.keys[app] = key;
      if (app === "bazarr" && key) double.state.bazarr.auth.apikey = key;
      for (const p of (body.paths as string[] | undefined) ?? []) double.state.paths.add(p);
      reports.push({ app, kind, detail: key ? `a key of ${key.length} characters` : "no key" });
    } else if (kind === "download-client") {
      const { host, port, username, password } = body as {
        host: string;
        port: number;
        username: string;
        password: string;
      };
      double.state.transmission = { host, port, username, password };
      reports.push({ app, kind, detail: `${username}@${host}:${port}` });
    } else if (kind === "agent") {
      double.state.portainer.agents.add(String(body.url));
      reports.push({ app, kind, detail: String(body.url) });
    } else {
      return { status: 404 };
    }
    return { status: 204 };
  };
  await double.start(MEDIA_STANDINS, {
    host: address,
    port: (app) => MEDIA_APP_DEFS[app as keyof typeof MEDIA_APP_DEFS].port,
    intercept,
  });
  // The addresses the job and the apps use for each other inside the Swarm (Prowlarr's test of
  // an application compares them).
  for (const app of MEDIA_STANDINS) double.urls[app] = `http://${app}:${MEDIA_APP_DEFS[app].port}`;
  return { double, reports, stop: () => double.stop() };
}

/**
 * Asserts that the wiring job wired the stand-ins as it wires fresh apps (the unit tests' writes,
 * in order), that the REAL Transmission accepted the login Sonarr's and Radarr's test sent, and
 * that the Portainer agent answered from inside the Swarm.
 */
export function assertWiredAsFresh(standins: MediaStandins): void {
  assert.deepEqual(standins.double.mutations(), FIRST_RUN_WRITES);
  assert.deepEqual(
    standins.reports
      .filter((r) => r.kind !== "key")
      .map((r) => `${r.app} ${r.kind} ${r.detail}`)
      .sort(),
    [
      "portainer agent tcp://portainer-agent:9001",
      "radarr download-client homeport@transmission:9091",
      "sonarr download-client homeport@transmission:9091",
    ],
  );
}
