import * as pulumi from "@pulumi/pulumi";
import { StackConfig } from "../../config/schema";
import {
  DeployOptions,
  portOf,
  resolveWorkload,
  RoutePublishing,
  WorkloadDeployment,
  WorkloadSpec,
} from "../../model";
import { PlatformComponent } from "../platform-component";
import { nomadProfile } from "./profile";
import { nomadServiceAddress, nomadServiceName } from "./jobspec";
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
    const workload = resolveWorkload(name, part, spec);
    const component = new NomadWorkload(
      name,
      {
        workload,
        jobId: name,
        address: this.address,
        settings: this.args.config.nomad,
        routing: this.args.routing ?? {},
        dependsOn: opts.dependsOn,
      },
      { parent: opts.parent },
    );
    return {
      serviceName: component.serviceName,
      address: (port) => {
        portOf(workload, port);
        return pulumi.output(nomadServiceAddress(nomadServiceName(workload, port)));
      },
      resources: [component.job],
      // The job resource waits for a batch job to complete (detach: false), or fails.
      completed: workload.scheduling.mode === "job" ? pulumi.output([component.job]) : undefined,
    };
  }
}
