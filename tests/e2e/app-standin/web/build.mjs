// Stand-in for the upstream SPA's Vite build: writes dist/ with the page and the default
// /config.json (the upstream default API endpoint), which the platform mounts over.
import { mkdirSync, writeFileSync } from "node:fs";

mkdirSync("dist", { recursive: true });
writeFileSync(
  "dist/index.html",
  '<!doctype html>\n<title>image-web stand-in</title>\n<div id="root">image-web stand-in</div>\n',
);
writeFileSync("dist/config.json", `${JSON.stringify({ endpoint: "http://localhost:8080/" })}\n`);
