import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { dataLayout, initDataEnv } from "../../../../components/media/wiring/data-layout";
import { runInitData } from "./init-data-run";

describe("dataLayout", () => {
  it("puts downloads and the library on one filesystem (the TRaSH layout)", () => {
    assert.deepEqual(dataLayout(), {
      root: "/data",
      torrents: { tv: "/data/torrents/tv", movies: "/data/torrents/movies" },
      media: { tv: "/data/media/tv", movies: "/data/media/movies" },
    });
    assert.equal(dataLayout("/srv/data/").media.movies, "/srv/data/media/movies");
  });

  it("rejects an owner that is not a user id", () => {
    assert.throws(
      () => initDataEnv({ uid: -1, gid: 1000 }),
      new Error("media.uid: -1 is not a user or group id; set a whole number ≥ 0 (e.g. 1000)"),
    );
    assert.throws(
      () => initDataEnv({ uid: 1000, gid: 1.5 }),
      new Error("media.gid: 1.5 is not a user or group id; set a whole number ≥ 0 (e.g. 1000)"),
    );
  });
});

describe("init-data.sh (the init step, run for real with sh in a temp dir standing for /data)", () => {
  const root = mkdtempSync(join(tmpdir(), "data-"));
  const needsRoot = {
    skip:
      process.getuid?.() === 0 ? false : "chown to another user needs root; run the tests as root",
  };
  before(() => {
    mkdirSync(join(root, "media"));
    writeFileSync(join(root, "media", "keep.txt"), "library content");
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it("creates the six directories owned by PUID:PGID, setgid, group-writable", needsRoot, () => {
    const result = runInitData(root, 1000, 1001);
    assert.equal(result.status, 0, result.stderr);
    for (const dir of [
      "torrents",
      "torrents/tv",
      "torrents/movies",
      "media",
      "media/tv",
      "media/movies",
    ]) {
      const st = statSync(join(root, dir));
      assert.ok(st.isDirectory(), dir);
      assert.deepEqual([dir, st.uid, st.gid, st.mode & 0o7777], [dir, 1000, 1001, 0o2775]);
    }
    // "media" existed: it is adopted, not re-created, and its content is untouched.
    assert.doesNotMatch(result.stdout, /created .*\/media\n/);
    assert.match(result.stdout, /created .*\/media\/tv\n/);
    assert.equal(statSync(join(root, "media", "keep.txt")).uid, 0);
    assert.match(result.stdout, /ready for 1000:1001\n$/);
  });

  it("is idempotent: a second run creates nothing", needsRoot, () => {
    const result = runInitData(root, 1000, 1001);
    assert.equal(result.status, 0, result.stderr);
    assert.doesNotMatch(result.stdout, /created/);
  });

  it("fails clearly when /data is not mounted", () => {
    const result = runInitData(join(root, "absent"), 1000, 1000);
    assert.equal(result.status, 1);
    assert.equal(result.stderr, `init-data: ${join(root, "absent")} is not a mounted directory\n`);
  });
});
