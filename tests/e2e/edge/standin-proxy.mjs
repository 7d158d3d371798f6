// A stand-in for Traefik on one test node (not Traefik): it answers requests on every address of
// the node's namespace with the node's name, the way the proxy answers on the floating address,
// and serves GET /ping with "OK" on loopback, the way Traefik's ping does on its private entry
// point. SIGUSR1 stops the ping listener (the proxy's health endpoint goes away), SIGUSR2 starts it
// again. Usage: node standin-proxy.mjs NAME APP_PORT PING_PORT
import * as http from "node:http";

const [name, appPort, pingPort] = process.argv.slice(2);

http
  .createServer((req, res) => {
    res.setHeader("Connection", "close");
    res.end(`${name}\n`);
  })
  .listen(Number(appPort), "0.0.0.0");

let ping;
function startPing() {
  if (ping) return;
  ping = http.createServer((req, res) => {
    res.setHeader("Connection", "close");
    if (req.url === "/ping") res.end("OK");
    else res.writeHead(404).end();
  });
  ping.listen(Number(pingPort), "127.0.0.1", () => console.log(`${name}: ping up`));
}
function stopPing() {
  if (!ping) return;
  ping.close();
  ping.closeAllConnections();
  ping = undefined;
  console.log(`${name}: ping down`);
}

process.on("SIGUSR1", stopPing);
process.on("SIGUSR2", startPing);
process.on("SIGTERM", () => process.exit(0));
startPing();
console.log(`${name}: listening on ${appPort}`);
