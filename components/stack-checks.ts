import * as fs from "node:fs";
import * as path from "node:path";
import { StackCheck } from "./config/load";
import { apiHost, frontendHost, isGitContext, UPSTREAM_APP_CONTEXT } from "./config/parts/apps";
import { dashboardHost, whoamiHost } from "./config/parts/proxy";
import { NAMESPACE, Part, PARTS, StackConfig, Tier } from "./config/schema";
import { monitoringHosts } from "./monitoring/monitoring";
import { MONITORING_TIERS, MonitoringTier, tierSizeProblem } from "./monitoring/tier-scheduling";
import { platformCapabilities, platformChecks } from "./platforms/create-adapter";
import { pemOrFile } from "./proxy/reverse-proxy";
import { stackProblems } from "./stack-args";

/** The part that runs each tier of `homeport:sizes`. */
const TIER_PARTS: Record<Tier, Part> = {
  proxy: "proxy",
  frontend: "apps",
  backend: "apps",
  worker: "apps",
  rabbitmq: "apps",
  minio: "apps",
  prometheus: "monitoring",
  alertmanager: "monitoring",
  grafana: "monitoring",
};

/** A stack of no part would deploy only the target's network. */
const partsCheck: StackCheck = (config) => ({
  problems:
    config.parts.length === 0
      ? [
          `${NAMESPACE}:parts is []: lists no part, so nothing but the platform's network would be deployed. Fix: list the parts to deploy, among ${PARTS.join(", ")}, or remove it to deploy them all.`,
        ]
      : [],
});

/** Sizes that no enabled part reads are ignored (a warning); monitoring tiers that cannot scale. */
const sizesCheck: StackCheck = (config) => {
  const warnings: string[] = [];
  const problems: string[] = [];
  for (const [tier, size] of Object.entries(config.sizes) as [Tier, number][]) {
    const part = TIER_PARTS[tier];
    if (!config.parts.includes(part)) {
      warnings.push(
        `${NAMESPACE}:sizes.${tier} is ${size}, but the ${part} part is not in ${NAMESPACE}:parts: it is ignored. Fix: remove it, or add ${part} to ${NAMESPACE}:parts.`,
      );
    } else if (tier in MONITORING_TIERS) {
      const problem = tierSizeProblem(size, tier as MonitoringTier);
      if (problem) problems.push(problem);
    }
  }
  return { problems, warnings };
};

/** Settings whose meaning depends on the orchestrator's capabilities (see `stack-args.ts`). */
const capabilitiesCheck: StackCheck = (config) => ({
  problems: stackProblems(config, platformCapabilities(config)),
});

/** One routed host of the stack, and the setting that names it (none for fixed hosts). */
interface RouteHost {
  readonly host: string;
  readonly what: string;
  readonly setting?: string;
}

function routeHosts(config: StackConfig): RouteHost[] {
  const { domain, proxy, monitoring, apps } = config;
  const hosts: RouteHost[] = [];
  if (config.parts.includes("proxy")) {
    if (proxy.dashboard.enabled) {
      hosts.push({
        host: dashboardHost(proxy, domain),
        what: "the Traefik dashboard",
        setting: "proxy.dashboard.host",
      });
    }
    if (proxy.whoami.enabled) {
      hosts.push({
        host: whoamiHost(proxy, domain),
        what: "the whoami route",
        setting: "proxy.whoami.host",
      });
    }
  }
  if (config.parts.includes("monitoring")) {
    const ui = monitoringHosts(domain);
    hosts.push({ host: ui.grafana, what: "Grafana" });
    if (monitoring.uiUsers !== undefined) {
      hosts.push({ host: ui.prometheus, what: "the Prometheus UI" });
      hosts.push({ host: ui.alertmanager, what: "the Alertmanager UI" });
    }
  }
  if (config.parts.includes("apps")) {
    hosts.push({
      host: frontendHost(apps, domain),
      what: "the app's frontend",
      setting: "apps.hosts.frontend",
    });
    // The API on the frontend's host is refused by the apps' own check.
    const api = apiHost(apps, domain);
    if (api !== frontendHost(apps, domain)) {
      hosts.push({ host: api, what: "the app's API", setting: "apps.hosts.api" });
    }
  }
  return hosts;
}

