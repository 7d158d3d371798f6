import { middlewareKeyPrefix, routerKey } from "../../components/model/traefik/labels";
import { Workload, swarmLabels } from "./leaves";
import { nomadServices } from "./nomad";
import { at, knownItems } from "./values";

/** A Traefik HTTP router declared by labels (Swarm) or tags (Nomad). */
export interface TraefikRouter {
  readonly name: string;
  readonly rule: string;
  readonly tls: boolean;
  readonly middlewares: string[];
  readonly service: string | undefined;
}

/** Traefik's dynamic configuration keys of a workload: Swarm labels or Nomad service tags. */
export function traefikKeys(w: Workload): Record<string, string> {
  switch (w.target) {
    case "swarm":
      return swarmLabels(at(w.service, "labels"));
    case "kubernetes":
      return {};
    case "nomad": {
      const keys: Record<string, string> = {};
      for (const group of w.groups)
        for (const service of nomadServices(group))
          for (const tag of knownItems(service.Tags)) {
            if (typeof tag !== "string") continue;
            const eq = tag.indexOf("=");
            if (eq > 0) keys[tag.slice(0, eq)] = tag.slice(eq + 1);
          }
      return keys;
    }
  }
}

/** Routers of a workload, from its Traefik keys. */
export function traefikRouters(keys: Record<string, string>): TraefikRouter[] {
  const [before, after] = routerKey("\0", "rule").split("\0");
  const names = Object.keys(keys)
    .filter((k) => k.startsWith(before) && k.endsWith(after))
    .map((k) => k.slice(before.length, k.length - after.length))
    .filter((n) => n !== "" && !n.includes("."));
  return names.map((name) => {
    const key = (field: string) => keys[routerKey(name, field)];
    return {
      name,
      rule: key("rule"),
      tls: key("tls") === "true" || key("tls.certresolver") !== undefined,
      middlewares: (key("middlewares") ?? "")
        .split(",")
        .map((m) => m.trim().replace(/@.*$/, ""))
        .filter((m) => m !== ""),
      service: key("service"),
    };
  });
}

/** Kinds of a middleware declared in the keys (e.g. "basicauth", "redirectscheme"). */
export function middlewareKinds(keys: Record<string, string>, middleware: string): string[] {
  const prefix = middlewareKeyPrefix(middleware);
  return [
    ...new Set(
      Object.keys(keys)
        .filter((k) => k.startsWith(prefix))
        .map((k) => k.slice(prefix.length).split(".")[0].toLowerCase()),
    ),
  ];
}
