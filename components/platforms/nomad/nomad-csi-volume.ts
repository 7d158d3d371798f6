import * as pulumi from "@pulumi/pulumi";
import { NomadApiError, NomadConnection, nomadRequest } from "./nomad-api";

/**
 * A CSI volume in Nomad, over Nomad's HTTP API as hashicorp/nomad api/csi.go calls it:
 * `PUT /v1/volume/csi/:id` registers an existing volume (CSIVolumes.Register),
 * `PUT /v1/volume/csi/:id/create` has the plugin's controller create it (CSIVolumes.Create), both
 * with a body `{ Volumes: [CSIVolume] }`; `GET /v1/volume/csi/:id` reads it (CSIVolumes.Info) and
 * `DELETE /v1/volume/csi/:id?force=false` deregisters it (CSIVolumes.Deregister), which leaves
 * the data in the storage provider: data outlives the stack. Before writing, it waits until the
 * volume's plugin (`GET /v1/plugin/csi/:id`, api/csi.go CSIPlugin) has a healthy node plugin and,
 * where the plugin needs one, a healthy controller.
 */

interface VolumeInputs {
  /** The API call of `renderCsiVolume` (components/storage/nomad-csi.ts), as JSON. */
  call: string;
  address: string;
  region?: string;
  namespace?: string;
  /** How long to wait for a healthy plugin, in ms. @default 5 minutes */
  pluginTimeoutMs?: number;
}

interface VolumeCall {
  method: "PUT";
  path: string;
  body: { Volumes: Record<string, unknown>[] };
}

const connectionOf = (inputs: VolumeInputs): NomadConnection => ({
  address: inputs.address,
  region: inputs.region,
  namespace: inputs.namespace,
});

/** How the engine hands a dynamic provider a value that is not known yet (during a preview). */
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

const callOf = (inputs: VolumeInputs): VolumeCall => JSON.parse(inputs.call) as VolumeCall;

/** The volume without its secrets, so a diff never compares (or shows) credentials. */
export function volumeWithoutSecrets(call: string): string {
  if (call === UNKNOWN) return call;
  const parsed = JSON.parse(call) as VolumeCall;
  return JSON.stringify({
    ...parsed,
    body: { Volumes: parsed.body.Volumes.map(({ Secrets: _secrets, ...v }) => v) },
  });
}

interface PluginHealth {
  ControllerRequired?: boolean;
  ControllersHealthy?: number;
  NodesHealthy?: number;
}

/** Waits until the plugin can serve the volume; throws naming the plugin and what is missing. */
export async function awaitPlugin(
  conn: NomadConnection,
  pluginId: string,
  timeoutMs: number,
  pollMs = 2000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const plugin = (await nomadRequest(
      conn,
      "GET",
      `/v1/plugin/csi/${encodeURIComponent(pluginId)}`,
      {
        allowNotFound: true,
        what: `read CSI plugin "${pluginId}"`,
      },
    )) as PluginHealth | undefined;
    const nodes = plugin?.NodesHealthy ?? 0;
    const controllers = plugin?.ControllersHealthy ?? 0;
    const missing = !plugin
      ? "it is not registered (its plugin jobs have not started)"
      : nodes < 1
        ? "no node plugin is healthy"
        : plugin.ControllerRequired && controllers < 1
          ? "no controller plugin is healthy"
          : undefined;
    if (!missing) return;
    if (Date.now() > deadline) {
      throw new NomadApiError(
        `CSI plugin "${pluginId}" is not ready: ${missing}. Check its jobs with: nomad plugin status ${pluginId}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}

/** Registers or creates the volume once its plugin is healthy. */
async function write(inputs: VolumeInputs): Promise<string> {
  const conn = connectionOf(inputs);
  const call = callOf(inputs);
  const volume = call.body.Volumes[0];
  await awaitPlugin(conn, String(volume.PluginID), inputs.pluginTimeoutMs ?? 5 * 60_000);
  await nomadRequest(conn, call.method, call.path, {
    body: call.body,
    what: `write CSI volume "${String(volume.ID)}"`,
  });
  return String(volume.ID);
}

/** The CRUD operations of a Nomad CSI volume. */
export const nomadCsiVolumeProvider: pulumi.dynamic.ResourceProvider = {
  async create(inputs: VolumeInputs) {
    const id = await write(inputs);
    return { id, outs: { ...inputs, volumeId: id } };
  },

  async read(id: string, props: VolumeInputs & Record<string, unknown>) {
    const live = await nomadRequest(
      connectionOf(props),
      "GET",
      `/v1/volume/csi/${encodeURIComponent(id)}`,
      { allowNotFound: true, what: `read CSI volume "${id}"` },
    );
    return live ? { id, props } : {};
  },

  async diff(_id: string, olds: VolumeInputs, news: VolumeInputs) {
    const replaces: string[] = (["address", "namespace", "region"] as const).filter(
      (k) => (olds[k] ?? "") !== (news[k] ?? ""),
    );
    // A changed volume (its ID, plugin, parameters) is a new volume: register it anew.
    if (volumeWithoutSecrets(olds.call) !== volumeWithoutSecrets(news.call)) replaces.push("call");
    // A new key alone is written again in place: Nomad updates a registered volume's secrets.
    const changes = replaces.length > 0 || olds.call !== news.call;
    return { changes, replaces, deleteBeforeReplace: true };
  },

  async update(_id: string, _olds: VolumeInputs, news: VolumeInputs) {
    const id = await write(news);
    return { outs: { ...news, volumeId: id } };
  },

  async delete(id: string, props: VolumeInputs) {
    // Deregister only: the directory or image stays in the storage provider.
    await nomadRequest(connectionOf(props), "DELETE", `/v1/volume/csi/${encodeURIComponent(id)}`, {
      query: { force: "false" },
      allowNotFound: true,
      what: `deregister CSI volume "${id}"`,
    });
  },
};

export interface NomadCsiVolumeArgs {
  /** The API call of `renderCsiVolume`, as JSON; a secret Output where it carries a key. */
  readonly call: pulumi.Input<string>;
  readonly address: pulumi.Input<string>;
  readonly region?: pulumi.Input<string>;
  readonly namespace?: pulumi.Input<string>;
  readonly pluginTimeoutMs?: pulumi.Input<number>;
}

/** A CSI volume registered (or created) in Nomad; destroying it deregisters it only. */
export class NomadCsiVolume extends pulumi.dynamic.Resource {
  public readonly volumeId!: pulumi.Output<string>;

  constructor(name: string, args: NomadCsiVolumeArgs, opts: pulumi.CustomResourceOptions = {}) {
    super(
      nomadCsiVolumeProvider,
      name,
      // The call is secret where it carries a Ceph key (its Output is then secret already).
      { ...args, volumeId: undefined },
      { ...opts, additionalSecretOutputs: ["call"] },
      "nomad",
      "CsiVolume",
    );
  }
}
