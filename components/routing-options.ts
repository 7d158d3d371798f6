import { StackConfig } from "./config/schema";
import { AdapterOptions } from "./platforms/create-adapter";

/** How routes are published on this stack; decided by the reverse proxy's settings. */
export function routingOptions(config: StackConfig): AdapterOptions {
  return { routing: { certResolver: config.parts.includes("proxy") ? "acme" : undefined } };
}
