import { AcmeSettings, CertificateSettings, ProxySettings } from "../config/parts/proxy";
import { PlatformAdapter } from "../model";
import { EntryPoint } from "./traefik-args";

/** What the reverse proxy is asked to be, apart from the orchestrator it runs on. */
export interface ReverseProxySettings {
  /** Traefik's image, pinned. */
  readonly image: string;
  /** Traefik's log level. @default "INFO" */
  readonly logLevel?: ProxySettings["logLevel"];
  /**
   * How many proxies run. Where the proxy itself holds the ACME account it runs once (unless 0).
   * @default 2
   */
  readonly replicas?: number;
  /** Certificates from an ACME CA. @default none */
  readonly acme?: AcmeSettings;
  /** One certificate supplied by the operator, served as the default. @default none */
  readonly certificate?: CertificateSettings;
  /** The authenticated dashboard, at `host`, for `user` (the password is generated). @default none */
  readonly dashboard?: { readonly host: string; readonly user: string };
  /** The whoami test route, at `host`. @default none */
  readonly whoami?: { readonly host: string };
  /**
   * Volume class of the ACME account's state: "shared" follows the proxy to whichever node runs it.
   * @default "local"
   */
  readonly acmeStateClass?: "local" | "shared";
  /** Where the proxy listens ({@link entryPoints}). @default web (80) and websecure (443) */
  readonly entryPoints?: readonly EntryPoint[];
  /**
   * The floating address in front of the proxy: its published ports answer on it, and where the
   * address is held by VRRP the ping is published on `healthPort` for keepalived's track script.
   * @default none
   */
  readonly floatingIp?: { readonly ip: string; readonly healthPort: number };
}

export interface ReverseProxyArgs extends ReverseProxySettings {
  /** The orchestrator the proxy runs on. */
  readonly platform: PlatformAdapter;
  /**
   * Reads a PEM file named in a setting (`acme.caBundle`, `certificate.cert`).
   * @default reads the file from disk, relative to the working directory
   */
  readonly readFile?: (path: string) => string;
}
