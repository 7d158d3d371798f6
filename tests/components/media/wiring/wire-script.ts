import { PORTAINER_ENDPOINTS } from "./portainer-endpoints";
// Runs the real wiring script (python3) against the media apps' contract double.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  WIRING_SCRIPT,
  wiringJob,
  type WiringArgs,
} from "../../../../components/media/wiring/wiring-job";
import { MediaDouble, type AppName } from "./media-double";

/** Distinctive secret values, so a test can prove none of them is ever printed. */
export const KEYS = {
  sonarr: "5a0e1c6b9d2f4e8a7b3c1d0e9f8a7b6c",
  radarr: "7c2d4e6f8a0b1c3d5e7f9a1b3c5d7e9f",
  prowlarr: "1f3e5d7c9b0a2f4e6d8c0b2a4f6e8d0c",
  bazarr: "9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b",
  jackett: "3b5d7f9a1c3e5b7d9f1a3c5e7b9d1f3a",
} as const;
export const PASSWORDS = {
  transmission: "tr-Q7v!x2LmP9wK4s",
  jellyfin: "jf-Z3r@8NbV1cT6yH",
  portainer: "pt-M5k#2WqE7uR9iO0a",
  login: "ui-W4n!8ZcX3vB6nM",
} as const;
export const ALL_SECRETS: readonly string[] = [...Object.values(KEYS), ...Object.values(PASSWORDS)];

/**
 * The writes of a first run of the whole chain (Prowlarr, Sonarr, Radarr, Bazarr, Transmission,
 * Jellyfin, Portainer) to fresh apps, in order, as "app METHOD path": the unit tests' double and
 * the e2e suite's stand-ins receive the same.
 */
export const FIRST_RUN_WRITES = [
  "sonarr PUT /api/v3/config/host/1",
  "radarr PUT /api/v3/config/host/1",
  "prowlarr PUT /api/v1/config/host/1",
  "sonarr POST /api/v3/downloadclient",
  "radarr POST /api/v3/downloadclient",
  "sonarr POST /api/v3/rootfolder",
  "radarr POST /api/v3/rootfolder",
  "prowlarr POST /api/v1/applications",
  "prowlarr POST /api/v1/applications",
  "bazarr POST /api/system/settings",
  "jellyfin POST /Startup/Configuration",
  "jellyfin POST /Startup/User",
  "jellyfin POST /Startup/RemoteAccess",
  "jellyfin POST /Startup/Complete",
  "jellyfin POST /Library/VirtualFolders",
  "jellyfin POST /Library/VirtualFolders",
  "portainer POST /api/users/admin/init",
  "portainer POST /api/endpoints",
];

export interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface Setup {
  readonly double: MediaDouble;
  readonly dir: string;
  readonly args: WiringArgs;
  /** Writes the plan and secrets for `args` (default: the setup's own) and runs the script. */
  run(args?: WiringArgs, secretOverrides?: Record<string, string>): Promise<Run>;
  close(): Promise<void>;
}

export async function setup(indexer: "prowlarr" | "jackett" = "prowlarr"): Promise<Setup> {
  const apps: AppName[] = [
    "sonarr",
    "radarr",
    indexer,
    "bazarr",
    "jellyfin",
    "portainer",
    "transmission",
  ];
  const double = new MediaDouble({ ...KEYS }, PASSWORDS.transmission);
  await double.start(apps);
  const urls = double.urls as Record<AppName, string>;
  const transmissionPort = Number(new URL(urls.transmission).port);
  double.state.transmission.host = "127.0.0.1";
  double.state.transmission.port = transmissionPort;
  double.state.portainer.agents.add("tcp://tasks.portainer-agent:9001");
  const dir = mkdtempSync(join(tmpdir(), "media-wiring-"));
  const login = { password: PASSWORDS.login };
  const args: WiringArgs = {
    sonarr: { url: urls.sonarr, apiKey: KEYS.sonarr, login },
    radarr: { url: urls.radarr, apiKey: KEYS.radarr, login },
    ...(indexer === "prowlarr"
      ? { prowlarr: { url: urls.prowlarr, apiKey: KEYS.prowlarr, login } }
      : { jackett: { url: urls.jackett, apiKey: KEYS.jackett } }),
    bazarr: { url: urls.bazarr, apiKey: KEYS.bazarr, login },
    jellyfin: {
      url: urls.jellyfin,
      adminPassword: PASSWORDS.jellyfin,
      locale: { uiCulture: "fr-FR", metadataCountryCode: "FR", preferredMetadataLanguage: "fr" },
    },
    portainer: {
      url: urls.portainer,
      adminPassword: PASSWORDS.portainer,
      endpoints: PORTAINER_ENDPOINTS.swarm({ service: "portainer-agent" }),
    },
    downloadClient: { host: "127.0.0.1", port: transmissionPort, password: PASSWORDS.transmission },
    healthTimeoutSeconds: 3,
    secretDir: dir,
  };
  const values: Record<string, string> = {
    "media-sonarr-api-key": KEYS.sonarr,
    "media-radarr-api-key": KEYS.radarr,
    "media-prowlarr-api-key": KEYS.prowlarr,
    "media-jackett-api-key": KEYS.jackett,
    "media-bazarr-api-key": KEYS.bazarr,
    "media-jellyfin-admin-password": PASSWORDS.jellyfin,
    "media-portainer-admin-password": PASSWORDS.portainer,
    "media-transmission-password": PASSWORDS.transmission,
    ...Object.fromEntries(
      ["sonarr", "radarr", "prowlarr", "bazarr"].map((app) => [
        `media-${app}-login-password`,
        PASSWORDS.login,
      ]),
    ),
  };
  return {
    double,
    dir,
    args,
    async run(runArgs = args, secretOverrides = {}) {
      const job = wiringJob(runArgs);
      for (const secret of job.spec.secrets ?? []) {
        writeFileSync(
          secret.path ?? "",
          (secretOverrides[secret.name] ?? values[secret.name]) + "\n",
        );
      }
      const plan = job.spec.files?.find((f) => f.name === "wiring-plan");
      writeFileSync(join(dir, "wiring.json"), String(plan?.content));
      writeFileSync(join(dir, "wire.py"), WIRING_SCRIPT);
      return runPython(join(dir, "wire.py"), { WIRING_PLAN: join(dir, "wiring.json") });
    },
    async close() {
      await double.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Spawns python3 asynchronously (the double answers from this same process). */
export function runPython(script: string, env: Record<string, string>): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn("python3", [script], {
      // Warnings are errors: a deprecation in this interpreter would be a removal in the next.
      env: {
        PATH: process.env.PATH ?? "",
        HOME: process.env.HOME ?? "/tmp",
        PYTHONWARNINGS: "error",
        ...env,
      },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

/** The secrets that appear in a run's output (must be none). */
export function leakedSecrets(run: Run): string[] {
  return ALL_SECRETS.filter((s) => run.stdout.includes(s) || run.stderr.includes(s));
}
