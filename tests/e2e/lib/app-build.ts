import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { APP_DOCKERFILES } from "../../../components/apps/app-tier";
import { script } from "./engine";
import { failure } from "./shell";

/**
 * A checkout of the upstream app (its api/ and web/) to build the app's images from, with the
 * Dockerfiles' own base images, on a machine whose engine has them and reaches PyPI and npm.
 * @default the suite's stand-in for the app ({@link APP_STANDIN_DIR}) on locally built bases
 */
export const APP_CHECKOUT_VARIABLE = "HOMEPORT_E2E_APP_CHECKOUT";

/** The suite's STAND-IN for the upstream app, which cannot be fetched here (its README says). */
export const APP_STANDIN_DIR = path.join(__dirname, "..", "app-standin");

/** The suite's stand-in of `image_api.storage`, which the bucket job imports. */
const STORAGE_STANDIN_DIR = path.join(__dirname, "..", "images", "standin", "image_api");

/**
 * The images a Dockerfile needs from the engine before it builds: its `# syntax=` frontend and
 * its `ARG *_IMAGE` base images, as `args` sets them or else their defaults. Without a registry
 * they must be there already.
 */
export function dockerfileImages(
  dockerfile: string,
  args: Readonly<Record<string, string>> = {},
): string[] {
  const syntax = /^#\s*syntax=(\S+)/m.exec(dockerfile)?.[1];
  const bases = [...dockerfile.matchAll(/^ARG\s+(\w+_IMAGE)=(\S+)/gm)].map(
    (m) => args[m[1]] ?? m[2],
  );
  return [...(syntax ? [syntax] : []), ...bases];
}

/** Every image the app's Dockerfiles (apps/backend, apps/frontend) need from the engine. */
export const appBuildImages = (args: Readonly<Record<string, string>> = {}): string[] =>
  [
    ...new Set(
      Object.values(APP_DOCKERFILES).flatMap(({ dir }) =>
        dockerfileImages(fs.readFileSync(path.join(dir, "Dockerfile"), "utf8"), args),
      ),
    ),
  ].sort();

/**
 * Why the app's images cannot be built from `checkout` on this machine's engine
 * (`homeport:apps.build`, with build arguments `args`), or undefined when they can: the checkout
 * must hold api/ and web/, and the Dockerfiles' frontend and base images must be in the engine
 * (`present`).
 */
export function appBuildBlocked(
  checkout: string,
  present: (image: string) => boolean,
  args: Readonly<Record<string, string>> = {},
): string | undefined {
  const missing = ["api", "web"].filter((d) => !fs.existsSync(path.join(checkout, d)));
  if (missing.length > 0)
    return `the app checkout ${checkout} has no ${missing.join(" and ")} directory`;
  const absent = appBuildImages(args).filter((image) => !present(image));
  if (absent.length > 0) {
    return `the engine has no ${absent.join(", ")}, which the app's Dockerfiles build from, and there is no registry here to pull them from`;
  }
  return undefined;
}

/**
 * The stand-in app laid out as a checkout in a new temporary directory: the fixture, with the
 * suite's stand-in `image_api.storage` (the bucket job's import) copied into its package, so the
 * one copy serves both the stand-in images and the built ones. Returns the checkout's path.
 */
export function standinCheckout(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "homeport-e2e-app-"));
  fs.cpSync(APP_STANDIN_DIR, dir, { recursive: true });
  fs.copyFileSync(
    path.join(STORAGE_STANDIN_DIR, "storage.py"),
    path.join(dir, "api", "image_api", "storage.py"),
  );
  return dir;
}

/** The bases the app is built on here: the build arguments that name them, and the report. */
export interface AppBase {
  /** PYTHON_IMAGE and NODE_IMAGE, as tests/e2e/images/build-app-base.sh printed them. */
  readonly args: Record<string, string>;
  /** One line per image. */
  readonly report: string;
}

/**
 * Builds the app's base images and its Dockerfile frontend into the engine
 * (tests/e2e/images/build-app-base.sh), or says why they could not be built.
 */
export function buildAppBase(): AppBase | string {
  const r = script("tests/e2e/images/build-app-base.sh");
  if (r.status !== 0) return `the app's base images could not be built: ${failure(r)}`;
  const lines = r.stdout.trim().split("\n");
  const args = Object.fromEntries(
    lines
      .filter((l) => /^[A-Z]\w*_IMAGE=/.test(l))
      .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
  );
  return { args, report: lines.join("\n") };
}
