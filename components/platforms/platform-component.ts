import * as pulumi from "@pulumi/pulumi";
import {
  DeployOptions,
  PlatformAdapter,
  PlatformProfile,
  StoragePlan,
  StorageProvisioning,
  WorkloadDeployment,
  WorkloadSpec,
} from "../model";

/**
 * The component every adapter is: its profile (capabilities and strategies, known before any
 * resource exists) and its `deploy`.
 */
export abstract class PlatformComponent
  extends pulumi.ComponentResource
  implements PlatformAdapter
{
  declare public readonly capabilities: PlatformProfile["capabilities"];
  declare public readonly volumes: PlatformProfile["volumes"];
  declare public readonly apiAccess: PlatformProfile["apiAccess"];
  declare public readonly clusterLayout: PlatformProfile["clusterLayout"];
  declare public readonly routeProvider: PlatformProfile["routeProvider"];
  declare public readonly metricsDiscovery: PlatformProfile["metricsDiscovery"];

  constructor(
    type: string,
    name: string,
    profile: PlatformProfile,
    opts: pulumi.ComponentResourceOptions,
  ) {
    super(type, name, {}, opts);
    Object.assign(this, profile);
  }

  abstract provisionStorage(plan: StoragePlan, opts: DeployOptions): StorageProvisioning;

  abstract deploy(
    name: string,
    part: string,
    spec: WorkloadSpec,
    opts: DeployOptions,
  ): WorkloadDeployment;
}
