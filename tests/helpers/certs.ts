import * as fs from "node:fs";
import * as path from "node:path";

/** Path of a self-signed test certificate (a fixture trusted nowhere; made with openssl req -x509). */
export const TEST_CERT_FILE = path.join(__dirname, "..", "fixtures", "certs", "test-ca.pem");

/** The test certificate's PEM text: a real X.509 certificate, as the PEM settings require. */
export const TEST_CERT_PEM: string = fs.readFileSync(TEST_CERT_FILE, "utf8");
