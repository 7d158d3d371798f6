import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { pemOrFile } from "../../../components/proxy/reverse-proxy";

const PEM = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
const files: Record<string, string> = { "ca.pem": PEM, "notes.txt": "not a certificate" };
const readFile = (path: string): string => {
  if (!(path in files)) throw new Error(`ENOENT: ${path}`);
  return files[path];
};

describe("PEM settings", () => {
  it("takes PEM text as it is", () => {
    assert.equal(pemOrFile("proxy.acme.caBundle", PEM, readFile), PEM);
  });

  it("reads a PEM file named by the setting", () => {
    assert.equal(pemOrFile("proxy.acme.caBundle", "ca.pem", readFile), PEM);
  });

  it("names the setting, the value and the fix when the file is missing", () => {
    assert.throws(() => pemOrFile("proxy.certificate.cert", "missing.pem", readFile), {
      message:
        'homeport:proxy.certificate.cert is "missing.pem": the file cannot be read. Fix: give PEM text or the path of an existing PEM file.',
    });
  });

  it("refuses a file without a PEM block", () => {
    assert.throws(() => pemOrFile("proxy.acme.caBundle", "notes.txt", readFile), {
      message:
        'homeport:proxy.acme.caBundle is "notes.txt": the file holds no PEM block. Fix: give PEM text or the path of an existing PEM file.',
    });
  });
});
