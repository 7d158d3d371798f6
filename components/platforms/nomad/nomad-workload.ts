import * as pulumi from "@pulumi/pulumi";
import { StackConfig } from "../../config/schema";
import { ResolvedWorkload, RoutePublishing, traefikLabels } from "../../model";
import { compactJobspec, nomadJobspec, variableItemKey, variablePath } from "./jobspec";
import { NomadJob, NomadVariable } from "./nomad-job";

export const NOMAD_WORKLOAD_TYPE = "homeport:nomad:Workload";

export interface NomadWorkloadArgs {
  readonly workload: ResolvedWorkload;
  readonly jobId: string;
  readonly address: string;
  readonly settings: StackConfig["nomad"];
  /** The stack's storage backend: where each volume class lives. */
  readonly storageBackend: StackConfig["storage"]["backend"];
  readonly routing: RoutePublishing;
  readonly dependsOn?: pulumi.Input<pulumi.Input<pulumi.Resource>[]>;
}

/** One workload on Nomad: a variable with its secrets, and its job. */
export class NomadWorkload extends pulumi.ComponentResource {
  public readonly job: NomadJob;
  public readonly serviceName: pulumi.Output<string>;

  constructor(name: string, args: NomadWorkloadArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super(NOMAD_WORKLOAD_TYPE, name, {}, opts);
    const w = args.workload;
    const connection = {
      address: args.address,
      region: args.settings.region,
      namespace: args.settings.namespace,
    };
    const secretsVariable =
      w.secrets.length > 0
        ? new NomadVariable(
            `${name}-secrets`,
            {
              ...connection,
              path: variablePath(args.jobId),
              // Only the secret itself: its plain prefix and suffix are in the job's template.
              items: Object.fromEntries(w.secrets.map((s) => [variableItemKey(s.name), s.secret])),
            },
            { parent: this },
          )
        : undefined;
    if (
      args.settings.serviceProvider === "nomad" &&
      w.health?.kind === "command" &&
      w.health.port === undefined
    ) {
      pulumi.log.warn(
        `Workload "${w.name}": Nomad's built-in service catalogue cannot run command checks, so its job has no health check.`,
        this,
      );
    }
    const jobspec = pulumi
      .all([
        pulumi.output(w.env),
        pulumi.output(Object.fromEntries(w.files.map((f) => [f.name, f.content]))),
        pulumi.output(
          traefikLabels(w, {
            certResolver: args.routing.certResolver,
            portFromCatalogue: true,
            upstreamEntryPoints: args.routing.upstreamEntryPoints,
          }),
        ),
        pulumi.output(
          Object.fromEntries(
            w.secrets.map((s) => [s.name, { prefix: s.prefix, suffix: s.suffix }]),
          ),
        ),
      ])
      .apply(([env, files, tags, secretAffixes]) =>
        compactJobspec(
          nomadJobspec(w, {
            jobId: args.jobId,
            settings: args.settings,
            storageBackend: args.storageBackend,
            env,
            files,
            tags,
            secretAffixes,
          }),
        ),
      );
    this.job = new NomadJob(
      name,
      {
        ...connection,
        jobspec,
        purgeOnDestroy: args.settings.purgeOnDestroy,
        // A run-to-completion job is awaited: what depends on it starts after it succeeded.
        ...(w.scheduling.mode === "job" ? { detach: false } : {}),
      },
      {
        parent: this,
        dependsOn: pulumi
          .output(args.dependsOn ?? [])
          .apply((d) => (secretsVariable ? [...d, secretsVariable] : d)),
      },
    );
    this.serviceName = pulumi.output(w.name);
    this.registerOutputs({ serviceName: this.serviceName });
  }
}
