import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { isGitContext, AppsSettings } from "../config/parts/apps";
import { Environment, Tier } from "../config/schema";
import { META, PlatformAdapter, WorkloadDeployment, WorkloadSpec } from "../model";
import { minioSpec, rabbitmqSpec } from "./cluster-specs";
import { APP_PORTS } from "./constants";
import { bucketInitSpec } from "./ensure-bucket";
import { appSizes } from "./sizes";
import { backendSpec, frontendSpec } from "./web-specs";
import { AppWiring } from "./wiring";
import { workerSpec } from "./worker-spec";

export const APP_TIER_TYPE = "homeport:apps:AppTier";

/** The platform part name the tier's workloads are declared under. */
const PART = "apps";

/**
 * Why a cluster runs one member where members get no stable addresses, recorded as the policy
 * exemption it needs.
 */
export const singleMemberReasons = (prose: PlatformAdapter["capabilities"]["prose"]) => ({
  rabbitmq: `${prose.serviceDiscovery} has no DNS names for cluster peers, so RabbitMQ runs one member on ${prose.orchestrator}`,
  minio: `${prose.serviceDiscovery} has no DNS names for cluster peers, so MinIO runs one server on ${prose.orchestrator}; set homeport:apps.s3 to an external S3 for durable storage`,
});

/** The tiers of the application whose number of copies a stack may set. */
export type AppTierName = Extract<Tier, "frontend" | "backend" | "worker" | "rabbitmq" | "minio">;

export interface AppTierArgs {
  /** The orchestrator the workloads are deployed on. */
  readonly platform: PlatformAdapter;
  /** The frontend's and the API's public host names. */
  readonly hosts: { readonly frontend: string; readonly api: string };
  /** Images, bucket, region, external S3, member nodes and volume sizes (`homeport:apps`). */
  readonly settings: Omit<AppsSettings, "hosts">;
  /** Sizes default per environment: single broker and MinIO for dev, clusters for production. */
  readonly environment: Environment;
  /** Copies of each tier. @default {@link DEFAULT_SIZES} of the environment */
  readonly replicas?: Partial<Record<AppTierName, number>>;
}

/** The entrypoint both app images copy (the named build context `entrypoint`). */
export const APP_ENTRYPOINT_DIR = path.join(__dirname, "..", "..", "apps", "entrypoint");

/** The app's Dockerfiles (`apps/backend`, `apps/frontend`), each built from its part of the app. */
export const APP_DOCKERFILES = {
  backend: { dir: path.join(__dirname, "..", "..", "apps", "backend"), source: "api" },
  frontend: { dir: path.join(__dirname, "..", "..", "apps", "frontend"), source: "web" },
} as const;

/** A subdirectory of a build context: `<dir>/<sub>`, or a git URL's `#<ref>:<sub>`. */
export const subContext = (context: string, sub: string): string =>
  isGitContext(context) ? `${context}:${sub}` : path.join(context, sub);

/** Builds the backend and frontend images on the target, tagged as the stack names them. */
function buildImages(
  platform: PlatformAdapter,
  settings: AppTierArgs["settings"],
  parent: pulumi.Resource,
): pulumi.Resource[] {
  const build = settings.build;
  if (!build) return [];
  const buildImage = platform.buildImage?.bind(platform);
  if (!buildImage) {
    throw new Error(
      `homeport:apps.build is set, but images cannot be built on ${platform.capabilities.prose.orchestrator}. Fix: remove it and push the images to a registry.`,
    );
  }
  return (["backend", "frontend"] as const).map((tier) =>
    buildImage(
      tier,
      {
        image: settings.images[tier],
        // Relative to the project directory (the program's working directory), so the rendered
        // stack is the same on every machine.
        dockerfileDir: path.relative(process.cwd(), APP_DOCKERFILES[tier].dir) || ".",
        contexts: {
          app: subContext(build.context, APP_DOCKERFILES[tier].source),
          entrypoint: path.relative(process.cwd(), APP_ENTRYPOINT_DIR) || ".",
        },
        args: build.args,
        network: build.network,
      },
      { parent },
    ),
  );
}

