// transmissionSettings() unit checks, then the real transmission-daemon (Debian's package) started
// on loopback with the settings.json it renders, receiving the download-client test exactly as
// Sonarr/Radarr send it.
import assert from "node:assert/strict";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
  type Stats,
} from "node:fs";
import * as http from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import {
  DEFAULT_RPC_WHITELIST,
  transmissionSettings,
} from "../../../../components/media/wiring/transmission-settings";
import { freePort } from "../../../helpers/net";
import { runInitData } from "./init-data-run";

const PASSWORD = "tr-Rpc!9xQ2mV7pL4";

describe("transmissionSettings", () => {
  it("renders the RPC credentials, whitelist and the /data layout", () => {
    assert.deepEqual(transmissionSettings({ password: PASSWORD }), {
      "download-dir": "/data/torrents",
      "incomplete-dir-enabled": false,
      "peer-port": 51413,
      "port-forwarding-enabled": false,
      "rpc-enabled": true,
      "rpc-port": 9091,
      "rpc-url": "/transmission/",
      "rpc-authentication-required": true,
      "rpc-username": "homeport",
      "rpc-password": PASSWORD,
      "rpc-whitelist-enabled": true,
      "rpc-whitelist": "127.0.0.1,::1,10.*.*.*,172.*.*.*,192.168.*.*",
      "rpc-host-whitelist-enabled": true,
      "rpc-host-whitelist": "transmission",
      umask: 2,
    });
    assert.deepEqual(DEFAULT_RPC_WHITELIST.length, 5);
  });

  it("names the setting, the value and the fix for bad input", () => {
    assert.throws(
      () => transmissionSettings({ password: PASSWORD, rpcWhitelist: ["10.0.0.0/8"] }),
      new Error(
        'media.transmission.rpcWhitelist: "10.0.0.0/8" is not an address Transmission understands; use IPv4 with * per octet (e.g. "10.*.*.*") or an IPv6 address',
      ),
    );
    assert.throws(
      () => transmissionSettings({ password: PASSWORD, umask: "0x12" }),
      new Error('media.umask: "0x12" is not an octal mask; use e.g. "002" or "022"'),
    );
    assert.throws(
      () => transmissionSettings({ password: "" }),
      new Error("media.transmission: the RPC password is empty; leave it unset to generate one"),
    );
  });
});

interface RpcAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

function rpc(
  port: number,
  options: {
    method: string;
    headers: Record<string, string>;
    body?: string;
    localAddress?: string;
  },
): Promise<RpcAnswer> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: "127.0.0.1",
        port,
        path: "/transmission/rpc",
        method: options.method,
        headers: options.headers,
        localAddress: options.localAddress,
      },
      (res) => {
        let body = "";
        res.on("data", (d: Buffer) => (body += d.toString()));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on("error", reject);
    req.end(options.body);
  });
}

/**
 * The download-client test as Sonarr runs it (Sonarr/Sonarr src/NzbDrone.Core/Download/Clients/
 * Transmission/TransmissionProxy.cs AuthenticateClient + ProcessRequest, Transmission.cs
 * ValidateVersion, TransmissionBase.cs Test): a GET with basic auth expecting 409 and the
 * X-Transmission-Session-Id, then JSON POSTs of session-get and torrent-get carrying that id.
 * This is a stand-in for Sonarr's client, written from that source.
 */
type SonarrTestResult =
  | {
      readonly ok: true;
      readonly sessionId: string;
      readonly session: Record<string, unknown>;
      readonly versionOk: boolean;
      readonly torrents: Record<string, unknown>;
    }
  | { readonly ok: false; readonly error: string; readonly status: number };

async function sonarrTest(
  port: number,
  user: string,
  password: string,
  hostHeader: string,
  localAddress?: string,
): Promise<SonarrTestResult> {
  const base = {
    Accept: "application/json",
    Authorization: `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`,
    Host: hostHeader,
  };
  const login = await rpc(port, { method: "GET", headers: base, localAddress });
  if (login.status === 403) {
    return {
      ok: false,
      error:
        "Failed to authenticate with Transmission. It may be necessary to add Sonarr's IP address to RPC whitelist.",
      status: login.status,
    };
  }
  if (login.status !== 409) {
    return { ok: false, error: "Failed to authenticate with Transmission.", status: login.status };
  }
  const sessionId = String(login.headers["x-transmission-session-id"]);
  const call = async (method: string, args?: unknown) => {
    const answer = await rpc(port, {
      method: "POST",
      headers: {
        ...base,
        "Content-Type": "application/json",
        "X-Transmission-Session-Id": sessionId,
      },
      body: JSON.stringify(args === undefined ? { method } : { method, arguments: args }),
    });
    assert.equal(answer.status, 200, answer.body);
    const parsed = JSON.parse(answer.body) as {
      result: string;
      arguments: Record<string, unknown>;
    };
    assert.equal(parsed.result, "success");
    return parsed.arguments;
  };
  const session = await call("session-get");
  // Transmission.cs ValidateVersion: the first dotted number of "version" must be >= 2.40.
  const version = /(\d|\.)+/.exec(String(session.version))?.[0] ?? "0";
  const [major, minor] = version.split(".").map(Number);
  const torrents = await call("torrent-get", {
    fields: [
      "id",
      "hashString",
      "name",
      "downloadDir",
      "totalSize",
      "leftUntilDone",
      "isFinished",
      "eta",
      "status",
      "secondsDownloading",
      "secondsSeeding",
      "errorString",
      "uploadedEver",
      "downloadedEver",
      "seedRatioLimit",
      "seedRatioMode",
      "seedIdleLimit",
      "seedIdleMode",
      "fileCount",
      "file-count",
      "labels",
    ],
  });
  return {
    ok: true,
    sessionId,
    session,
    versionOk: major > 2 || (major === 2 && minor >= 40),
    torrents,
  };
}

