import * as fs from "node:fs";
import * as path from "node:path";
import { APP_DOCKERFILES } from "../../../components/apps/app-tier";

/** A checkout of the upstream app (its api/ and web/) that the e2e builds the app's images from. */
export const APP_CHECKOUT_VARIABLE = "HOMEPORT_E2E_APP_CHECKOUT";

/**
 * The images a Dockerfile needs from the engine before it builds: its `# syntax=` frontend and
 * the defaults of its `ARG *_IMAGE` base images. Without a registry they must be there already.
 */
export function dockerfileImages(dockerfile: string): string[] {
  const syntax = /^#\s*syntax=(\S+)/m.exec(dockerfile)?.[1];
  const bases = [...dockerfile.matchAll(/^ARG\s+\w+_IMAGE=(\S+)/gm)].map((m) => m[1]);
  return [...(syntax ? [syntax] : []), ...bases];
}

/** Every image the app's Dockerfiles (apps/backend, apps/frontend) need from the engine. */
export const appBuildImages = (): string[] =>
  [
    ...new Set(
      Object.values(APP_DOCKERFILES).flatMap(({ dir }) =>
        dockerfileImages(fs.readFileSync(path.join(dir, "Dockerfile"), "utf8")),
      ),
    ),
  ].sort();

/**
 * Why the app's images cannot be built on this machine's engine (`homeport:apps.build`), or
 * undefined when they can: a checkout of the app must be named, and the Dockerfiles' frontend and
 * base images must be in the engine (`present`). Their RUN steps install the app's Python and npm
 * dependencies (pip, uv, npm), so the engine also needs to reach PyPI and the npm registry:
 * naming a checkout says it can.
 */
export function appBuildBlocked(
  checkout: string | undefined,
  present: (image: string) => boolean,
): string | undefined {
  if (!checkout) {
    return `no checkout of the app to build its images from: the dev stack's git URL cannot be fetched here (no internet); set ${APP_CHECKOUT_VARIABLE} to a checkout holding api/ and web/ on a machine whose engine reaches PyPI and npm`;
  }
  const missing = ["api", "web"].filter((d) => !fs.existsSync(path.join(checkout, d)));
  if (missing.length > 0) {
    return `${APP_CHECKOUT_VARIABLE}=${checkout} has no ${missing.join(" and ")} directory`;
  }
  const absent = appBuildImages().filter((image) => !present(image));
  if (absent.length > 0) {
    return `the engine has no ${absent.join(", ")}, which the app's Dockerfiles build from, and there is no registry here to pull them from`;
  }
  return undefined;
}
