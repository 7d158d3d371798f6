import * as pulumi from "@pulumi/pulumi";
import { AppTier } from "./apps/app-tier";
import { Part } from "./config/schema";
import { Edge } from "./edge/edge";
import { MediaChain } from "./media/media-chain";
import { Monitoring } from "./monitoring/monitoring";
import { PartBuilder } from "./part";
import { ReverseProxy } from "./proxy/reverse-proxy";
import {
  appTierArgs,
  edgeArgs,
  mediaChainArgs,
  monitoringArgs,
  reverseProxyArgs,
} from "./stack-args";

/** The `proxy` part: the reverse proxy, its URLs and the dashboard's credential. */
const buildProxy: PartBuilder = (ctx, opts) => {
  const proxy = new ReverseProxy(
    "proxy",
    { ...reverseProxyArgs(ctx.config), platform: ctx.platform },
    { parent: opts.parent },
  );
  const urls: Record<string, pulumi.Output<string>> = {};
  const credentials: Record<string, pulumi.Output<string>> = {};
  if (proxy.dashboardUrl) urls["proxy-dashboard"] = proxy.dashboardUrl;
  if (proxy.whoamiUrl) urls["proxy-whoami"] = proxy.whoamiUrl;
  if (proxy.dashboardPassword) credentials["proxy-dashboard-password"] = proxy.dashboardPassword;
  return { urls, credentials };
};

/** The `monitoring` part: Grafana's URL, and its admin login as secret credentials. */
const buildMonitoring: PartBuilder = (ctx, opts) => {
  const monitoring = new Monitoring(
    "monitoring",
    { ...monitoringArgs(ctx.config), platform: ctx.platform },
    { parent: opts.parent },
  );
  return {
    urls: {
      grafana: monitoring.grafanaUrl,
      ...(monitoring.prometheusUrl ? { prometheus: monitoring.prometheusUrl } : {}),
      ...(monitoring.alertmanagerUrl ? { alertmanager: monitoring.alertmanagerUrl } : {}),
    },
    credentials: {
      grafanaAdminUser: monitoring.grafanaAdminUser,
      grafanaAdminPassword: monitoring.grafanaAdminPassword,
    },
  };
};

/** The `apps` part: the {@link AppTier}, its URLs and its generated credentials. */
const buildApps: PartBuilder = (ctx, opts) => {
  const tier = new AppTier("apps", { ...appTierArgs(ctx.config), platform: ctx.platform }, opts);
  return {
    urls: { "apps.frontend": tier.frontendUrl, "apps.api": tier.apiUrl },
    credentials: tier.credentials,
  };
};

/** The `media` part: the {@link MediaChain}, each app's URL and the generated logins. */
const buildMedia: PartBuilder = (ctx, opts) => {
  const chain = new MediaChain(
    "media",
    { ...mediaChainArgs(ctx.config), platform: ctx.platform },
    opts,
  );
  return { urls: chain.urls, credentials: chain.credentials };
};

/** The `edge` part: the floating IP in front of the proxy. */
const buildEdge: PartBuilder = (ctx, opts) => {
  const edge = new Edge("edge", { ...edgeArgs(ctx.config), platform: ctx.platform }, opts);
  // The address is a stack output with the URLs: where the upstream proxy must send requests.
  return { urls: { "edge.floatingIp": edge.address } };
};

/** Every part the program can build, in build order (the proxy first: others route through it). */
export const PART_BUILDERS: Record<Part, PartBuilder | undefined> = {
  proxy: buildProxy,
  monitoring: buildMonitoring,
  apps: buildApps,
  media: buildMedia,
  edge: buildEdge,
};
