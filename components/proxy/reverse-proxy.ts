import * as fs from "node:fs";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { WorkloadDeployment } from "../model";
import { certificateSource, CertificateSource } from "./certificates";
import { ReverseProxyArgs } from "./reverse-proxy-args";
import {
  DEFAULT_PROXY_REPLICAS,
  traefikWorkloadSpec,
  whoamiWorkloadSpec,
} from "./traefik-workload";

export const REVERSE_PROXY_TYPE = "homeport:proxy:ReverseProxy";

/** Name of the proxy's workload on every orchestrator. */
export const PROXY_WORKLOAD = "traefik";

/** Length of the generated dashboard password. */
export const DASHBOARD_PASSWORD_LENGTH = 32;

/**
 * PEM text from a setting that holds either the PEM itself or the path of a PEM file.
 * @throws Error naming the setting, the value and the fix when the file cannot be read.
 */
export function pemOrFile(
  setting: string,
  value: string,
  readFile: (path: string) => string,
): string {
  if (value.trimStart().startsWith("-----BEGIN ")) return value;
  let text: string;
  try {
    text = readFile(value);
  } catch {
    throw new Error(
      `homeport:${setting} is ${JSON.stringify(value)}: the file cannot be read. Fix: give PEM text or the path of an existing PEM file.`,
    );
  }
  if (!text.includes("-----BEGIN ")) {
    throw new Error(
      `homeport:${setting} is ${JSON.stringify(value)}: the file holds no PEM block. Fix: give PEM text or the path of an existing PEM file.`,
    );
  }
  return text;
}

/**
 * Traefik v3 in front of every routed workload: HTTP to HTTPS redirect, certificates from ACME,
 * cert-manager or the stack config, an authenticated dashboard, ping health and Prometheus metrics.
 */
export class ReverseProxy extends pulumi.ComponentResource {
  /** Where certificates come from on this stack. */
  public readonly certificates: CertificateSource;
  /** The proxy's service name on the platform. */
  public readonly serviceName: pulumi.Output<string>;
  /** The proxy's workload, for `dependsOn`. */
  public readonly deployment: WorkloadDeployment;
  /** The dashboard's URL, when it is enabled. */
  public readonly dashboardUrl?: pulumi.Output<string>;
  /** The dashboard's basic-auth password (secret), when it is enabled. */
  public readonly dashboardPassword?: pulumi.Output<string>;
  /** The whoami test route's URL, when it is enabled. */
  public readonly whoamiUrl?: pulumi.Output<string>;

  constructor(name: string, args: ReverseProxyArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super(REVERSE_PROXY_TYPE, name, {}, opts);
    const { platform, readFile: read, ...settings } = args;
    const readFile = read ?? ((path: string) => fs.readFileSync(path, "utf8"));
    this.certificates = certificateSource(settings, platform.capabilities.acmeIssuer);
    const acmeCaBundle =
      this.certificates === "acme" && settings.acme?.caBundle
        ? pemOrFile("proxy.acme.caBundle", settings.acme.caBundle, readFile)
        : undefined;
    const certificate = settings.certificate
      ? pemOrFile("proxy.certificate.cert", settings.certificate.cert, readFile)
      : undefined;

    let dashboardUsers: pulumi.Output<string> | undefined;
    if (settings.dashboard) {
      const password = new random.RandomPassword(
        `${name}-dashboard-password`,
        { length: DASHBOARD_PASSWORD_LENGTH, special: false },
        { parent: this },
      );
      // The random provider computes the bcrypt hash once and keeps it in state, so previews and
      // updates do not churn the route's labels.
      dashboardUsers = pulumi.secret(
        pulumi.interpolate`${settings.dashboard.user}:${password.bcryptHash}`,
      );
      this.dashboardPassword = pulumi.secret(password.result);
      this.dashboardUrl = pulumi.output(`https://${settings.dashboard.host}/dashboard/`);
    }

    this.deployment = platform.deploy(
      PROXY_WORKLOAD,
      "proxy",
      traefikWorkloadSpec({
        settings,
        platform,
        certificates: this.certificates,
        dashboardUsers,
        acmeCaBundle,
        certificate,
      }),
      { parent: this },
    );
    this.serviceName = this.deployment.serviceName;

    if (settings.whoami) {
      const host = settings.whoami.host;
      platform.deploy(
        "whoami",
        "proxy",
        whoamiWorkloadSpec(host, settings.replicas ?? DEFAULT_PROXY_REPLICAS),
        { parent: this, dependsOn: this.deployment.resources },
      );
      this.whoamiUrl = pulumi.output(`https://${host}/`);
    }

    this.registerOutputs({
      serviceName: this.serviceName,
      dashboardUrl: this.dashboardUrl,
      dashboardPassword: this.dashboardPassword,
      whoamiUrl: this.whoamiUrl,
    });
  }
}
