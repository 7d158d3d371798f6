import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, describe, it } from "node:test";
import { pemOrFile } from "../../../components/proxy/reverse-proxy";
import { TEST_CERT_PEM } from "../../helpers/certs";

const PEM = TEST_CERT_PEM;
/** A stack directory holding the files the settings name, read from disk as the program does. */
const stackDir = fs.mkdtempSync(path.join(os.tmpdir(), "homeport-pem-"));
fs.mkdirSync(path.join(stackDir, "certs"));
fs.writeFileSync(path.join(stackDir, "certs", "ca.pem"), PEM);
fs.writeFileSync(path.join(stackDir, "notes.txt"), "not a certificate");
fs.writeFileSync(
  path.join(stackDir, "fake.pem"),
  "-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n",
);
const readFile = (file: string): string => fs.readFileSync(file, "utf8");
const FIX = `Fix: give PEM text or the path of an existing PEM file (a relative path is read from the stack file's directory, ${stackDir}).`;

describe("PEM settings", () => {
  after(() => fs.rmSync(stackDir, { recursive: true, force: true }));

  it("takes PEM text as it is", () => {
    assert.equal(pemOrFile("proxy.acme.caBundle", PEM, readFile, stackDir), PEM);
  });

  it("reads a relative PEM path from the stack file's directory", () => {
    assert.equal(pemOrFile("proxy.acme.caBundle", "certs/ca.pem", readFile, stackDir), PEM);
  });

  it("names the setting, the value, the file and the fix when the file is missing", () => {
    assert.throws(() => pemOrFile("proxy.certificate.cert", "missing.pem", readFile, stackDir), {
      message: `homeport:proxy.certificate.cert is "missing.pem": the file ${path.join(stackDir, "missing.pem")} does not exist. ${FIX}`,
    });
  });

  it("refuses a file without a PEM block", () => {
    assert.throws(() => pemOrFile("proxy.acme.caBundle", "notes.txt", readFile, stackDir), {
      message: `homeport:proxy.acme.caBundle is "notes.txt": the file holds no PEM certificate block. ${FIX}`,
    });
  });

  it("refuses a PEM block that is no X.509 certificate, in a file or inline", () => {
    assert.throws(() => pemOrFile("proxy.certificate.cert", "fake.pem", readFile, stackDir), {
      message: `homeport:proxy.certificate.cert is "fake.pem": certificate 1 of 1 is not a valid X.509 certificate. ${FIX}`,
    });
    const inline = fs.readFileSync(path.join(stackDir, "fake.pem"), "utf8");
    assert.throws(() => pemOrFile("proxy.certificate.cert", inline, readFile, stackDir), {
      message: `homeport:proxy.certificate.cert is PEM text: certificate 1 of 1 is not a valid X.509 certificate. ${FIX}`,
    });
  });
});