/** Two routes on one host: the proxy would send one host to two services. */
const routeHostsCheck: StackCheck = (config, given) => {
  const problems: string[] = [];
  const seen = new Map<string, RouteHost>();
  for (const route of routeHosts(config)) {
    const first = seen.get(route.host);
    if (!first) {
      seen.set(route.host, route);
      continue;
    }
    const setBy = (r: RouteHost) => r.setting !== undefined && given(r.setting.split("."));
    const [blamed, other] = setBy(route) || !setBy(first) ? [route, first] : [first, route];
    const name = blamed.setting ? `${NAMESPACE}:${blamed.setting}` : blamed.what;
    problems.push(
      `${name} is "${route.host}": ${other.what} is routed on that host too, and one host routes to one service only. Fix: give ${blamed.what} a host of its own inside ${NAMESPACE}:domain.`,
    );
  }
  return { problems };
};

/**
 * PEM files named in settings are read and checked now, relative to the stack file's directory,
 * and their text replaces the path: the proxy uses exactly what was checked.
 */
const certificatesCheck =
  (baseDir: string, readFile: (file: string) => string): StackCheck =>
  (config) => {
    const problems: string[] = [];
    const read = (setting: string, value: string): string => {
      try {
        return pemOrFile(setting, value, readFile, baseDir);
      } catch (err) {
        problems.push((err as Error).message);
        return value;
      }
    };
    const { acme, certificate } = config.proxy;
    if (!config.parts.includes("proxy") || (!acme?.caBundle && !certificate)) return {};
    const proxy = {
      ...config.proxy,
      acme: acme?.caBundle
        ? { ...acme, caBundle: read("proxy.acme.caBundle", acme.caBundle) }
        : acme,
      certificate: certificate
        ? { ...certificate, cert: read("proxy.certificate.cert", certificate.cert) }
        : certificate,
    };
    return { problems, config: { ...config, proxy } };
  };

/**
 * A local build context is resolved from the stack file's directory and must hold the app's
 * api/ and web/ directories; a git URL is fetched by the engine's builder at build time.
 */
const buildContextCheck =
  (baseDir: string): StackCheck =>
  (config) => {
    const build = config.apps.build;
    if (!build || !config.parts.includes("apps") || isGitContext(build.context)) return {};
    const dir = path.resolve(baseDir, build.context);
    const missing = ["api", "web"].filter((sub) => !fs.existsSync(path.join(dir, sub)));
    if (missing.length > 0) {
      return {
        problems: [
          `${NAMESPACE}:apps.build.context is ${JSON.stringify(build.context)}: ${dir} has no ${missing.join(" or ")} directory. Fix: name a checkout of the app (a relative path is read from the stack file's directory, ${baseDir}), or its git URL pinned to a commit, e.g. ${UPSTREAM_APP_CONTEXT}.`,
        ],
      };
    }
    return { config: { ...config, apps: { ...config.apps, build: { ...build, context: dir } } } };
  };

/** Where the checks of the whole stack look for files. */
export interface StackCheckContext {
  /** The stack file's directory: relative file paths in settings are read from there. */
  readonly baseDir: string;
  /** @default fs.readFileSync as UTF-8 */
  readonly readFile?: (file: string) => string;
}

/**
 * Every check of the whole stack, run by the loader after the schema's so that every problem
 * comes in one report before any resource is registered.
 */
export function stackChecks(context: StackCheckContext): StackCheck[] {
  const readFile = context.readFile ?? ((file: string) => fs.readFileSync(file, "utf8"));
  return [
    partsCheck,
    sizesCheck,
    capabilitiesCheck,
    platformChecks,
    routeHostsCheck,
    certificatesCheck(context.baseDir, readFile),
    buildContextCheck(context.baseDir),
  ];
}
