import { APPS_DEFAULT_SIZES, AppsSettings } from "../config/parts/apps";
import { PlatformCapabilities } from "../model";

/** Replica counts of the tier, after defaults. */
export interface AppSizes {
  readonly frontend: number;
  readonly backend: number;
  readonly worker: number;
  /** Members of the RabbitMQ cluster (1 = a single broker). */
  readonly rabbitmq: number;
  /** MinIO servers (1 = single; 4 or more = distributed, one drive each); 0 with external S3. */
  readonly minio: number;
}

/** Defaults: two of each stateless tier; one broker and one MinIO for dev, clusters for production. */
export const DEFAULT_SIZES = APPS_DEFAULT_SIZES;

/**
 * The tier's sizes for a stack. Where cluster members get no stable addresses (Nomad's built-in
 * service discovery has no DNS), peers cannot name each other: RabbitMQ and MinIO run as one
 * member each, and `notes` says so.
 */
export function appSizes(
  cfg: {
    readonly environment: "dev" | "production";
    readonly sizes: Partial<Record<string, number>>;
    readonly apps: Pick<AppsSettings, "s3" | "broker">;
  },
  capabilities: Pick<PlatformCapabilities, "stableMemberAddresses" | "prose">,
): AppSizes & { readonly notes: string[]; readonly clamped: ("rabbitmq" | "minio")[] } {
  const { orchestrator, serviceDiscovery } = capabilities.prose;
  const defaults = DEFAULT_SIZES[cfg.environment];
  const notes: string[] = [];
  const clamped: ("rabbitmq" | "minio")[] = [];
  const cluster = (tier: "rabbitmq" | "minio"): number => {
    const wanted = cfg.sizes[tier] ?? defaults[tier];
    if (!capabilities.stableMemberAddresses && wanted > 1) {
      notes.push(
        `${tier} runs as a single member on ${orchestrator} (asked: ${wanted}): its cluster peers need stable DNS names, which ${serviceDiscovery} does not provide.`,
      );
      clamped.push(tier);
      return 1;
    }
    return wanted;
  };
  return {
    frontend: cfg.sizes.frontend ?? defaults.frontend,
    backend: cfg.sizes.backend ?? defaults.backend,
    worker: cfg.sizes.worker ?? defaults.worker,
    rabbitmq: cfg.apps.broker ? 0 : cluster("rabbitmq"),
    minio: cfg.apps.s3 ? 0 : cluster("minio"),
    notes,
    clamped,
  };
}
