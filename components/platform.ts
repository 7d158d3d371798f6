import * as pulumi from "@pulumi/pulumi";
import { PARTS, StackConfig } from "./config/schema";
import { PartOutputs } from "./part";
import { PART_BUILDERS } from "./parts";
import { PlatformAdapter } from "./model";
import { createAdapter, platformCapabilities } from "./platforms/create-adapter";
import { checkStack, dataRetention, routePublishing, storagePlan } from "./stack-args";
import { Storage } from "./storage/storage";

export const PLATFORM_TYPE = "homeport:platform:Platform";

/**
 * The adapter the parts deploy through, noting the name of every shared volume they ask for, and
 * those names as an output that resolves once `done` is called (after the last part).
 */
function sharedVolumeNames(adapter: PlatformAdapter): {
  adapter: PlatformAdapter;
  names: pulumi.Output<string[]>;
  done: () => void;
} {
  const seen = new Set<string>();
  let resolve: (names: string[]) => void = () => undefined;
  const names = new Promise<string[]>((r) => (resolve = r));
  const noting: PlatformAdapter = Object.create(adapter, {
    deploy: {
      value: (...call: Parameters<PlatformAdapter["deploy"]>) => {
        for (const v of call[2].volumes ?? []) if (v.class === "shared") seen.add(v.name);
        return adapter.deploy(...call);
      },
    },
  });
  return {
    adapter: noting,
    names: pulumi.output(names),
    done: () => resolve([...seen].sort()),
  };
}

export interface PlatformArgs {
  /** The validated stack configuration. */
  readonly config: StackConfig;
}

/** The whole platform on the stack's target: the adapter, then every enabled part. */
export class Platform extends pulumi.ComponentResource {
  public readonly adapter: PlatformAdapter;
  public readonly urls: pulumi.Output<Record<string, string>>;
  public readonly credentials: pulumi.Output<Record<string, string>>;

  constructor(name: string, args: PlatformArgs, opts: pulumi.ComponentResourceOptions = {}) {
    // Settings whose meaning depends on the orchestrator fail here, before any resource exists.
    checkStack(args.config, platformCapabilities(args.config));
    super(PLATFORM_TYPE, name, {}, opts);
    const config = args.config;
    this.adapter = createAdapter(config, routePublishing(config), this, dataRetention(config));
    // The storage part first: the stores the backend gives volume classes exist before any volume.
    // The names of the shared volumes are known once every part has declared its workloads.
    const shared = sharedVolumeNames(this.adapter);
    const plan = storagePlan(config);
    const storage = plan
      ? new Storage(
          "storage",
          { plan, platform: this.adapter, shareDirectories: shared.names },
          { parent: this },
        )
      : undefined;
    const built: Partial<Record<(typeof PARTS)[number], PartOutputs>> = {};
    for (const part of PARTS) {
      if (!config.parts.includes(part)) continue;
      const builder = PART_BUILDERS[part];
      if (!builder) throw new Error(`The "${part}" part is not available in this version.`);
      built[part] = builder({ config, platform: shared.adapter, built }, { parent: this });
    }
    shared.done();
    this.adapter.complete?.();
    const outputs = Object.values(built);
    this.urls = pulumi.output(
      Object.assign({}, ...outputs.map((o) => o.urls ?? {})) as Record<
        string,
        pulumi.Output<string>
      >,
    );
    // The key each node's CephFS mount reads from its secret file, where homeport made it.
    const mountKey = storage?.cephMountKey ? { "ceph-mount-key": storage.cephMountKey } : {};
    this.credentials = pulumi.secret(
      pulumi.output(
        Object.assign({}, mountKey, ...outputs.map((o) => o.credentials ?? {})) as Record<
          string,
          pulumi.Output<string>
        >,
      ),
    );
    this.registerOutputs({ urls: this.urls, credentials: this.credentials });
  }
}
