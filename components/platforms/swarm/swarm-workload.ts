import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { StackConfig } from "../../config/schema";
import type { FlowNetwork } from "./swarm-platform";
import { META, ResolvedVolume, ResolvedWorkload, RoutePublishing } from "../../model";
import { swarmJobContainerArgs } from "./job-spec";
import {
  SWARM_VOLUME_KINDS,
  swarmServiceArgs,
  swarmVolumeDriver,
  SwarmVolumeDriver,
} from "./service-spec";

export const SWARM_WORKLOAD_TYPE = "homeport:swarm:Workload";

export interface SwarmWorkloadArgs {
  readonly workload: ResolvedWorkload;
  /** Physical service name (the stack prefix and the workload name). */
  readonly serviceName: string;
  /** The overlay networks it joins, its own group's first; none on the host's network. */
  readonly networks: pulumi.Output<FlowNetwork[]>;
  readonly settings: StackConfig["swarm"];
  readonly storage: StackConfig["storage"];
  readonly routing: RoutePublishing;
  /** Docker volume for a shared volume name; shared volumes are created once per stack. */
  readonly sharedVolume: (name: string, driver: SwarmVolumeDriver | undefined) => docker.Volume;
  /** The resource options of a volume of the workload (kept on destroy when it holds state). */
  readonly dataOptions: (volume: ResolvedVolume) => pulumi.CustomResourceOptions;
  readonly provider?: docker.Provider;
  readonly dependsOn?: pulumi.Input<pulumi.Input<pulumi.Resource>[]>;
}

const base64 = (text: pulumi.Input<string>): pulumi.Output<string> =>
  pulumi.output(text).apply((t) => Buffer.from(t, "utf8").toString("base64"));

/**
 * One workload on Docker Swarm: its secrets, configs, volumes and service; or, for a
 * run-to-completion job, its volumes and a container that runs once (see {@link swarmJobContainerArgs}).
 */
export class SwarmWorkload extends pulumi.ComponentResource {
  /** The leaf resource that runs the workload: a service, or a container for a job. */
  public readonly service: docker.Service | docker.Container;
  public readonly serviceName: pulumi.Output<string>;
  /** For a job: resolves to the container once it exited with code 0, and fails otherwise. */
  public readonly completed?: pulumi.Output<pulumi.Resource[]>;

  constructor(name: string, args: SwarmWorkloadArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super(SWARM_WORKLOAD_TYPE, name, {}, opts);
    const w = args.workload;
    const childOpts: pulumi.CustomResourceOptions = { parent: this, provider: args.provider };
    const labels = [{ label: META.workload, value: w.name }];
    // The workload's Docker volumes (its own, or the stack's shared ones), with their drivers.
    const volumeNames: Record<string, pulumi.Input<string>> = {};
    const volumeDrivers: Record<string, SwarmVolumeDriver | undefined> = {};
    for (const v of w.volumes) {
      const kind = SWARM_VOLUME_KINDS[v.class];
      if (kind === "tmpfs" || kind === "bind") continue;
      const driver = swarmVolumeDriver(v, args.storage);
      const volume =
        kind === "shared-volume"
          ? args.sharedVolume(v.name, driver)
          : new docker.Volume(
              `${name}-${v.name}`,
              {
                name: `${args.serviceName}-${v.name}`,
                driver: driver?.driver,
                driverOpts: driver?.options,
                labels,
              },
              { ...childOpts, ...args.dataOptions(v) },
            );
      volumeNames[v.name] = volume.name;
      volumeDrivers[v.name] = driver;
    }

    if (w.scheduling.mode === "job") {
      const container = new docker.Container(
        name,
        swarmJobContainerArgs(w, {
          containerName: args.serviceName,
          networks: args.networks.apply((all) =>
            all.map((n) => ({ name: n.name, aliases: n.own ? [w.name] : undefined })),
          ),
          volumeNames,
        }),
        // The container has the job's fixed name, so a replacement (any change of a job's image,
        // command or files replaces its container) must remove the old one first: created
        // beside it, the engine refuses the name ("Conflict. The container name ... is already
        // in use"), as a real Swarm did on the media wiring job's second deployment.
        { ...childOpts, dependsOn: args.dependsOn, deleteBeforeReplace: true },
      );
      this.service = container;
      this.serviceName = container.name;
      // The provider records the exit code but does not fail on it: the gate is here. An unknown
      // code (a preview) is not a failure.
      this.completed = container.exitCode.apply((code) => {
        if (code !== undefined && code !== null && code !== 0) {
          throw new Error(
            `Job "${w.name}" exited with code ${code}; see its logs with: docker logs ${args.serviceName}`,
          );
        }
        return [container];
      });
      this.registerOutputs({ serviceName: this.serviceName });
      return;
    }

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

    this.service = new docker.Service(
      name,
      swarmServiceArgs(w, {
        serviceName: args.serviceName,
        networks: args.networks.apply((all) =>
          all.map((n) => ({ id: n.id, aliases: n.own ? [w.name] : undefined })),
        ),
        networkName: args.networks.apply((all) => all.find((n) => n.own)?.name ?? "none"),
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
