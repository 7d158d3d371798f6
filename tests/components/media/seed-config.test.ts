// The seed scripts run with /bin/sh and awk on sample files, as the LinuxServer images run them
// before the app: a first start (no file), a kept file with another credential, and a kept file
// whose other settings must survive.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { after, describe, it } from "node:test";
import { seedConfig, type SeedArgs } from "../../../components/media/seed-config";

const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** Runs the seed's script with its secret at `src` and the app's file (if any) at `dst`. */
function runSeed(args: SeedArgs, kept?: string) {
  const dir = mkdtempSync(join(tmpdir(), "seed-config-"));
  dirs.push(dir);
  const src = join(dir, "secret");
  const dst = join(dir, "config", args.target.replace(/^\/config\//, ""));
  const { secret, file } = seedConfig(args);
  writeFileSync(src, String(args.content));
  if (kept !== undefined) {
    mkdirSync(dirname(dst), { recursive: true });
    writeFileSync(dst, kept);
  }
  const script = String(file.content)
    .replace(`src='${secret.path}'`, `src='${src}'`)
    .replace(`dst='${args.target}'`, `dst='${dst}'`);
  const run = spawnSync("sh", ["-c", script], {
    env: {
      PATH: process.env.PATH ?? "",
      PUID: String(process.getuid!()),
      PGID: String(process.getgid!()),
    },
    encoding: "utf8",
  });
  assert.equal(run.stderr, "");
  assert.equal(run.status, 0);
  // "once" leaves a kept file as the app left it.
  if (args.when !== "once" || kept === undefined) assert.equal(statSync(dst).mode & 0o777, 0o600);
  assert.deepEqual(readdirSync(dirname(dst)), [basename(dst)]);
  return readFileSync(dst, "utf8");
}

const BAZARR: SeedArgs = {
  name: "bazarr-config",
  target: "/config/config/config.yaml",
  content: "auth:\n  apikey: 0123456789abcdef0123456789abcdef\n",
  when: "merge",
  owned: { format: "yaml", section: "auth", keys: ["apikey"] },
};

describe("seedConfig merge: Bazarr's config.yaml", () => {
  it("writes the whole seed on a first start", () => {
    assert.equal(runSeed(BAZARR), BAZARR.content);
  });

  it("writes the whole seed over the empty file Bazarr creates when none is there", () => {
    assert.equal(runSeed(BAZARR, ""), BAZARR.content);
  });

  it("rewrites the kept key and keeps every other setting", () => {
    const kept =
      "analytics:\n  enabled: true\n" +
      "auth:\n  apikey: ffffffffffffffffffffffffffffffff\n  password: ''\n  type: null\n  username: ''\n" +
      "general:\n  enabled_providers:\n  - opensubtitlescom\n  port: 6767\n" +
      "sonarr:\n  apikey: 11111111111111111111111111111111\n  ip: sonarr\n";
    assert.equal(
      runSeed(BAZARR, kept),
      "analytics:\n  enabled: true\n" +
        "auth:\n  apikey: 0123456789abcdef0123456789abcdef\n  password: ''\n  type: null\n  username: ''\n" +
        "general:\n  enabled_providers:\n  - opensubtitlescom\n  port: 6767\n" +
        "sonarr:\n  apikey: 11111111111111111111111111111111\n  ip: sonarr\n",
    );
  });

  it("adds the key to an auth section without one, and an auth section to a file without", () => {
    assert.equal(
      runSeed(BAZARR, "auth:\n  type: form\ngeneral:\n  port: 6767\n"),
      "auth:\n  apikey: 0123456789abcdef0123456789abcdef\n  type: form\ngeneral:\n  port: 6767\n",
    );
    assert.equal(
      runSeed(BAZARR, "---\nauth:\n  apikey: ffff\n"),
      "---\nauth:\n  apikey: 0123456789abcdef0123456789abcdef\n",
    );
    assert.equal(
      runSeed(BAZARR, "general:\n  port: 6767\n"),
      "general:\n  port: 6767\nauth:\n  apikey: 0123456789abcdef0123456789abcdef\n",
    );
  });
});

const JACKETT_SEED =
  '{\n  "APIKey": "0123456789abcdef0123456789abcdef",\n  "AllowExternal": true\n}';
const JACKETT: SeedArgs = {
  name: "jackett-config",
  target: "/config/Jackett/ServerConfig.json",
  content: JACKETT_SEED,
  when: "merge",
  owned: { format: "json", keys: ["APIKey"] },
};

describe("seedConfig merge: Jackett's ServerConfig.json", () => {
  it("writes the whole seed on a first start", () => {
    assert.equal(runSeed(JACKETT), JACKETT_SEED);
  });

  it("rewrites the kept key, keeping its comma, nested objects and every other setting", () => {
    const kept =
      '{\n  "Port": 9117,\n  "AllowExternal": false,\n  "APIKey": "ffffffffffffffffffffffffffffffff",\n' +
      '  "Proxy": {\n    "APIKey": "nested"\n  },\n  "UpdateDisabled": true\n}\n';
    assert.equal(
      runSeed(JACKETT, kept),
      '{\n  "Port": 9117,\n  "AllowExternal": false,\n  "APIKey": "0123456789abcdef0123456789abcdef",\n' +
        '  "Proxy": {\n    "APIKey": "nested"\n  },\n  "UpdateDisabled": true\n}\n',
    );
    const last = runSeed(JACKETT, '{\n  "Port": 9117,\n  "APIKey": "ffff"\n}\n');
    assert.deepEqual(JSON.parse(last), { Port: 9117, APIKey: "0123456789abcdef0123456789abcdef" });
  });

  it("adds a missing key first, and replaces a file that is not one object with the seed", () => {
    const added = runSeed(JACKETT, '{\n  "Port": 9117\n}\n');
    assert.deepEqual(JSON.parse(added), { APIKey: "0123456789abcdef0123456789abcdef", Port: 9117 });
    assert.equal(runSeed(JACKETT, "garbage\n"), JACKETT_SEED);
  });
});

const QB_SEED =
  "[Preferences]\nWebUI\\Username=homeport\n" +
  'WebUI\\Password_PBKDF2="@ByteArray(c2FsdA==:bmV3)"\n' +
  "Session\\Port=51413\nSession\\DefaultSavePath=/data/torrents\n";
const QB: SeedArgs = {
  name: "qbittorrent-config",
  target: "/config/qBittorrent/qBittorrent.conf",
  content: QB_SEED,
  when: "merge",
  owned: {
    format: "ini",
    section: "Preferences",
    keys: ["WebUI\\Username", "WebUI\\Password_PBKDF2"],
  },
};

describe("seedConfig merge: qBittorrent's qBittorrent.conf", () => {
  it("writes the whole seed on a first start", () => {
    assert.equal(runSeed(QB), QB_SEED);
  });

  it("rewrites the kept WebUI login and keeps every other line", () => {
    const kept =
      "[BitTorrent]\nSession\\Port=6881\n\n" +
      '[Preferences]\nGeneral\\Locale=de\nWebUI\\Password_PBKDF2="@ByteArray(b2xk:b2xk)"\n' +
      "WebUI\\Port=8080\nWebUI\\Username=admin\n\n[RSS]\nAutoDownloader\\Enabled=false\n";
    assert.equal(
      runSeed(QB, kept),
      "[BitTorrent]\nSession\\Port=6881\n\n" +
        '[Preferences]\nGeneral\\Locale=de\nWebUI\\Password_PBKDF2="@ByteArray(c2FsdA==:bmV3)"\n' +
        "WebUI\\Port=8080\nWebUI\\Username=homeport\n\n[RSS]\nAutoDownloader\\Enabled=false\n",
    );
  });

  it("adds the login to a file without it, without touching other sections' keys", () => {
    assert.equal(
      runSeed(QB, "[LegalNotice]\nAccepted=true\n[Other]\nWebUI\\Username=x\n"),
      "[LegalNotice]\nAccepted=true\n[Other]\nWebUI\\Username=x\n" +
        '[Preferences]\nWebUI\\Username=homeport\nWebUI\\Password_PBKDF2="@ByteArray(c2FsdA==:bmV3)"\n',
    );
  });
});

describe("seedConfig once and always", () => {
  const base = { name: "s", target: "/config/s.conf", content: "new\n" };
  it("once keeps a kept file, always replaces it", () => {
    assert.equal(runSeed({ ...base, when: "once" }, "old\n"), "old\n");
    assert.equal(runSeed({ ...base, when: "once" }), "new\n");
    assert.equal(runSeed({ ...base, when: "always" }, "old\n"), "new\n");
  });
});
