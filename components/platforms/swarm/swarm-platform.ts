import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { StackConfig } from "../../config/schema";
import {
  DataRetention,
  dataResourceOptions,
  DeployOptions,
  holdsState,
  ImageBuildSpec,
  META,
  resolveWorkload,
  withPublishing,
  RoutePublishing,
  StorageProvisioning,
  WorkloadDeployment,
  WorkloadSpec,
} from "../../model";
import { dnsAddress } from "../dns-address";
import { PlatformComponent } from "../platform-component";
import { swarmProfile } from "./profile";
import { SwarmVolumeDriver } from "./service-spec";
import { SwarmWorkload } from "./swarm-workload";

export const SWARM_PLATFORM_TYPE = "homeport:swarm:Platform";

export interface SwarmPlatformArgs {
  readonly config: StackConfig;
  /** How routes are published. @default {} */
  readonly routing?: RoutePublishing;
  /** Prefix of every physical name, so several stacks can share one swarm. @default "<stack>-" */
  readonly namePrefix?: string;
  /** What happens to volumes that hold state on destroy. @default kept, not protected */
  readonly retention?: DataRetention;
}

/**
 * Docker Swarm: one overlay network for the stack, and a {@link SwarmWorkload} per workload.
 * Workloads reach each other by their model name (a network alias).
 */
export class SwarmPlatform extends PlatformComponent {
  public readonly network: docker.Network;
  public readonly provider?: docker.Provider;
  private readonly args: SwarmPlatformArgs;
  private readonly prefix: string;
  private readonly retention: DataRetention;
  private readonly sharedVolumes = new Map<string, docker.Volume>();

  constructor(name: string, args: SwarmPlatformArgs, opts: pulumi.ComponentResourceOptions = {}) {
    const prefix = args.namePrefix ?? `${pulumi.getStack()}-`;
    super(SWARM_PLATFORM_TYPE, name, swarmProfile(args.config, prefix, pulumi.getStack()), opts);
    this.args = args;
    this.prefix = prefix;
    this.retention = args.retention ?? { retain: true, protect: false };
    const settings = args.config.swarm;
    this.provider = settings.host
      ? new docker.Provider(`${name}-docker`, { host: settings.host }, { parent: this })
      : undefined;
    this.network = new docker.Network(
      `${name}-network`,
      {
        name: `${this.prefix}platform`,
        driver: "overlay",
        attachable: true,
        labels: [{ label: META.stack, value: pulumi.getStack() }],
      },
      { parent: this, provider: this.provider },
    );
    this.registerOutputs({ networkName: this.network.name });
  }

  /**
   * Nothing to deploy: Docker's local driver mounts NFS, or binds the node's CephFS mount, on
   * whichever node runs a task (see `SWARM_STORE_DRIVERS`); a Ceph cluster homeport runs is the
   * storage part's own workloads (`capabilities.storage.cephCluster` is "daemons").
   */
  provisionStorage(): StorageProvisioning {
    return { resources: [] };
  }

  deploy(name: string, part: string, spec: WorkloadSpec, opts: DeployOptions): WorkloadDeployment {
    const workload = resolveWorkload(name, part, withPublishing(spec, this.args.routing));
    const component = new SwarmWorkload(
      name,
      {
        workload,
        serviceName: `${this.prefix}${name}`,
        network: this.network,
        settings: this.args.config.swarm,
        storage: this.args.config.storage,
        routing: this.args.routing ?? {},
        sharedVolume: (volumeName, driver) => this.sharedVolume(volumeName, driver),
        dataOptions: (volume) =>
          dataResourceOptions(holdsState(volume, this.volumes), this.retention),
        provider: this.provider,
        dependsOn: opts.dependsOn,
      },
      { parent: opts.parent },
    );
    return {
      serviceName: component.serviceName,
      address: (port) => dnsAddress(workload, port),
      resources: [component.service],
      completed: component.completed,
    };
  }

  /**
   * Builds the image on the stack's Docker engine with buildx (named contexts need it), kept
   * locally; single-node use: other nodes of a swarm do not get it.
   */
  buildImage(name: string, spec: ImageBuildSpec, opts: DeployOptions): pulumi.Resource {
    return new docker.RemoteImage(
      `${name}-image`,
      {
        name: spec.image,
        keepLocally: true,
        // A named builder selects the provider's buildx path, which takes named contexts
        // (kreuzwerker/terraform-provider-docker:
        // testdata/resources/docker_image/testDockerImageBuildxBuildLog.tf names "default").
        build: {
          context: spec.dockerfileDir,
          builder: "default",
          additionalContexts: Object.entries(spec.contexts ?? {}).map(([k, v]) => `${k}=${v}`),
        },
      },
      { parent: opts.parent, provider: this.provider, dependsOn: opts.dependsOn },
    );
  }

  private sharedVolume(volumeName: string, driver: SwarmVolumeDriver | undefined): docker.Volume {
    let volume = this.sharedVolumes.get(volumeName);
    if (!volume) {
      volume = new docker.Volume(
        `shared-${volumeName}`,
        {
          name: `${this.prefix}${volumeName}`,
          driver: driver?.driver,
          driverOpts: driver?.options,
          labels: [
            { label: "homeport.dev/shared", value: "true" },
            ...Object.entries(driver?.labels ?? {}).map(([label, value]) => ({ label, value })),
          ],
        },
        // A shared volume holds the data of every workload that mounts it.
        { parent: this, provider: this.provider, ...dataResourceOptions(true, this.retention) },
      );
      this.sharedVolumes.set(volumeName, volume);
    }
    return volume;
  }
}
