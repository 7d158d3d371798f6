import * as pulumi from "@pulumi/pulumi";
import { StackConfig } from "../../components/config/schema";
import {
  DeployOptions,
  PlatformAdapter,
  PlatformProfile,
  resolveWorkload,
  ResolvedWorkload,
  StoragePlan,
  StorageProvisioning,
  WorkloadDeployment,
  WorkloadSpec,
} from "../../components/model";
import { kubernetesProfile } from "../../components/platforms/kubernetes/profile";
import { nomadProfile } from "../../components/platforms/nomad/profile";
import { swarmProfile } from "../../components/platforms/swarm/profile";

/**
 * The real adapter's profile (capabilities and strategies) for a stack config, without deploying
 * anything: what a concern sees of that orchestrator. Swarm's physical names use `prefix`.
 */
export function profileFor(config: StackConfig, prefix = "t-", stack = "test"): PlatformProfile {
  switch (config.target) {
    case "swarm":
      return swarmProfile(config, prefix, stack);
    case "kubernetes":
      return kubernetesProfile(config.kubernetes, config.storage.backend);
    case "nomad":
      return nomadProfile(config);
  }
}

/** One call of {@link FakeAdapter.deploy}: the workload as the model resolved it. */
export interface FakeDeploy {
  readonly name: string;
  readonly part: string;
  readonly workload: ResolvedWorkload;
  readonly opts: DeployOptions;
}

/**
 * A stand-in adapter for concern tests: it resolves each workload (so a bad spec still fails as it
 * would on any orchestrator) and records it, creates no resource, and reaches workloads at
 * "name:port". Its capabilities and strategies are a real adapter's profile, overridable.
 */
export class FakeAdapter implements PlatformAdapter {
  public readonly deployed: FakeDeploy[] = [];
  declare public readonly capabilities: PlatformProfile["capabilities"];
  declare public readonly volumes: PlatformProfile["volumes"];
  declare public readonly apiAccess: PlatformProfile["apiAccess"];
  declare public readonly clusterLayout: PlatformProfile["clusterLayout"];
  declare public readonly routeProvider: PlatformProfile["routeProvider"];
  declare public readonly metricsDiscovery: PlatformProfile["metricsDiscovery"];

  constructor(profile: PlatformProfile, overrides: Partial<PlatformProfile> = {}) {
    Object.assign(this, profile, overrides);
  }

  /** Storage plans handed to {@link provisionStorage}, in order. */
  public readonly storagePlans: StoragePlan[] = [];

  provisionStorage(plan: StoragePlan): StorageProvisioning {
    this.storagePlans.push(plan);
    return { resources: [] };
  }

  deploy(name: string, part: string, spec: WorkloadSpec, opts: DeployOptions): WorkloadDeployment {
    const workload = resolveWorkload(name, part, spec);
    this.deployed.push({ name, part, workload, opts });
    return {
      serviceName: pulumi.output(name),
      address: (port) =>
        pulumi.output(`${name}:${workload.ports.find((p) => p.name === port)?.port}`),
      resources: [],
    };
  }

  /** The resolved workload deployed under `name`; throws when there is none. */
  workload(name: string): ResolvedWorkload {
    const found = this.deployed.find((d) => d.name === name);
    if (!found) throw new Error(`no workload "${name}" was deployed`);
    return found.workload;
  }
}
