import { z } from "zod";
import { isPinnedImage } from "../../model/resolve";
import { secretString } from "../secret-string";

/**
 * Default images of the image-hosting application. The backend and frontend images are built from
 * `apps/backend` and `apps/frontend` (the upstream app ships no Dockerfile); RabbitMQ and MinIO
 * are official images. Every one is pinned; change them in pull requests.
 */
export const APPS_IMAGES = {
  backend: "homeport/image-api:0.1.0",
  frontend: "homeport/image-web:0.1.0",
  rabbitmq: "rabbitmq:4.1.4-management",
  minio: "minio/minio:RELEASE.2025-09-07T16-13-09Z",
} as const;

/**
 * The upstream app (sandhose/projet-cloud-virt: api/ and web/) at a pinned commit, as a git build
 * context: what the dev stack builds its images from.
 */
export const UPSTREAM_APP_CONTEXT =
  "https://github.com/sandhose/projet-cloud-virt.git#19f0b350f427ae51cda7d5ad8a7954dcc9cbf1f1";

/** A git URL pinned to a full commit (BuildKit's `<url>#<ref>`), or a local path. */
const GIT_CONTEXT = /^(https:\/\/|ssh:\/\/|git@)\S+\.git#[0-9a-f]{40}$/;
/** A Dockerfile `ARG` name. */
const BUILD_ARG = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** True when a build context names a git repository (else it is a local checkout's path). */
export const isGitContext = (context: string): boolean =>
  /^(https?:\/\/|ssh:\/\/|git@)/.test(context);

/** `homeport:apps.build`: build the backend and frontend images on the target engine. */
export const appsBuildSettings = z
  .object({
    /**
     * The app's source holding api/ and web/: a local checkout (relative to the stack file's
     * directory) or a git URL pinned to a commit, e.g. the upstream app's.
     */
    context: z
      .string()
      .min(1)
      .refine((c) => !isGitContext(c) || GIT_CONTEXT.test(c), {
        message: "is a git URL not pinned to a full commit (<url>.git#<40 hex digits>)",
      }),
    /**
     * Build arguments of both Dockerfiles, e.g. PYTHON_IMAGE and NODE_IMAGE to build from base
     * images of a registry mirror (each Dockerfile's `ARG` lines list what it takes).
     * @default none: the Dockerfiles' own defaults
     */
    args: z
      .record(z.string(), z.string().min(1))
      .superRefine((args, ctx) => {
        const bad = Object.keys(args).filter((name) => !BUILD_ARG.test(name));
        if (bad.length > 0) {
          ctx.addIssue({
            code: "custom",
            message: `names ${bad.map((n) => JSON.stringify(n)).join(", ")}, which no Dockerfile ARG can be called`,
          });
        }
      })
      .optional(),
    /**
     * The network the Dockerfiles' RUN steps have: the engine's default (its bridge, through which
     * they fetch the app's dependencies), the host's, or none, for bases that already hold the
     * dependencies (an engine without a bridge network builds only so).
     * @default "default"
     */
    network: z.enum(["default", "host", "none"]).default("default"),
  })
  .strict();

/** Replica counts of the tier when `homeport:sizes` does not set them, per environment. */
export const APPS_DEFAULT_SIZES = {
  dev: { frontend: 2, backend: 2, worker: 2, rabbitmq: 1, minio: 1 },
  production: { frontend: 2, backend: 2, worker: 2, rabbitmq: 3, minio: 4 },
} as const;

/** Default volume sizes of the stateful services, per member. */
export const APPS_VOLUME_SIZES = { rabbitmq: "8Gi", minio: "20Gi" } as const;

const HOST =
  /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$/;
/** S3 bucket naming rules: 3 to 63 lowercase letters, digits, dots and dashes. */
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const SIZE = /^\d+(\.\d+)?(Ki|Mi|Gi|Ti|k|M|G|T)?$/;
/** A node's host name, as the orchestrator reports it. */
const NODE = /^[A-Za-z0-9]([A-Za-z0-9._-]{0,251}[A-Za-z0-9])?$/;

const image = (fallback: string) =>
  z.string().min(1).default(fallback).refine(isPinnedImage, {
    message: "is not pinned to a version (a tag other than latest, or a digest)",
  });

/** `homeport:apps.s3`: an existing S3 service to use instead of deploying MinIO. */
export const externalS3Settings = z
  .object({
    /** Endpoint URL the backend and worker reach, e.g. https://s3.example.org. */
    endpoint: z.url({ protocol: /^https?$/ }),
    accessKeyId: z.string().min(1),
    /** Set with `pulumi config set --secret`. */
    secretAccessKey: secretString(),
  })
  .strict();

/** `homeport:apps.broker`: an existing AMQP broker to use instead of deploying RabbitMQ. */
export const externalBrokerSettings = z
  .object({
    /** The broker's URL without credentials, e.g. amqps://rabbitmq.example.org:5671/vhost. */
    url: z
      .url({ protocol: /^amqps?$/ })
      .refine((u) => !/^amqps?:\/\/[^/]*@/.test(u), { message: "holds credentials" }),
    /** Set with `pulumi config set --secret`. */
    username: secretString(),
    /** Set with `pulumi config set --secret`. */
    password: secretString(),
  })
  .strict();

/** `homeport:apps`: the image-hosting application tier's settings. */
export const appsSettings = z
  .object({
    images: z
      .object({
        backend: image(APPS_IMAGES.backend),
        frontend: image(APPS_IMAGES.frontend),
        rabbitmq: image(APPS_IMAGES.rabbitmq),
        minio: image(APPS_IMAGES.minio),
      })
      .strict()
      .default({ ...APPS_IMAGES }),
    /** Public host names. @default app.<domain> and api.<domain> */
    hosts: z
      .object({
        frontend: z.string().regex(HOST).optional(),
        api: z.string().regex(HOST).optional(),
      })
      .strict()
      .default({}),
    /** The one bucket that holds originals and thumbnails. @default "images" */
    bucket: z.string().regex(BUCKET).default("images"),
    /** S3 region the app signs requests for. @default "us-east-1" */
    region: z
      .string()
      .regex(/^[a-z0-9-]{2,32}$/)
      .default("us-east-1"),
    /**
     * Build the backend and frontend images on the target engine, tagged as
     * `homeport:apps.images.backend`/`frontend`. @default not built: the images are pulled
     */
    build: appsBuildSettings.optional(),
    /** External S3; when set, MinIO is not deployed. @default MinIO deployed by the platform */
    s3: externalS3Settings.optional(),
    /** External AMQP broker; when set, RabbitMQ is not deployed. @default RabbitMQ deployed by the platform */
    broker: externalBrokerSettings.optional(),
    /**
     * Node (host name) of each RabbitMQ and MinIO member, in member order, on Swarm and Nomad: a
     * member's volume is local to its node, so a member pinned there keeps its data when it
     * restarts. @default not pinned
     */
    nodes: z
      .object({
        rabbitmq: z.array(z.string().regex(NODE)).min(1).optional(),
        minio: z.array(z.string().regex(NODE)).min(1).optional(),
      })
      .strict()
      .default({}),
    /** Volume size of each RabbitMQ and MinIO member. */
    volumeSizes: z
      .object({
        rabbitmq: z.string().regex(SIZE).default(APPS_VOLUME_SIZES.rabbitmq),
        minio: z.string().regex(SIZE).default(APPS_VOLUME_SIZES.minio),
      })
      .strict()
      .default({ ...APPS_VOLUME_SIZES }),
  })
  .strict();

export type AppsSettings = z.output<typeof appsSettings>;

/** Settings under `homeport:apps` that hold credentials. */
export const appsSecretSettings: string[] = [
  "s3.secretAccessKey",
  "broker.username",
  "broker.password",
];

/** How to fix each apps setting, by dotted path under `homeport:apps`. */
export const appsFixes: ReadonlyArray<readonly [string, string]> = [
  ["images.backend", `pin a version tag or digest, e.g. ${APPS_IMAGES.backend}`],
  ["images.frontend", `pin a version tag or digest, e.g. ${APPS_IMAGES.frontend}`],
  ["images.rabbitmq", `pin a version tag or digest, e.g. ${APPS_IMAGES.rabbitmq}`],
  ["images.minio", `pin a version tag or digest, e.g. ${APPS_IMAGES.minio}`],
  ["hosts.frontend", "use a host name inside homeport:domain, e.g. app.home.example.org"],
  [
    "hosts.api",
    "use a host name inside homeport:domain other than the frontend's, e.g. api.home.example.org",
  ],
  [
    "build.context",
    `give a local checkout of the app (with api/ and web/) or a git URL pinned to a commit, e.g. ${UPSTREAM_APP_CONTEXT}`,
  ],
  [
    "build.args",
    "name each build argument as the Dockerfiles' ARG lines do (letters, digits and underscores, not starting with a digit), e.g. {PYTHON_IMAGE: registry.lan/python:3.12.8-slim-bookworm}",
  ],
  ["build.args.*", "give the build argument a non-empty value"],
  [
    "build.network",
    "use default (the engine's bridge network), host (the host's network) or none (bases that hold the app's dependencies)",
  ],
  ["bucket", "use 3 to 63 lowercase letters, digits, dots or dashes, e.g. images"],
  ["region", "use an S3 region name, e.g. us-east-1"],
  ["s3", "give a map {endpoint, accessKeyId, secretAccessKey}, or remove it to deploy MinIO"],
  ["broker", "give a map {url, username, password}, or remove it to deploy RabbitMQ"],
  [
    "broker.url",
    "use the amqp(s) URL of the broker without credentials, e.g. amqps://mq.example.org:5671/vhost",
  ],
  [
    "broker.username",
    "set it with: pulumi config set --secret --path homeport:apps.broker.username <user>",
  ],
  [
    "broker.password",
    "set it with: pulumi config set --secret --path homeport:apps.broker.password <password>",
  ],
  ["s3.endpoint", "use the http(s) URL of the S3 service, e.g. https://s3.example.org"],
  ["s3.accessKeyId", "set the S3 access key id"],
  [
    "s3.secretAccessKey",
    "set it with: pulumi config set --secret --path homeport:apps.s3.secretAccessKey <key>",
  ],
  ["nodes.rabbitmq", "list one node host name per RabbitMQ member, e.g. [node-1, node-2, node-3]"],
  ["nodes.rabbitmq.*", "use the node's host name as the orchestrator reports it, e.g. node-1"],
  [
    "nodes.minio",
    "list one node host name per MinIO server, e.g. [node-1, node-2, node-3, node-4]",
  ],
  ["nodes.minio.*", "use the node's host name as the orchestrator reports it, e.g. node-1"],
  ["volumeSizes.rabbitmq", 'write a size such as "8Gi"'],
  ["volumeSizes.minio", 'write a size such as "20Gi"'],
];

/** The frontend's public host name. */
export const frontendHost = (apps: AppsSettings, domain: string): string =>
  apps.hosts.frontend ?? `app.${domain}`;

/** The API's public host name: its own host, since the SPA builds path-absolute URLs. */
export const apiHost = (apps: AppsSettings, domain: string): string =>
  apps.hosts.api ?? `api.${domain}`;

/** A problem that needs more than the apps' own settings to see. */
export interface AppsIssue {
  readonly path: (string | number)[];
  readonly message: string;
  readonly value: unknown;
  /** The fix, when the setting's usual one does not apply. @default the setting's usual fix */
  readonly fix?: string;
}

/**
 * Checks that span settings: hosts inside the domain and distinct, cluster sizes that keep a
 * quorum (RabbitMQ) or an erasure set (MinIO), and no MinIO size when S3 is external. Member node
 * pinning depends on the orchestrator and is checked with its capabilities (`stack-args.ts`).
 */
export function appsStackIssues(cfg: {
  readonly domain: string;
  readonly sizes: Partial<Record<string, number>>;
  readonly apps: AppsSettings;
}): AppsIssue[] {
  const issues: AppsIssue[] = [];
  const { apps, domain } = cfg;
  const inDomain = (host: string) => host === domain || host.endsWith(`.${domain}`);
  for (const key of ["frontend", "api"] as const) {
    const host = apps.hosts[key];
    if (host !== undefined && !inDomain(host)) {
      issues.push({
        path: ["apps", "hosts", key],
        message: `is outside homeport:domain "${domain}"`,
        value: host,
      });
    }
  }
  if (frontendHost(apps, domain) === apiHost(apps, domain)) {
    issues.push({
      path: ["apps", "hosts", "api"],
      message:
        "is the frontend's host too, but the SPA calls the API with path-absolute URLs, so the API needs a host of its own",
      value: apiHost(apps, domain),
    });
  }
  for (const tier of ["rabbitmq", "minio"] as const) {
    const nodes = apps.nodes[tier] ?? [];
    const twice = nodes.find((node, i) => nodes.indexOf(node) !== i);
    if (twice !== undefined) {
      issues.push({
        path: ["apps", "nodes", tier],
        message: `pins two members to ${twice}, so losing that one node loses them both`,
        value: nodes,
        fix: "list each node once, one distinct node per member",
      });
    }
  }
  const rabbitmq = cfg.sizes.rabbitmq;
  if (apps.broker && rabbitmq !== undefined) {
    issues.push({
      path: ["sizes", "rabbitmq"],
      message:
        "sizes RabbitMQ, which is not deployed when homeport:apps.broker names an external broker",
      value: rabbitmq,
      fix: "remove it, or remove homeport:apps.broker to deploy RabbitMQ",
    });
  } else if (rabbitmq === 0 || rabbitmq === 2) {
    issues.push({
      path: ["sizes", "rabbitmq"],
      message:
        rabbitmq === 0
          ? "leaves the backend and worker without a broker"
          : "makes a two-node cluster, which loses its quorum when either node stops",
      value: rabbitmq,
    });
  }
  const minio = cfg.sizes.minio;
  if (apps.s3 && minio !== undefined) {
    issues.push({
      path: ["sizes", "minio"],
      message: "sizes MinIO, which is not deployed when homeport:apps.s3 names an external S3",
      value: minio,
    });
  } else if (minio !== undefined && minio !== 1 && minio < 4) {
    issues.push({
      path: ["sizes", "minio"],
      message: "is not a MinIO layout: one server, or distributed over at least 4 (one drive each)",
      value: minio,
    });
  }
  return issues;
}
