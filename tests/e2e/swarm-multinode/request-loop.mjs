// A steady request loop through the proxy, run inside the test's client network namespace (the
// proxy's host-mode ports are bound in the nodes' namespaces). Like a client given one DNS record
// per proxy node, it connects to the first address that accepts and moves on to the next when a
// connection is refused or times out; a request fails when every address fails or the reply is
// not 200. Runs until SIGTERM, then prints {requests, failures, samples} as JSON.
//   node request-loop.mjs HOST PATH ADDRESS...
import * as https from "node:https";

const [host, path, ...addresses] = process.argv.slice(2);
let running = true;
process.on("SIGTERM", () => (running = false));

const once = (address) =>
  new Promise((resolve, reject) => {
    const req = https.request(
      {
        host: address,
        port: 443,
        path,
        servername: host,
        headers: { Host: host, Connection: "close" },
        rejectUnauthorized: false,
        agent: false,
        timeout: 3000,
      },
      (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode));
        res.on("error", reject);
      },
    );
    req.on("timeout", () => req.destroy(new Error("timed out")));
    req.on("error", reject);
    req.end();
  });

let requests = 0;
let failures = 0;
const samples = [];
while (running) {
  requests++;
  let status;
  const errors = [];
  for (const address of addresses) {
    try {
      status = await once(address);
      break;
    } catch (e) {
      errors.push(`${address}: ${e.message}`);
    }
  }
  if (status !== 200) {
    failures++;
    if (samples.length < 10) samples.push(status ? `HTTP ${status}` : errors.join("; "));
  }
  await new Promise((r) => setTimeout(r, 20));
}
console.log(JSON.stringify({ requests, failures, samples }));