const installed = spawnSync("transmission-daemon", ["--version"], { encoding: "utf8" });
const skipReason =
  installed.error || installed.status !== 0
    ? "transmission-daemon is not installed (apt-get install transmission-daemon)"
    : process.getuid?.() !== 0
      ? "the init step's chown needs root"
      : false;

describe("real transmission-daemon with the rendered settings.json", { skip: skipReason }, () => {
  const dir = mkdtempSync(join(tmpdir(), "transmission-"));
  const data = join(dir, "data");
  const config = join(dir, "config");
  let daemon: ChildProcess | undefined;
  let port = 0;
  let log = "";

  before(async () => {
    mkdirSync(data);
    mkdirSync(config);
    const init = runInitData(data, 1000, 1000);
    assert.equal(init.status, 0, init.stderr);
    port = await freePort();
    const settings = {
      ...transmissionSettings({
        password: PASSWORD,
        rpcPort: port,
        peerPort: await freePort(),
        dataRoot: data,
      }),
      // Test only: keep every socket on loopback and the daemon off the network (no DHT, local
      // peer discovery, PEX, uTP or blocklist download).
      "rpc-bind-address": "127.0.0.1",
      "bind-address-ipv4": "127.0.0.1",
      "bind-address-ipv6": "::1",
      "dht-enabled": false,
      "lpd-enabled": false,
      "pex-enabled": false,
      "utp-enabled": false,
      "blocklist-enabled": false,
    };
    writeFileSync(join(config, "settings.json"), JSON.stringify(settings, null, 2));
    daemon = spawn("transmission-daemon", ["-f", "-g", config, "--log-error"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    daemon.stderr?.on("data", (d: Buffer) => (log += d.toString()));
    daemon.stdout?.on("data", (d: Buffer) => (log += d.toString()));
    const deadline = Date.now() + 20_000;
    for (;;) {
      try {
        await rpc(port, { method: "GET", headers: {} });
        break;
      } catch (error) {
        if (Date.now() > deadline)
          throw new Error(`transmission-daemon did not listen: ${String(error)}\n${log}`);
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  });

  after(async () => {
    if (daemon && daemon.exitCode === null) {
      const exited = new Promise((r) => daemon?.once("exit", r));
      daemon.kill("SIGTERM");
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it("answers Sonarr's download-client test: 409 handshake, session-get, torrent-get", async () => {
    const result = await sonarrTest(port, "homeport", PASSWORD, `transmission:${port}`);
    assert.ok(result.ok, JSON.stringify(result));
    assert.match(result.sessionId, /^\w{20,}$/);
    assert.equal(result.session["download-dir"], join(data, "torrents"));
    assert.equal(result.versionOk, true, String(result.session.version));
    assert.equal(typeof result.session["rpc-version"], "number");
    assert.deepEqual(result.torrents.torrents, []);
    // Sonarr puts each category under download-dir: the init step made those directories.
    for (const category of ["tv", "movies"]) {
      const dirPath = join(String(result.session["download-dir"]), category);
      const st: Stats = statSync(dirPath);
      assert.deepEqual(
        [st.isDirectory(), st.uid, st.gid, st.mode & 0o7777],
        [true, 1000, 1000, 0o2775],
      );
    }
  });

  it("refuses a wrong password with 401 (Sonarr: 'Failed to authenticate')", async () => {
    const result = await sonarrTest(port, "homeport", "wrong-password", `transmission:${port}`);
    assert.deepEqual(result, {
      ok: false,
      error: "Failed to authenticate with Transmission.",
      status: 401,
    });
  });

  it("refuses an address outside the whitelist with 403", async () => {
    // 127.0.0.2 is loopback but not in the whitelist (127.0.0.1, ::1, private ranges).
    const result = await sonarrTest(
      port,
      "homeport",
      PASSWORD,
      `transmission:${port}`,
      "127.0.0.2",
    );
    assert.deepEqual(result, {
      ok: false,
      error:
        "Failed to authenticate with Transmission. It may be necessary to add Sonarr's IP address to RPC whitelist.",
      status: 403,
    });
  });

  it("replaced the plain password with its salted hash on start", async () => {
    // The daemon rewrites settings.json when it stops.
    const result = await sonarrTest(port, "homeport", PASSWORD, `transmission:${port}`);
    assert.ok(result.ok);
    daemon?.kill("SIGTERM");
    await new Promise((r) => daemon?.once("exit", r));
    const saved = JSON.parse(readFileSync(join(config, "settings.json"), "utf8")) as Record<
      string,
      unknown
    >;
    assert.notEqual(saved["rpc-password"], PASSWORD);
    assert.match(String(saved["rpc-password"]), /^\{[0-9a-f]{40}/);
  });
});
