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
  ResolvedWorkload,
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
import { joinedGroups, reachedBy, WIDE_FLOWS, WideFlow, wideFlowsOf } from "./flow-networks";

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

/** A network of a flow group, as a workload joins it. */
export interface FlowNetwork {
  readonly id: string;
  readonly name: string;
  /** The workload's own group's network, where it answers to its model name. */
  readonly own: boolean;
}

/**
 * Docker Swarm: an overlay network per flow group (see `flow-networks.ts`), and a
 * {@link SwarmWorkload} per workload. Workloads reach each other by their model name, an alias on
 * their own group's network.
 */
export class SwarmPlatform extends PlatformComponent {
  public readonly provider?: docker.Provider;
  private readonly args: SwarmPlatformArgs;
  private readonly resourceName: string;
  private readonly prefix: string;
  private readonly retention: DataRetention;
  private readonly sharedVolumes = new Map<string, docker.Volume>();
  private readonly flowNetworks = new Map<string, docker.Network>();
  /** The groups each wide flow reaches, filled as workloads are deployed. */
  private readonly reached: Record<WideFlow, Set<string>> = {
    metrics: new Set(),
    routes: new Set(),
  };
  private finish: () => void = () => undefined;
  private readonly completed = new Promise<void>((resolve) => (this.finish = resolve));

  constructor(name: string, args: SwarmPlatformArgs, opts: pulumi.ComponentResourceOptions = {}) {
    const prefix = args.namePrefix ?? `${pulumi.getStack()}-`;
    super(SWARM_PLATFORM_TYPE, name, swarmProfile(args.config, prefix, pulumi.getStack()), opts);
    this.args = args;
    this.resourceName = name;
    this.prefix = prefix;
    this.retention = args.retention ?? { retain: true, protect: false };
    const settings = args.config.swarm;
    this.provider = settings.host
      ? new docker.Provider(`${name}-docker`, { host: settings.host }, { parent: this })
      : undefined;
    this.registerOutputs({});
  }

  /** Every workload is deployed: the scraper's and the proxy's networks are known now. */
  complete(): void {
    this.finish();
  }

  /** The overlay network of a flow group, made once per stack. */
  private flowNetwork(group: string): docker.Network {
    let network = this.flowNetworks.get(group);
    if (!network) {
      network = new docker.Network(
        `${this.resourceName}-flow-${group}`,
        {
          name: `${this.prefix}flow-${group}`,
          driver: "overlay",
          // Jobs are plain containers, which join only attachable networks.
          attachable: true,
          labels: [
            { label: META.flowGroup, value: group },
            { label: META.stack, value: pulumi.getStack() },
          ],
        },
        { parent: this, provider: this.provider },
      );
      this.flowNetworks.set(group, network);
    }
    return network;
  }

  /**
   * The networks a workload joins: its own group's, those of the groups it opens flows to, and for
   * the scraper and the proxy, once every workload is deployed, those of every group they reach.
   */
  private networksOf(workload: ResolvedWorkload): pulumi.Output<FlowNetwork[]> {
    const joined = joinedGroups(workload);
    const entry = (group: string) => {
      const network = this.flowNetwork(group);
      return { id: network.id, name: network.name, own: group === workload.flowGroup };
    };
    const known = joined.map(entry);
    for (const kind of reachedBy(workload)) this.reached[kind].add(workload.flowGroup);
    const wide = wideFlowsOf(workload);
    if (wide.length === 0) return pulumi.output(known);
    return pulumi
      .output(this.completed.then(() => true))
      .apply((): pulumi.Output<FlowNetwork[]> => {
        const more = WIDE_FLOWS.filter((kind) => wide.includes(kind))
          .flatMap((kind) => [...this.reached[kind]])
          .filter((group, i, all) => !joined.includes(group) && all.indexOf(group) === i)
          .sort();
        return pulumi.output([...known, ...more.map(entry)]);
      });
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
        networks: workload.security.hostNetwork ? pulumi.output([]) : this.networksOf(workload),
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
          buildArgs: spec.args,
          networkMode: spec.network ?? "default",
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
