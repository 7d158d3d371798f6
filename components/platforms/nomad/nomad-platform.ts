import * as pulumi from "@pulumi/pulumi";
import { StackConfig } from "../../config/schema";
import {
  DeployOptions,
  portOf,
  ResolvedWorkload,
  resolveWorkload,
  withPublishing,
  RoutePublishing,
  StoragePlan,
  StorageProvisioning,
  WorkloadDeployment,
  WorkloadSpec,
} from "../../model";
import { PlatformComponent } from "../platform-component";
import { nomadProfile } from "./profile";
import { consulServiceAddress, consulServiceHost } from "./consul";
import { isClusterMember, nomadServiceAddress, nomadServiceName } from "./jobspec";
import { NomadWorkload } from "./nomad-workload";
import { NomadCsiVolume } from "./nomad-csi-volume";
import { NomadJob } from "./nomad-job";
import { compactJobspec } from "./jobspec";
import { nomadCsiVolumeCall, nomadCsiVolumeNeeds, nomadPluginJobs } from "./storage";

export const NOMAD_PLATFORM_TYPE = "homeport:nomad:Platform";

/** Nomad's address: the stack setting, else NOMAD_ADDR, else the local agent. */
export const nomadAddress = (settings: StackConfig["nomad"]): string =>
  settings.address ?? process.env.NOMAD_ADDR ?? "http://127.0.0.1:4646";

export interface NomadPlatformArgs {
  readonly config: StackConfig;
  /** How routes are published. @default {} */
  readonly routing?: RoutePublishing;
}

/** HashiCorp Nomad: a job per workload, registered through Nomad's HTTP API. */
export class NomadPlatform extends PlatformComponent {
  public readonly address: string;
  private readonly args: NomadPlatformArgs;
  private storage?: { plan: StoragePlan; plugins: NomadJob[] };
  private readonly csiVolumeById = new Map<string, NomadCsiVolume>();

  constructor(name: string, args: NomadPlatformArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super(NOMAD_PLATFORM_TYPE, name, nomadProfile(args.config), opts);
    this.args = args;
    this.address = nomadAddress(args.config.nomad);
    this.registerOutputs({ address: this.address });
  }

  /**
   * The storage part's CSI plugin jobs; the plan is kept so that each workload's CSI volumes are
   * registered (after the plugins) when it is deployed.
   */
  provisionStorage(plan: StoragePlan, opts: DeployOptions): StorageProvisioning {
    const settings = this.args.config.nomad;
    this.storage = {
      plan,
      plugins: nomadPluginJobs(plan, settings).map(
        (job) =>
          new NomadJob(
            String(job.ID),
            {
              jobspec: compactJobspec(job),
              address: this.address,
              region: settings.region,
              namespace: settings.namespace,
            },
            { parent: opts.parent, dependsOn: opts.dependsOn },
          ),
      ),
    };
    return { resources: this.storage.plugins };
  }

  /** The CSI volumes a workload needs, each once per stack; they wait for the plugins. */
  private csiVolumes(workload: ResolvedWorkload): NomadCsiVolume[] {
    const needs = nomadCsiVolumeNeeds(workload, this.args.config.storage.backend);
    if (needs.length === 0) return [];
    const storage = this.storage;
    if (!storage)
      throw new Error(
        `Workload "${workload.name}" needs CSI volumes, but the storage part has not run: it must be built before any workload.`,
      );
    const settings = this.args.config.nomad;
    return needs.map((need) => {
      let volume = this.csiVolumeById.get(need.id);
      if (!volume) {
        volume = new NomadCsiVolume(
          `csi-${need.id}`,
          {
            call: nomadCsiVolumeCall(need, storage.plan, settings.namespace),
            address: this.address,
            region: settings.region,
            namespace: settings.namespace,
          },
          { parent: this, dependsOn: storage.plugins },
        );
        this.csiVolumeById.set(need.id, volume);
      }
      return volume;
    });
  }

  deploy(name: string, part: string, spec: WorkloadSpec, opts: DeployOptions): WorkloadDeployment {
    const workload = resolveWorkload(name, part, withPublishing(spec, this.args.routing));
    const volumes = this.csiVolumes(workload);
    const component = new NomadWorkload(
      name,
      {
        workload,
        jobId: name,
        address: this.address,
        settings: this.args.config.nomad,
        storageBackend: this.args.config.storage.backend,
        routing: this.args.routing ?? {},
        dependsOn: pulumi.output(opts.dependsOn ?? []).apply((d) => [...d, ...volumes]),
      },
      { parent: opts.parent },
    );
    return {
      serviceName: component.serviceName,
      address: (port) => {
        const number = portOf(workload, port);
        const service = nomadServiceName(workload, port);
        if (this.args.config.nomad.serviceProvider === "nomad") {
          return pulumi.output(nomadServiceAddress(service));
        }
        // A cluster member is reached by its Consul name on its node's static port; any other
        // workload by its registered address and host port, read from Consul at task start.
        return pulumi.output(
          isClusterMember(workload)
            ? `${consulServiceHost(service)}:${number}`
            : consulServiceAddress(service),
        );
      },
      resources: [component.job],
      // The job resource waits for a batch job to complete (detach: false), or fails.
      completed: workload.scheduling.mode === "job" ? pulumi.output([component.job]) : undefined,
    };
  }
}
