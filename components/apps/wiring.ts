import * as pulumi from "@pulumi/pulumi";
import { AppsSettings } from "../config/parts/apps";
import { FlowSpec, SecretSpec } from "../model";
import { SecretVariable } from "./secret-files";
import { APP_PORTS, RABBITMQ_USER } from "./constants";

/** The secrets a process reads as environment variables (files first on Swarm: secret-files.ts). */
export const secretVariables = (secrets: readonly SecretSpec[]): SecretVariable[] =>
  secrets.flatMap((s) => (s.env ? [{ env: s.env, fileEnv: s.fileEnv }] : []));

/** The S3 service the backend and worker use. */
export interface S3Wiring {
  /** Endpoint URL, e.g. `http://minio:9000` (a template expression on Nomad). */
  readonly endpoint: pulumi.Input<string>;
  readonly accessKeyId: pulumi.Input<string>;
  readonly secretAccessKey: pulumi.Input<string>;
  /** The connection to it: MinIO's API, or out of the stack to an external S3. */
  readonly flow: FlowSpec;
}

/** The broker the backend and worker use: the tier's RabbitMQ, or an external one. */
export type BrokerWiring =
  | {
      readonly password: pulumi.Input<string>;
      /** "host:port" of each broker member the clients may connect to (failover, in order). */
      readonly addresses: readonly pulumi.Input<string>[];
    }
  | {
      /** `homeport:apps.broker.url`, without credentials. */
      readonly url: string;
      readonly username: pulumi.Input<string>;
      readonly password: pulumi.Input<string>;
    };

/** The external broker's URL with its credentials, all of it secret (URL-encoded credentials). */
export function externalBrokerUrl(
  url: string,
  username: pulumi.Input<string>,
  password: pulumi.Input<string>,
): pulumi.Output<string> {
  return pulumi.secret(
    pulumi.all([username, password]).apply(([user, pass]) => {
      const [scheme, rest] = url.split("://");
      return `${scheme}://${encodeURIComponent(user)}:${encodeURIComponent(pass)}@${rest}`;
    }),
  );
}

/** Everything the app's processes need, as the app reads it (api/config.py). */
export interface AppWiring {
  readonly settings: Pick<AppsSettings, "region" | "bucket">;
  readonly s3: S3Wiring;
  readonly broker: BrokerWiring;
}

/**
 * The app's environment: plain settings as env, every credential as a secret. The broker URL
 * carries the password, so it is a secret too; with one broker it keeps scheme and host apart
 * from the password (so Nomad can resolve the host at task start), with several it lists each
 * member for Celery's failover (`;`-separated URLs).
 */
export function appEnvironment(wiring: AppWiring): {
  env: Record<string, pulumi.Input<string>>;
  secrets: SecretSpec[];
  /** The connections the app's processes open: S3 and the broker. */
  flows: FlowSpec[];
} {
  const { settings, s3, broker } = wiring;
  const url = (address: pulumi.Input<string>) =>
    pulumi.interpolate`amqp://${RABBITMQ_USER}:${broker.password}@${address}//`;
  const brokerSecret: SecretSpec =
    "url" in broker
      ? {
          name: "broker-url",
          env: "CELERY_BROKER_URL",
          value: externalBrokerUrl(broker.url, broker.username, broker.password),
        }
      : broker.addresses.length === 1
        ? {
            name: "broker-url",
            env: "CELERY_BROKER_URL",
            value: broker.password,
            prefix: `amqp://${RABBITMQ_USER}:`,
            suffix: pulumi.interpolate`@${broker.addresses[0]}//`,
          }
        : {
            name: "broker-url",
            env: "CELERY_BROKER_URL",
            value: pulumi.all(broker.addresses.map(url)).apply((urls) => urls.join(";")),
          };
  return {
    env: {
      S3_ENDPOINT_URL: s3.endpoint,
      AWS_REGION_NAME: settings.region,
      S3_BUCKET_NAME: settings.bucket,
    },
    secrets: [
      brokerSecret,
      { name: "s3-access-key", env: "AWS_ACCESS_KEY_ID", value: s3.accessKeyId },
      { name: "s3-secret-key", env: "AWS_SECRET_ACCESS_KEY", value: s3.secretAccessKey },
    ],
    flows: [s3.flow, brokerFlow(broker)],
  };
}

/** The connection to the broker: the tier's RabbitMQ, or out of the stack to an external one. */
export const brokerFlow = (broker: BrokerWiring): FlowSpec =>
  "url" in broker
    ? { kind: "external", reason: "the broker is external (homeport:apps.broker)" }
    : { kind: "workload", to: "rabbitmq", ports: [APP_PORTS.amqp] };