/** True when a tier runs one member because the orchestrator cannot run it as a cluster. */
const singleOnly = (
  clamped: readonly string[],
  tier: "rabbitmq" | "minio",
  platform: PlatformAdapter,
): boolean => clamped.includes(tier) || !platform.capabilities.stableMemberAddresses;

/** Marks a workload as a member of a cluster, so policies count the members together. */
const memberOf = (cluster: string, spec: WorkloadSpec): WorkloadSpec => ({
  ...spec,
  labels: { ...spec.labels, [META.cluster]: cluster },
});

const password = (name: string, length: number, parent: pulumi.Resource) =>
  pulumi.secret(
    new random.RandomPassword(
      name,
      { length, special: false },
      { parent, additionalSecretOutputs: ["result"] },
    ).result,
  );

/**
 * The image-hosting application: the static frontend, the API, the Celery workers, RabbitMQ and
 * S3 (MinIO deployed here, or an external S3 from `homeport:apps.s3`). Every credential is
 * generated (or read from a config secret) and handed to the workloads as orchestrator secrets.
 * A run-to-completion job creates the bucket before the first backend starts.
 */
export class AppTier extends pulumi.ComponentResource {
  /** Public URL of the frontend. */
  public readonly frontendUrl: pulumi.Output<string>;
  /** Public URL of the API (what the frontend's /config.json names). */
  public readonly apiUrl: pulumi.Output<string>;
  /** Generated credentials users may need (broker and MinIO admin), as secrets. */
  public readonly credentials: Record<string, pulumi.Output<string>>;
  /** The tier's workloads on the target, by name. */
  public readonly workloads: Record<string, WorkloadDeployment>;

