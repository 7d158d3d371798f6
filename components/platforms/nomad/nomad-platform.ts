import * as pulumi from "@pulumi/pulumi";
import { StackConfig } from "../../config/schema";
import {
  DeployOptions,
  portOf,
  resolveWorkload,
  withPublishing,
  RoutePublishing,
  WorkloadDeployment,
  WorkloadSpec,
} from "../../model";
import { PlatformComponent } from "../platform-component";
import { nomadProfile } from "./profile";
import { consulServiceAddress, consulServiceHost } from "./consul";
import { isClusterMember, nomadServiceAddress, nomadServiceName } from "./jobspec";
import { NomadWorkload } from "./nomad-workload";

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

  constructor(name: string, args: NomadPlatformArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super(NOMAD_PLATFORM_TYPE, name, nomadProfile(args.config), opts);
    this.args = args;
    this.address = nomadAddress(args.config.nomad);
    this.registerOutputs({ address: this.address });
  }

  deploy(name: string, part: string, spec: WorkloadSpec, opts: DeployOptions): WorkloadDeployment {
    const workload = resolveWorkload(name, part, withPublishing(spec, this.args.routing));
    const component = new NomadWorkload(
      name,
      {
        workload,
        jobId: name,
        address: this.address,
        settings: this.args.config.nomad,
        storageBackend: this.args.config.storage.backend,
        routing: this.args.routing ?? {},
        dependsOn: opts.dependsOn,
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
