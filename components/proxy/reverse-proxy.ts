import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { PROXY_WORKLOAD, WorkloadDeployment } from "../model";
import { certificateSource, CertificateSource } from "./certificates";
import { ReverseProxyArgs } from "./reverse-proxy-args";
import {
  DEFAULT_PROXY_REPLICAS,
  traefikWorkloadSpec,
  whoamiWorkloadSpec,
} from "./traefik-workload";

export const REVERSE_PROXY_TYPE = "homeport:proxy:ReverseProxy";

/** Length of the generated dashboard password. */
export const DASHBOARD_PASSWORD_LENGTH = 32;

/** What is wrong with a file system error, for an input file. */
const FILE_PROBLEMS: Record<string, string> = {
  ENOENT: "does not exist",
  EACCES: "cannot be read (permission denied)",
  EISDIR: "is a directory, not a file",
};

/**
 * PEM certificates from a setting that holds either the PEM itself or the path of a PEM file.
 * Every CERTIFICATE block must parse as an X.509 certificate.
 * @param baseDir Where a relative path is read from: the stack file's directory.
 * @throws Error naming the setting, the value and the fix when the file cannot be read or holds
 * no valid certificate.
 */
export function pemOrFile(
  setting: string,
  value: string,
  readFile: (path: string) => string,
  baseDir: string = process.cwd(),
): string {
  const inline = value.trimStart().startsWith("-----BEGIN ");
  const shown = inline ? "PEM text" : JSON.stringify(value);
  const fail = (problem: string): never => {
    throw new Error(
      `homeport:${setting} is ${shown}: ${problem}. Fix: give PEM text or the path of an existing PEM file (a relative path is read from the stack file's directory, ${baseDir}).`,
    );
  };
  let text = value;
  if (!inline) {
    const file = path.resolve(baseDir, value);
    try {
      text = readFile(file);
    } catch (err) {
      const code = (err as { code?: string }).code ?? "";
      fail(`the file ${file} ${FILE_PROBLEMS[code] ?? "cannot be read"}`);
    }
  }
  const blocks = text.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
  if (blocks.length === 0) fail(`${inline ? "it" : "the file"} holds no PEM certificate block`);
  blocks.forEach((block, i) => {
    try {
      new crypto.X509Certificate(block);
    } catch {
      fail(`certificate ${i + 1} of ${blocks.length} is not a valid X.509 certificate`);
    }
  });
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
    const readFile = read ?? ((file: string) => fs.readFileSync(file, "utf8"));
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
