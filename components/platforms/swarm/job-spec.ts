import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { exemptionKey, META, ResolvedWorkload, userString, wholeMebibytes } from "../../model";
import { SWARM_VOLUME_KINDS } from "./service-spec";

/** What a run-to-completion container needs beyond the workload itself. */
export interface SwarmJobContext {
  /** Physical name of the container. */
  readonly containerName: string;
  /**
   * The attachable overlay networks it joins (its own group's, with its name as alias, then those
   * of the groups it opens flows to), so the job reaches services by their names.
   */
  readonly networks: pulumi.Input<
    pulumi.Input<{ readonly name: pulumi.Input<string>; readonly aliases?: string[] }>[]
  >;
  /** Docker volume names, by model volume name. */
  readonly volumeNames: Record<string, pulumi.Input<string>>;
}

/**
 * Why a job that is handed files keeps a writable root: the engine copies them into the created
 * container before it starts, and refuses to on a read-only root ("container rootfs is marked
 * read-only", seen with Debian's docker.io 20.10).
 */
export const JOB_UPLOAD_EXEMPTION =
  "Docker copies the job's files and secrets into its container before it starts, which a read-only root refuses";

const toLabelList = (labels: Record<string, string>) =>
  Object.entries(labels)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([label, value]) => ({ label, value }));

/**
 * Builds the `docker.Container` arguments for a run-to-completion job. Pure: creates no resource.
 *
 * Swarm has replicated-job services in the Engine API, but the Pulumi docker provider's Service
 * `mode` offers only `replicated` and `global`, and a converging service never "completes". So a
 * job is a container on the node the provider talks to, attached to its flows' overlay networks:
 * the provider waits for it to exit (`attach`) and records its exit code. Secrets and files are
 * uploaded into the container at the paths the workload asked for; their contents stay Pulumi
 * secrets, encrypted in state.
 */
export function swarmJobContainerArgs(
  w: ResolvedWorkload,
  ctx: SwarmJobContext,
): docker.ContainerArgs {
  const env: Record<string, pulumi.Input<string>> = { ...w.env };
  for (const s of w.secrets) {
    if (s.fileEnv) env[s.fileEnv] = s.path;
  }
  const tmpfs: Record<string, string> = {};
  const volumes: docker.types.input.ContainerVolume[] = [];
  for (const v of w.volumes) {
    const kind = SWARM_VOLUME_KINDS[v.class];
    if (kind === "tmpfs") tmpfs[v.mountPath] = `size=${v.size.bytes}`;
    else if (kind === "bind")
      volumes.push({ hostPath: v.hostPath, containerPath: v.mountPath, readOnly: true });
    else
      volumes.push({
        volumeName: ctx.volumeNames[v.name],
        containerPath: v.mountPath,
        readOnly: v.readOnly,
      });
  }
  const uploads = w.secrets.length + w.files.length > 0;
  const writableForUploads = w.security.readOnlyRootFilesystem && uploads;
  return {
    name: ctx.containerName,
    image: w.image,
    entrypoints: w.command,
    command: w.args,
    envs: Object.entries(env)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, v]) => pulumi.interpolate`${k}=${v}`),
    user: w.security.user && userString(w.security.user),
    readOnly: w.security.readOnlyRootFilesystem && !uploads,
    privileged: w.security.privileged,
    capabilities: {
      drops: w.security.dropAllCapabilities ? ["ALL"] : undefined,
      adds: w.security.capAdd.length > 0 ? w.security.capAdd : undefined,
    },
    labels: toLabelList({
      ...w.metadata,
      [META.flowGroup]: w.flowGroup,
      ...(writableForUploads
        ? { [exemptionKey("workload-read-only-root-filesystem")]: JOB_UPLOAD_EXEMPTION }
        : {}),
    }),
    attach: true,
    mustRun: false,
    logs: true,
    rm: false,
    restart: "no",
    memory: w.resources.limits.memory ? wholeMebibytes(w.resources.limits.memory) : undefined,
    // Memory plus swap equal to the limit: no swap. Left unset, the engine reads back twice the
    // limit and every later preview shows a change.
    memorySwap: w.resources.limits.memory ? wholeMebibytes(w.resources.limits.memory) : undefined,
    networksAdvanced: ctx.networks,
    uploads: [
      // No owner: the provider then asks the engine to resolve the container's user, and Docker
      // Engine 20.10 (Debian 12's docker.io) looks "uid:gid" up in the host's user database and
      // fails. Root-owned like a Swarm secret's default, readable by the job's own user.
      ...w.secrets.map((s) => ({
        file: s.path,
        content: s.value,
        permissions: w.security.user ? "0444" : "0400",
      })),
      ...w.files.map((f) => ({
        file: f.path,
        content: f.content,
        permissions: f.mode.toString(8).padStart(4, "0"),
      })),
    ],
    tmpfs: Object.keys(tmpfs).length > 0 ? tmpfs : undefined,
    volumes: volumes.length > 0 ? volumes : undefined,
  };
}
