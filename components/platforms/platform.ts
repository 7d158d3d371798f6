import * as pulumi from "@pulumi/pulumi";
import { Target } from "../config/schema";
import { ResolvedWorkload, WorkloadSpec } from "../model";

/** What a deployed workload offers to the rest of the platform, the same on every target. */
export interface WorkloadDeployment {
  /** The workload's name on the platform network. */
  readonly serviceName: pulumi.Output<string>;
  /**
   * "host:port" of one of its ports, as other workloads reach it. On Nomad this is a template
   * expression that the Nomad adapter resolves at task start.
   */
  address(port: string): pulumi.Output<string>;
  /** The leaf resources that run it, for `dependsOn`. */
  readonly resources: pulumi.Resource[];
  /**
   * For a run-to-completion job: its resources, resolved only once the job has succeeded (a
   * failed job fails the deployment). Pass it as `dependsOn` to start a workload after the job.
   */
  readonly completed?: pulumi.Output<pulumi.Resource[]>;
}

export interface DeployOptions {
  /** The concern component that asked for the workload; the workload's resources sit under it. */
  readonly parent: pulumi.Resource;
  /** Resources that must exist, and be ready, before this workload starts. */
  readonly dependsOn?: pulumi.Input<pulumi.Input<pulumi.Resource>[]>;
}

/**
 * One orchestrator. Concern components describe workloads in the neutral model and hand them to
 * `deploy`; only adapters import an orchestrator's Pulumi package.
 */
export interface PlatformAdapter {
  readonly target: Target;
  /** Deploys one workload, declared by `part` (proxy, monitoring, apps…). */
  deploy(name: string, part: string, spec: WorkloadSpec, opts: DeployOptions): WorkloadDeployment;
  /**
   * The stable DNS name of one member of a stateful workload, resolving to that member itself
   * rather than to a load balancer: cluster peers (RabbitMQ, MinIO) name each other by it. On
   * Swarm a cluster is one workload per member (`ordinal` is ignored); on Kubernetes it is one
   * StatefulSet whose pod `ordinal` is named. Undefined where the target offers no such name
   * (Nomad's built-in service discovery has no DNS).
   */
  memberHost?(workload: string, ordinal?: number): string | undefined;
}

/** The number of a workload's named port; throws naming the workload and the port otherwise. */
export function portOf(workload: ResolvedWorkload, port: string): number {
  const found = workload.ports.find((candidate) => candidate.name === port);
  if (!found) throw new Error(`Workload "${workload.name}" has no port named "${port}".`);
  return found.port;
}

/**
 * "name:port", where the platform network resolves workload names (Swarm network aliases,
 * Kubernetes Services).
 */
export const dnsAddress = (workload: ResolvedWorkload, port: string): pulumi.Output<string> =>
  pulumi.output(`${workload.name}:${portOf(workload, port)}`);
