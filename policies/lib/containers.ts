import { Workload } from "./leaves";
import { dockerConfig } from "./nomad";
import { at, knownItems, list, record, str, UNKNOWN, Unknown } from "./values";

type Obj = Record<string, unknown>;

/**
 * One container of a workload, the same shape on every target: where it is (for messages) and
 * its raw spec (Swarm containerSpec, Kubernetes container, Nomad task).
 */
export interface ContainerRef {
  /** Prefix of a message about this container: `Deployment "web": container "web"`. */
  readonly where: string;
  readonly image: unknown;
  readonly spec: Obj;
}

/** The containers of a workload: Swarm's one, Kubernetes' (init ones too), Nomad's docker tasks. */
export function containersOf(w: Workload): ContainerRef[] {
  switch (w.target) {
    case "swarm":
      return [{ where: w.subject, image: at(w.container, "image"), spec: w.container }];
    case "kubernetes":
      return w.containers.map((c) => ({
        where: `${w.subject}: container "${String(c.name)}"`,
        image: c.image,
        spec: c,
      }));
    case "nomad":
      return w.tasks
        .filter(({ task }) => task.Driver === "docker")
        .map(({ task }) => ({
          where: `${w.subject}: task "${String(task.Name)}"`,
          image: dockerConfig(task).image,
          spec: task,
        }));
  }
}

/** A host path mounted into a workload. */
export interface HostMount {
  readonly where: string;
  readonly source: string;
  readonly target: string;
  readonly readOnly: boolean;
}

/**
 * Host paths mounted into a workload: Swarm bind mounts, Kubernetes hostPath volumes (with each
 * mount's readOnly), Nomad docker `volumes` and bind `mount`s with an absolute source.
 */
export function hostMountsOf(w: Workload): HostMount[] {
  switch (w.target) {
    case "swarm":
      return knownItems(at(w.container, "mounts"))
        .filter((m) => at(m, "type") === "bind" && typeof at(m, "source") === "string")
        .map((m) => ({
          where: w.subject,
          source: at(m, "source") as string,
          target: String(at(m, "target")),
          readOnly: at(m, "readOnly") === true,
        }));
    case "kubernetes": {
      const hostVolumes = new Map<string, string>();
      for (const v of knownItems(at(w.pod, "volumes"))) {
        const path = str(at(v, "hostPath", "path"));
        if (typeof path === "string") hostVolumes.set(String(at(v, "name")), path);
      }
      return w.containers.flatMap((c) =>
        knownItems(c.volumeMounts)
          .filter((m) => hostVolumes.has(String(at(m, "name"))))
          .map((m) => ({
            where: `${w.subject}: container "${String(c.name)}"`,
            source: hostVolumes.get(String(at(m, "name"))) as string,
            target: String(at(m, "mountPath")),
            readOnly: at(m, "readOnly") === true,
          })),
      );
    }
    case "nomad":
      return w.tasks.flatMap(({ task }) => {
        const config = dockerConfig(task);
        const where = `${w.subject}: task "${String(task.Name)}"`;
        const volumes = knownItems(config.volumes)
          .filter((v): v is string => typeof v === "string")
          .map((v) => v.split(":"))
          .filter(([source]) => source.startsWith("/"))
          .map(([source, target, mode]) => ({
            where,
            source,
            target: target ?? source,
            readOnly: (mode ?? "").split(",").includes("ro"),
          }));
        const mounts = knownItems(config.mount)
          .filter((m) => at(m, "type") === "bind" && String(at(m, "source")).startsWith("/"))
          .map((m) => ({
            where,
            source: String(at(m, "source")),
            target: String(at(m, "target")),
            readOnly: at(m, "readonly") === true,
          }));
        return [...volumes, ...mounts];
      });
  }
}

/** Plain environment variables of a container: name and literal value (references excluded). */
export function plainEnvOf(c: ContainerRef, w: Workload): { name: string; value: unknown }[] {
  switch (w.target) {
    case "swarm": {
      const env = record(at(c.spec, "env"));
      if (env === UNKNOWN) return [];
      return Object.entries(env).map(([name, value]) => ({ name, value }));
    }
    case "kubernetes":
      return knownItems(at(c.spec, "env"))
        .filter((e) => at(e, "valueFrom") === undefined)
        .map((e) => ({ name: String(at(e, "name")), value: at(e, "value") }));
    case "nomad": {
      const env = record(at(c.spec, "Env"));
      if (env === UNKNOWN) return [];
      return Object.entries(env).map(([name, value]) => ({ name, value }));
    }
  }
}

const capabilityNames = (value: unknown): string[] | Unknown => {
  const items = list(value);
  if (items === UNKNOWN) return UNKNOWN;
  return items
    .filter((c): c is string => typeof c === "string")
    .map((c) => c.toUpperCase().replace(/^CAP_/, ""));
};

/**
 * The capabilities a container drops and adds, upper case without `CAP_`: Swarm's
 * `capDrops`/`capAdds`, Kubernetes' `securityContext.capabilities`, Nomad's `cap_drop`/`cap_add`.
 */
export function capabilitiesOf(
  w: Workload,
  c: ContainerRef,
): { drop: string[] | Unknown; add: string[] | Unknown } {
  switch (w.target) {
    case "swarm":
      return { drop: capabilityNames(c.spec.capDrops), add: capabilityNames(c.spec.capAdds) };
    case "kubernetes":
      return {
        drop: capabilityNames(at(c.spec, "securityContext", "capabilities", "drop")),
        add: capabilityNames(at(c.spec, "securityContext", "capabilities", "add")),
      };
    case "nomad":
      return {
        drop: capabilityNames(dockerConfig(c.spec).cap_drop),
        add: capabilityNames(dockerConfig(c.spec).cap_add),
      };
  }
}

/**
 * Whether a container's root filesystem is read-only: Swarm's `containerSpec.readOnly`,
 * Kubernetes' `securityContext.readOnlyRootFilesystem`, Nomad's `config.readonly_rootfs`.
 */
export function readOnlyRootOf(w: Workload, c: ContainerRef): unknown {
  switch (w.target) {
    case "swarm":
      return c.spec.readOnly;
    case "kubernetes":
      return at(c.spec, "securityContext", "readOnlyRootFilesystem");
    case "nomad":
      return dockerConfig(c.spec).readonly_rootfs;
  }
}

/** True for a user that names root: uid 0 (with any group) or "root". */
export const isRootUser = (user: string): boolean => /^(0|root)(:.*)?$/.test(user.trim());
