import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as yaml from "js-yaml";
import { ROOT } from "./pulumi";
import { must, runSync } from "./shell";
import { TYPES } from "../../../policies/lib/leaves";
import { RenderResult } from "../../../tools/render-lib";

type Config = Record<string, unknown>;

const readConfig = (file: string): Config =>
  (yaml.load(fs.readFileSync(file, "utf8")) as { config?: Config } | null)?.config ?? {};

const isObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === "object" && !Array.isArray(v);

/** `over` laid onto `base`, maps merged key by key, everything else replaced. */
function merge(base: Config, over: Config): Config {
  const out: Config = { ...base };
  for (const [k, v] of Object.entries(over)) {
    out[k] = isObject(v) && isObject(base[k]) ? merge(base[k], v) : v;
  }
  return out;
}

/** The value at a dotted path of the stack's settings, as a nested map (for merge). */
function pick(config: Config, key: string, dotted: string): Config {
  let value: unknown = config[key];
  const parts = dotted ? dotted.split(".") : [];
  for (const p of parts) value = isObject(value) ? value[p] : undefined;
  if (value === undefined) return {};
  const nested = parts.reduceRight<unknown>((inner, p) => ({ [p]: inner }), value);
  return { [key]: nested };
}

/** The media suite's stack: the media part's locally built images. */
export const MEDIA_STACK_FILE = path.join(ROOT, "tests/e2e/media/Pulumi.e2e-media.yaml");

/**
 * What the e2e stacks (Pulumi.e2e.yaml, and the media suite's for the media part) change for this
 * machine, and only that, so that another stack can run here with its own settings otherwise:
 * - the image references: every image is built locally (no registry);
 * - the Swarm settings this kernel forces (no IPVS: DNS round-robin endpoints, host-mode ports)
 *   and, with host-mode ports on one node, one proxy replica.
 */
export function machineOverrides(
  e2eStackFile = path.join(ROOT, "Pulumi.e2e.yaml"),
  mediaStackFile = MEDIA_STACK_FILE,
): Config {
  const e2e = readConfig(e2eStackFile);
  return [
    pick(e2e, "homeport:proxy", "image"),
    pick(e2e, "homeport:apps", "images"),
    pick(e2e, "homeport:monitoring", "images"),
    pick(readConfig(mediaStackFile), "homeport:media", "images"),
    pick(e2e, "homeport:swarm", "endpointMode"),
    pick(e2e, "homeport:swarm", "publishMode"),
    pick(e2e, "homeport:sizes", "proxy"),
  ].reduce(merge, {});
}

/** Every image reference {@link machineOverrides} names: what tests/e2e/images builds. */
export function overrideImages(): string[] {
  const leaves = (value: unknown): string[] =>
    typeof value === "string"
      ? [value]
      : Object.values(value as Record<string, unknown>).flatMap(leaves);
  const o = machineOverrides();
  return leaves([
    o["homeport:proxy"],
    o["homeport:apps"],
    o["homeport:monitoring"],
    o["homeport:media"],
  ]).sort();
}

/** `config` without a build context that names a git URL. */
function withoutGitBuild(config: Config): Config {
  const apps = config["homeport:apps"];
  if (
    !isObject(apps) ||
    !isObject(apps.build) ||
    !/^(https?|ssh):\/\/|^git@/.test(String(apps.build.context))
  ) {
    return config;
  }
  const { build: _dropped, ...rest } = apps;
  void _dropped;
  return { ...config, "homeport:apps": rest };
}

/** The parts a stack file deploys (`homeport:parts`, every part when unset). */
export function stackParts(file: string): string[] {
  return (
    (readConfig(file)["homeport:parts"] as string[] | undefined) ?? ["proxy", "monitoring", "apps"]
  );
}

/**
 * A stack file holding `stack`'s own settings (Pulumi.<stack>.yaml) with only
 * {@link machineOverrides} laid on top, in a temporary directory. A git build context
 * (`homeport:apps.build`, the dev stack's) cannot be fetched here (no internet): it is dropped, and
 * the locally built images named by the overrides are used instead. For "e2e" it is the file itself;
 * a path to a stack file (`….yaml`) is taken as it is.
 */
export function stackFileForThisMachine(stack: string): string {
  if (/\.ya?ml$/.test(stack)) return path.resolve(stack);
  const own = path.join(ROOT, `Pulumi.${stack}.yaml`);
  if (stack === "e2e" || !fs.existsSync(own)) return own;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `homeport-e2e-${stack}-`));
  const file = path.join(dir, `Pulumi.${stack}.yaml`);
  fs.writeFileSync(
    file,
    `# Pulumi.${stack}.yaml with this machine's overrides (tests/e2e/lib/stacks.ts)\n` +
      yaml.dump(
        { config: withoutGitBuild(merge(readConfig(own), machineOverrides())) },
        {
          lineWidth: -1,
        },
      ),
  );
  return file;
}

/**
 * The images a stack file's workloads run, as `npm run render` shows them: those of its services
 * and containers (`run`), and those the stack builds on the engine itself (`built`,
 * `homeport:apps.build`).
 */
export function stackImages(file: string): { run: string[]; built: string[] } {
  const out = must(
    runSync(
      process.execPath,
      [
        "--import",
        path.join(ROOT, "tools/loader.mjs"),
        path.join(ROOT, "tools/render.ts"),
        "--config",
        file,
      ],
      { cwd: ROOT, timeoutMs: 120_000 },
    ),
    `npm run render -- --config ${file}`,
  );
  const { resources } = JSON.parse(out) as RenderResult;
  const of = (type: string, image: (inputs: Record<string, unknown>) => unknown) =>
    [
      ...new Set(resources.filter((r) => r.type === type).map((r) => String(image(r.inputs)))),
    ].sort();
  return {
    run: [
      ...new Set([
        ...of(
          TYPES.swarmService,
          (i) => (i.taskSpec as { containerSpec: { image: string } }).containerSpec.image,
        ),
        ...of(TYPES.dockerContainer, (i) => i.image),
      ]),
    ].sort(),
    built: of("docker:index/remoteImage:RemoteImage", (i) => i.name),
  };
}