  constructor(name: string, args: AppTierArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super(APP_TIER_TYPE, name, {}, opts);
    const { platform, settings } = args;
    const sizes = appSizes(
      { environment: args.environment, sizes: args.replicas ?? {}, apps: settings },
      platform.capabilities,
    );
    const single = singleMemberReasons(platform.capabilities.prose);
    for (const note of sizes.notes) pulumi.log.warn(note, this);
    const appHost = args.hosts.frontend;
    const api = args.hosts.api;
    const apiUrl = `https://${api}/`;
    const workloads: Record<string, WorkloadDeployment> = {};
    const deploy = (
      workload: string,
      spec: Parameters<PlatformAdapter["deploy"]>[2],
      dependsOn?: pulumi.Input<pulumi.Input<pulumi.Resource>[]>,
    ) => {
      workloads[workload] = platform.deploy(workload, PART, spec, { parent: this, dependsOn });
      return workloads[workload];
    };

    // Credentials, generated once and kept (encrypted) in the stack's state.
    // None for an external broker: its credentials come from homeport:apps.broker.
    const own = settings.broker
      ? undefined
      : {
          password: password(`${name}-rabbitmq-password`, 32, this),
          cookie: password(`${name}-rabbitmq-cookie`, 48, this),
        };

    // RabbitMQ: one broker, or a cluster whose members name each other.
    const rabbit = platform.clusterLayout("rabbitmq", sizes.rabbitmq);
    const rabbitDeployments = (own ? rabbit.workloads : []).map((w) =>
      deploy(
        w.name,
        memberOf(
          "rabbitmq",
          rabbitmqSpec({
            image: settings.images.rabbitmq,
            peers: rabbit.peers,
            nodeHost: w.host,
            replicas: w.replicas,
            volumeSize: settings.volumeSizes.rabbitmq,
            password: (own as NonNullable<typeof own>).password,
            cookie: (own as NonNullable<typeof own>).cookie,
            node: w.replicas === 1 ? settings.nodes.rabbitmq?.[w.ordinal] : undefined,
            catalogue: rabbit.catalogue,
            // One member where members cannot form a cluster, asked for or not.
            exemptions: singleOnly(sizes.clamped, "rabbitmq", platform)
              ? [{ rule: "stack-quorum-odd-members", reason: single.rabbitmq }]
              : undefined,
          }),
        ),
      ),
    );

    // S3: MinIO deployed here, or the external service from config.
    let s3: AppWiring["s3"];
    const s3Resources: pulumi.Resource[] = [];
    let minioUser: pulumi.Output<string> | undefined;
    let minioPassword: pulumi.Output<string> | undefined;
    if (settings.s3) {
      s3 = {
        endpoint: settings.s3.endpoint,
        accessKeyId: pulumi.secret(settings.s3.accessKeyId),
        secretAccessKey: settings.s3.secretAccessKey,
        flow: { kind: "external", reason: "S3 is external (homeport:apps.s3)" },
      };
    } else {
      minioUser = password(`${name}-minio-user`, 20, this);
      minioPassword = password(`${name}-minio-password`, 40, this);
      const minio = platform.clusterLayout("minio", sizes.minio);
      const minioDeployments = minio.workloads.map((w) =>
        deploy(
          w.name,
          memberOf(
            "minio",
            minioSpec({
              image: settings.images.minio,
              peers: minio.peers,
              nodeHost: w.host,
              replicas: w.replicas,
              volumeSize: settings.volumeSizes.minio,
              rootUser: minioUser as pulumi.Output<string>,
              rootPassword: minioPassword as pulumi.Output<string>,
              node: w.replicas === 1 ? settings.nodes.minio?.[w.ordinal] : undefined,
              groupOwnsVolumes: platform.capabilities.groupOwnsVolumes,
              exemptions: singleOnly(sizes.clamped, "minio", platform)
                ? [{ rule: "stack-no-single-point-of-failure", reason: single.minio }]
                : undefined,
            }),
          ),
        ),
      );
      s3Resources.push(...minioDeployments.flatMap((d) => d.resources));
      s3 = {
        endpoint: pulumi.interpolate`http://${minioDeployments[0].address("api")}`,
        accessKeyId: minioUser,
        secretAccessKey: minioPassword,
        flow: { kind: "workload", to: "minio", ports: [APP_PORTS.minio] },
      };
    }

    const wiring: AppWiring = {
      settings,
      s3,
      broker: !own
        ? {
            url: (settings.broker as NonNullable<typeof settings.broker>).url,
            username: (settings.broker as NonNullable<typeof settings.broker>).username,
            password: (settings.broker as NonNullable<typeof settings.broker>).password,
          }
        : {
            password: own.password,
            addresses: rabbitDeployments.map((d) => d.address("amqp")),
          },
    };
    const brokerResources = rabbitDeployments.flatMap((d) => d.resources);

    // Images built on the target, when the stack names a build context: workloads wait for them.
    const built = settings.build ? buildImages(platform, settings, this) : [];

    // The bucket exists before any backend imports the app (which would race to create it).
    const init = deploy("bucket-init", bucketInitSpec({ image: settings.images.backend }, wiring), [
      ...s3Resources,
      ...built,
    ]);
    const initDone = init.completed ?? init.resources;

    deploy(
      "backend",
      backendSpec(
        {
          image: settings.images.backend,
          replicas: sizes.backend,
          host: api,
          platformDrains: platform.capabilities.drainsBeforeStop,
        },
        wiring,
      ),
      pulumi.output(initDone).apply((done) => [...done, ...brokerResources, ...built]),
    );
    deploy(
      "worker",
      workerSpec(
        {
          image: settings.images.backend,
          replicas: sizes.worker,
          commandChecks: platform.capabilities.commandChecks,
          prose: platform.capabilities.prose,
        },
        wiring,
      ),
      pulumi.output(initDone).apply((done) => [...done, ...brokerResources, ...built]),
    );
    deploy(
      "frontend",
      frontendSpec({
        image: settings.images.frontend,
        replicas: sizes.frontend,
        host: appHost,
        apiUrl,
        platformDrains: platform.capabilities.drainsBeforeStop,
      }),
      built,
    );

    this.workloads = workloads;
    this.frontendUrl = pulumi.output(`https://${appHost}/`);
    this.apiUrl = pulumi.output(apiUrl);
    this.credentials = {
      ...(own ? { "apps.rabbitmq.password": own.password } : {}),
      ...(minioUser && minioPassword
        ? { "apps.minio.rootUser": minioUser, "apps.minio.rootPassword": minioPassword }
        : {}),
    };
    this.registerOutputs({ frontendUrl: this.frontendUrl, apiUrl: this.apiUrl });
  }
}
