import { at, knownItems, list, UNKNOWN, Unknown } from "./values";

type Obj = Record<string, unknown>;

/** The services of a Nomad group: the group's own and its tasks'. */
export function nomadServices(group: Obj): Obj[] {
  return [
    ...knownItems(group.Services),
    ...knownItems(group.Tasks).flatMap((t) => knownItems(at(t, "Services"))),
  ] as Obj[];
}

/** Every check of a group's services; UNKNOWN when a list is not known yet. */
export function nomadChecks(group: Obj): unknown[] | Unknown {
  const checks: unknown[] = [];
  for (const service of nomadServices(group)) {
    const list_ = list(service.Checks);
    if (list_ === UNKNOWN) return UNKNOWN;
    checks.push(...list_);
  }
  return checks;
}

/** A group's update block: the group's own fields over the job's. */
export function nomadUpdate(job: Obj, group: Obj): Obj {
  const jobUpdate = at(job, "Update");
  const groupUpdate = at(group, "Update");
  return {
    ...(jobUpdate && typeof jobUpdate === "object" ? (jobUpdate as Obj) : {}),
    ...(groupUpdate && typeof groupUpdate === "object" ? (groupUpdate as Obj) : {}),
  };
}

/** Nomad's docker task config, or {} for other drivers. */
export const dockerConfig = (task: Obj): Obj =>
  task.Driver === "docker" && task.Config && typeof task.Config === "object"
    ? (task.Config as Obj)
    : {};
