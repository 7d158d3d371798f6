import { META } from "../../components/model/metadata";
import { LeafResource, Workload, workloadOf } from "./leaves";
import { UNKNOWN } from "./values";

/**
 * The long-running workload leaves of a stack that are known (preview may not know some yet);
 * one-shot jobs are left out.
 */
export function workloadsOf(resources: readonly LeafResource[]): Workload[] {
  const out: Workload[] = [];
  for (const r of resources) {
    const w = workloadOf(r);
    if (w !== undefined && w !== UNKNOWN && !w.runsToCompletion) out.push(w);
  }
  return out;
}

/**
 * Whether a workload matches a selector: "part:NAME" matches its part (homeport.dev/part),
 * anything else its workload name (homeport.dev/workload, else its name on the target).
 */
export function matches(w: Workload, selector: string): boolean {
  if (selector.startsWith("part:")) return w.meta(META.part) === selector.slice(5);
  return (w.meta(META.workload) ?? w.name) === selector;
}
