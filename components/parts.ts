import { buildApps } from "./apps/app-tier";
import { Part } from "./config/schema";
import { buildMonitoring } from "./monitoring/monitoring-part";
import { PartBuilder } from "./part";
import { buildProxy } from "./proxy/reverse-proxy";

/** Every part the program can build, in build order (the proxy first: others route through it). */
export const PART_BUILDERS: Record<Part, PartBuilder | undefined> = {
  proxy: buildProxy,
  monitoring: buildMonitoring,
  apps: buildApps,
};
