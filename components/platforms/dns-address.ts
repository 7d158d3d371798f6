import * as pulumi from "@pulumi/pulumi";
import { portOf, ResolvedWorkload } from "../model";

/**
 * "name:port", where the platform network resolves workload names (Swarm network aliases,
 * Kubernetes Services).
 */
export const dnsAddress = (workload: ResolvedWorkload, port: string): pulumi.Output<string> =>
  pulumi.output(`${workload.name}:${portOf(workload, port)}`);
