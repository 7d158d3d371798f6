import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { StackConfig } from "../../config/schema";
import { ResolvedWorkload } from "../../model";
import { RoutingOptions } from "../routing";
import { swarmServiceArgs, swarmVolumeDriver, SwarmVolumeDriver } from "./service-spec";

export const SWARM_WORKLOAD_TYPE = "homeport:swarm:Workload";

export interface SwarmWorkloadArgs {
  readonly workload: ResolvedWorkload;
  /** Physical service name (the stack prefix and the workload name). */
  readonly serviceName: string;
  readonly network: docker.Network;
  readonly settings: StackConfig["swarm"];
  readonly storage: StackConfig["storage"];
  readonly routing: RoutingOptions;
  /** Docker volume for a shared volume name; shared volumes are created once per stack. */
  readonly sharedVolume: (name: string, driver: SwarmVolumeDriver | undefined) => docker.Volume;
  readonly provider?: docker.Provider;
  readonly dependsOn?: pulumi.Input<pulumi.Input<pulumi.Resource>[]>;
}

const base64 = (text: pulumi.Input<string>): pulumi.Output<string> =>
  pulumi.output(text).apply((t) => Buffer.from(t, "utf8").toString("base64"));

/** One workload on Docker Swarm: its secrets, configs, volumes and service. */
export class SwarmWorkload extends pulumi.ComponentResource {
  public readonly service: docker.Service;
  public readonly serviceName: pulumi.Output<string>;

  constructor(name: string, args: SwarmWorkloadArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super(SWARM_WORKLOAD_TYPE, name, {}, opts);
    const w = args.workload;
    const childOpts: pulumi.CustomResourceOptions = { parent: this, provider: args.provider };
    const labels = [{ label: "homeport.dev/workload", value: w.name }];

    // Swarm secrets and configs are immutable: they are auto-named so that a new value creates a
    // new object, the service moves to it, and only then is the old one deleted.
    const secrets = Object.fromEntries(
      w.secrets.map((s) => {
        const secret = new docker.Secret(
          `${name}-${s.name}`,
          { data: base64(s.value), labels },
          childOpts,
        );
        return [s.name, { id: secret.id, name: secret.name }];
      }),
    );
    const configs = Object.fromEntries(
      w.files.map((f) => {
        const config = new docker.ServiceConfig(
          `${name}-${f.name}`,
          { data: base64(f.content) },
          childOpts,
        );
        return [f.name, { id: config.id, name: config.name }];
      }),
    );

    const volumeNames: Record<string, pulumi.Input<string>> = {};
    const volumeDrivers: Record<string, SwarmVolumeDriver | undefined> = {};
    const volumes: pulumi.Resource[] = [];
    for (const v of w.volumes) {
      if (v.class === "ephemeral" || v.class === "host-readonly") continue;
      const driver = swarmVolumeDriver(v, args.storage);
      const volume =
        v.class === "shared"
          ? args.sharedVolume(v.name, driver)
          : new docker.Volume(
              `${name}-${v.name}`,
              { name: `${args.serviceName}-${v.name}`, labels },
              childOpts,
            );
      volumeNames[v.name] = volume.name;
      volumeDrivers[v.name] = driver;
      volumes.push(volume);
    }

    this.service = new docker.Service(
      name,
      swarmServiceArgs(w, {
        serviceName: args.serviceName,
        networkId: args.network.id,
        networkName: args.network.name,
        settings: args.settings,
        routing: args.routing,
        secrets,
        configs,
        volumeNames,
        volumeDrivers,
      }),
      { ...childOpts, dependsOn: args.dependsOn },
    );
    this.serviceName = this.service.name;
    this.registerOutputs({ serviceName: this.serviceName });
  }
}
