import { PartBuilder } from "../part";
import { Monitoring } from "./monitoring";

/** Builds the monitoring part: Grafana's URL, and its admin login as secret credentials. */
export const buildMonitoring: PartBuilder = (ctx, opts) => {
  const monitoring = new Monitoring(
    "monitoring",
    { config: ctx.config, platform: ctx.platform },
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
