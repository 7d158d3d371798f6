import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { renderGaneshaConfig } from "../../../components/storage/nfs-ganesha-config";

const CORE = (port: number, bind: string) => [
  "NFS_CORE_PARAM {",
  "\tProtocols = 4;",
  `\tNFS_Port = ${port};`,
  `\tBind_addr = ${bind};`,
  "\tEnable_NLM = false;",
  "\tEnable_RQUOTA = false;",
  "}",
  "",
  "NFSV4 {",
  "\tRecoveryBackend = fs;",
];

describe("renderGaneshaConfig", () => {
  it("exports one directory over NFSv4 through VFS, read-write without root squash by default", () => {
    assert.equal(
      renderGaneshaConfig({ export: { path: "/srv/nfs" } }),
      [
        ...CORE(2049, "0.0.0.0"),
        "\tRecoveryRoot = /var/lib/nfs/ganesha;",
        "\tGraceless = false;",
        "}",
        "",
        "NFS_KRB5 {",
        "\tActive_krb5 = false;",
        "}",
        "",
        "EXPORT {",
        "\tExport_Id = 1;",
        "\tPath = /srv/nfs;",
        "\tPseudo = /export;",
        "\tProtocols = 4;",
        "\tTransports = TCP;",
        "\tSecType = sys;",
        "\tAccess_Type = RW;",
        "\tSquash = No_Root_Squash;",
        "\tFSAL {",
        "\t\tName = VFS;",
        "\t}",
        "}",
        "",
      ].join("\n"),
    );
  });

  it("grants access only to listed clients, with the chosen access and squash", () => {
    const conf = renderGaneshaConfig({
      export: {
        path: "/data/share",
        pseudo: "/homeport",
        access: "RO",
        squash: "all_squash",
        clients: ["10.0.0.0/24", "nas-client.lan"],
        exportId: 7,
      },
      port: 12049,
      bindAddress: "127.0.0.1",
      recoveryRoot: "/var/lib/homeport/ganesha",
      graceless: true,
    });
    assert.equal(
      conf.slice(conf.indexOf("EXPORT {")),
      [
        "EXPORT {",
        "\tExport_Id = 7;",
        "\tPath = /data/share;",
        "\tPseudo = /homeport;",
        "\tProtocols = 4;",
        "\tTransports = TCP;",
        "\tSecType = sys;",
        "\tAccess_Type = None;",
        "\tFSAL {",
        "\t\tName = VFS;",
        "\t}",
        "\tCLIENT {",
        "\t\tClients = 10.0.0.0/24, nas-client.lan;",
        "\t\tAccess_Type = RO;",
        "\t\tSquash = All_Squash;",
        "\t}",
        "}",
        "",
      ].join("\n"),
    );
    assert.ok(conf.startsWith(CORE(12049, "127.0.0.1").join("\n")));
    assert.match(conf, /\tRecoveryRoot = \/var\/lib\/homeport\/ganesha;\n\tGraceless = true;\n/);
  });

  it("refuses bad paths, ports and empty client lists with the setting and the fix", () => {
    assert.throws(
      () => renderGaneshaConfig({ export: { path: "srv/nfs" } }),
      new Error(
        'storage.nfsServer.path must be an absolute directory, got "srv/nfs": e.g. /srv/nfs',
      ),
    );
    assert.throws(
      () => renderGaneshaConfig({ export: { path: "/srv/nfs", pseudo: "/" } }),
      new Error('storage.nfsServer.pseudo must be an absolute path below /, got "/": e.g. /export'),
    );
    assert.throws(
      () => renderGaneshaConfig({ export: { path: "/srv/nfs" }, port: 70000 }),
      new Error("storage.nfsServer.port must be a TCP port (1-65535), got 70000"),
    );
    assert.throws(
      () => renderGaneshaConfig({ export: { path: "/srv/nfs", clients: [] } }),
      new Error(
        "storage.nfsServer.clients is empty, so no client could mount: list addresses or leave it unset",
      ),
    );
  });
});
