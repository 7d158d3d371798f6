/**
 * How Prometheus discovers workloads on an orchestrator: the part of its configuration that only
 * the orchestrator's adapter knows. The monitoring concern assembles the rest (jobs, filters).
 */

import { SecretSpec } from "./workload";

/** One Prometheus relabel rule, in Prometheus' own field names. */
export type Relabel = Record<string, unknown>;

/** Discovery metadata carrying the model's keys, as Prometheus names it after relabelling. */
export interface DiscoveredKeys {
  /** The label holding `META.workload`. */
  readonly workload: string;
  /** The label holding `META.part`. */
  readonly part: string;
  /** The label holding `META.metricsPath`. */
  readonly metricsPath: string;
}

export interface MetricsDiscovery {
  /** The `*_sd_configs` block of a scrape job, e.g. `{ kubernetes_sd_configs: [...] }`. */
  readonly sdConfig: Record<string, unknown>;
  /** Relabelling before the common one: keep live targets of this stack, set temporary labels. */
  readonly select: Relabel[];
  /** Where the model's metadata keys arrive. */
  readonly keys: DiscoveredKeys;
  /** Relabelling after the common one: the scrape address, `node` and other target labels. */
  readonly address: Relabel[];
  /**
   * Prometheus' `alerting.alertmanagers` entry for the Alertmanager workload `name`, reached at
   * `address` ("host:port") where workloads reach each other by name.
   */
  alertmanager(name: string, address: string): Record<string, unknown>;
  /**
   * The cAdvisor label naming a container's workload, and the regex whose first group extracts the
   * workload's name from it: the source of the container-restart rules.
   */
  readonly containerWorkload: { readonly source: string; readonly regex: string };
  /** Secrets the discovery reads (e.g. an ACL token file), delivered to Prometheus. @default [] */
  readonly secrets?: SecretSpec[];
}

/** Prometheus' name for a metadata key once service discovery has sanitised it. */
export const sanitizedKey = (key: string): string => key.replace(/[^A-Za-z0-9_]/g, "_");

/** A regex that matches `text` literally. */
export const escapeRegex = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
