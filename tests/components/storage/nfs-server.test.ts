import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { startRecorder } from "../../helpers/harness";

/**
 * The NFS server workload (components/storage/nfs-server.ts): exact values of what every adapter
 * is handed, and the Storage part deploying it before the provisioner, under Pulumi's mocks.
 */
let mod: typeof import("../../../components/storage/nfs-server");
before(async () => {
  await startRecorder("test");
  mod = await import("../../../components/storage/nfs-server");
});

const resolved = <T>(value: unknown): Promise<T> =>
  new Promise((resolve) => (value as { apply(f: (v: T) => void): void }).apply(resolve));

describe("nfsServerSpec", () => {
  it("runs ganesha.nfsd as root with six capabilities, pinned to its node, on two local volumes", () => {
    const spec = mod.nfsServerSpec({
      node: "node-1",
      image: "registry.lan/nfs-ganesha:4.3",
      pseudo: "/homeport",
    });
    assert.equal(spec.image, "registry.lan/nfs-ganesha:4.3");
    assert.deepEqual(spec.command, [
      "/bin/sh",
      "-c",
      'while read -r dir; do case "$dir" in "" | "#"*) ;; *) mkdir -p "/srv/nfs/$dir" || exit 1 ;; esac; done < /etc/ganesha/share-directories\n' +
        "exec ganesha.nfsd -F -L STDERR -f /etc/ganesha/ganesha.conf -p /run/ganesha/ganesha.pid",
    ]);
    assert.deepEqual(spec.security, {
      capAdd: ["DAC_READ_SEARCH", "SETUID", "SETGID", "DAC_OVERRIDE", "CHOWN", "FOWNER"],
      dropAllCapabilities: true,
      user: "0:0",
    });
    assert.deepEqual(spec.ports, [{ name: "nfs", port: 2049, publish: { hostPort: 2049 } }]);
    assert.deepEqual(
      spec.volumes?.map((v) => [v.name, v.mountPath, v.class, v.size?.bytes]),
      [
        ["nfs-export", "/srv/nfs", "local", 100 * 1024 ** 3],
        ["nfs-recovery", "/srv/ganesha", "local", 64 * 1024 ** 2],
        ["nfs-run", "/run/ganesha", "ephemeral", undefined],
      ],
    );
    assert.deepEqual(spec.placement, {
      constraints: [{ attribute: "hostname", value: "node-1" }],
      spread: false,
    });
    assert.deepEqual(spec.scheduling, {
      mode: "singleton",
      reason: "one NFS server holds the share on the disk of node node-1",
    });
    assert.deepEqual(spec.update, { order: "stop-first" });
    assert.deepEqual(
      spec.exemptions?.map((e) => e.rule),
      [
        "workload-drop-capabilities",
        "workload-no-host-ports",
        "service-no-external-exposure",
        "stack-no-single-point-of-failure",
        "workload-spread-across-nodes",
        "workload-run-as-non-root",
        "workload-read-only-root-filesystem",
      ],
    );
    assert.equal(
      spec.exemptions?.[0].reason,
      "nfs-ganesha serves the share from the node's disk: DAC_READ_SEARCH opens files by their NFS handles (open_by_handle_at); SETUID runs each request as the client's user (setfsuid); SETGID runs each request with the client's groups (setfsgid, setgroups); DAC_OVERRIDE lets the clients' root write anywhere on the share (no_root_squash); CHOWN lets clients change the owner of their files (chown over NFS); FOWNER sets the attributes of files a request creates as the client's user",
    );
  });

  it("serves the pseudo path from the export volume and lists the share's directories", async () => {
    const spec = mod.nfsServerSpec({
      node: "node-1",
      image: "registry.lan/nfs-ganesha:4.3",
      pseudo: "/homeport",
      directories: ["acme", "media-data"],
    });
    const [conf, dirs] = spec.files ?? [];
    assert.equal(conf.path, "/etc/ganesha/ganesha.conf");
    assert.equal(conf.content, mod.nfsServerConfig({ pseudo: "/homeport" }));
    const text = conf.content as string;
    for (const line of [
      "\tNFS_Port = 2049;",
      "\tBind_addr = 0.0.0.0;",
      "\tRecoveryRoot = /srv/ganesha;",
      "\tPath = /srv/nfs;",
      "\tPseudo = /homeport;",
      "\tSquash = No_Root_Squash;",
    ]) {
      assert.ok(text.split("\n").includes(line), `ganesha.conf has ${JSON.stringify(line)}`);
    }
    assert.equal(dirs.path, "/etc/ganesha/share-directories");
    const header = "# shared volumes whose directories this server makes\n";
    assert.equal(await resolved<string>(dirs.content), `${header}acme\nmedia-data\n`);
    const none = mod.nfsServerSpec({ node: "n", image: "i:1", pseudo: "/p" }).files?.[1];
    // Never empty: Nomad refuses a template with no content (nomad-jobcheck says so).
    assert.equal(await resolved<string>(none?.content), header);
  });
});
