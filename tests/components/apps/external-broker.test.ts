import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { appEnvironment, appSizes } from "../../../components/apps";
import { appsSettings } from "../../../components/config/parts/apps";
import { NOMAD_CAPABILITIES } from "../../../components/platforms/nomad/profile";
import { stackConfig } from "../../helpers/harness";

const settings = appsSettings.parse({});
const value = <T>(input: pulumi.Input<T>): Promise<T> =>
  new Promise((resolve) => {
    pulumi.output(input).apply((v) => {
      resolve(v as T);
      return v;
    });
  });
const isSecret = (input: pulumi.Input<string>): Promise<boolean> =>
  pulumi.isSecret(pulumi.output(input));

describe("homeport:apps.broker, an external AMQP broker", () => {
  it("hands the app its URL with URL-encoded credentials, all of it a secret", async () => {
    const broker = appEnvironment({
      settings,
      s3: {
        endpoint: "https://s3.example.org",
        accessKeyId: "ak",
        secretAccessKey: "sk",
        flow: { kind: "external", reason: "S3 is external (homeport:apps.s3)" },
      },
      broker: {
        url: "amqps://mq.example.org:5671/group",
        username: pulumi.secret("group"),
        password: pulumi.secret("p@ss:word"),
      },
    }).secrets[0];
    assert.equal(broker.env, "CELERY_BROKER_URL");
    assert.equal(broker.prefix, undefined);
    assert.equal(
      await value(broker.value),
      "amqps://group:p%40ss%3Aword@mq.example.org:5671/group",
    );
    assert.equal(await isSecret(broker.value), true);
  });

  it("deploys no RabbitMQ", () => {
    const sizes = appSizes(
      {
        environment: "production",
        sizes: {},
        apps: { broker: { url: "amqp://mq:5672/", username: "u", password: "p" } } as never,
      },
      NOMAD_CAPABILITIES,
    );
    assert.equal(sizes.rabbitmq, 0);
  });

  it("refuses a URL with credentials in it, and sizes.rabbitmq beside it", () => {
    assert.throws(
      () =>
        stackConfig(
          {
            target: "nomad",
            domain: "a.example.org",
            sizes: { rabbitmq: 3 },
            apps: { broker: { url: "amqp://u:p@mq:5672/", username: "u", password: "p" } },
          },
          ["apps"],
        ),
      {
        message: [
          "The stack configuration has 2 problems; nothing was deployed:",
          '  - homeport:apps.broker.url is "amqp://u:p@mq:5672/": holds credentials. Fix: use the amqp(s) URL of the broker without credentials, e.g. amqps://mq.example.org:5671/vhost.',
          "  - homeport:sizes.rabbitmq is 3: sizes RabbitMQ, which is not deployed when homeport:apps.broker names an external broker. Fix: remove it, or remove homeport:apps.broker to deploy RabbitMQ.",
        ].join("\n"),
      },
    );
  });
});
