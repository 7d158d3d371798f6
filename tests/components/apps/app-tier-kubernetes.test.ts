import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import {
  Recorder,
  resource,
  resourcesOfType,
  stackConfig,
  startRecorder,
  testParent,
} from "../../helpers/harness";
import { TOKENS } from "../../helpers/types";

const DEPLOYMENT = TOKENS.deployment;
const STATEFULSET = TOKENS.statefulSet;
const JOB = TOKENS.job;
let rec: Recorder;

before(async () => {
  rec = await startRecorder("test");
  const { KubernetesPlatform } =
    await import("../../../components/platforms/kubernetes/kubernetes-platform");
  const { AppTier } = await import("../../../components/apps/app-tier");
  const { appTierArgs } = await import("../../../components/stack-args");
  const config = stackConfig({
    target: "kubernetes",
    environment: "production",
    domain: "home.example.org",
    parts: ["apps"],
    kubernetes: { namespace: "photos", storageClasses: { block: "ceph-rbd" } },
    apps: { hosts: { frontend: "photos.home.example.org" }, bucket: "pictures" },
  });
  const parent = await testParent();
  const platform = new KubernetesPlatform("kubernetes", { config }, { parent });
  new AppTier("apps", { ...appTierArgs(config), platform }, { parent });
  await rec.settle();
});

type Inputs = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const pod = (type: string, name: string): Inputs =>
  (resource(rec, type, name).inputs as Inputs).spec.template.spec;
const container = (type: string, name: string): Inputs => pod(type, name).containers[0];
const envOf = (c: Inputs): Record<string, unknown> =>
  Object.fromEntries((c.env as Inputs[]).map((e) => [e.name, e.value ?? e.valueFrom]));
const secretRef = (workload: string, key: string) => ({
  secretKeyRef: { name: `${workload}-secrets`, key },
});

describe("AppTier on Kubernetes (production)", () => {
  it("runs the stateless tiers as Deployments, the bucket step as a Job and the clusters as StatefulSets", () => {
    assert.deepEqual(Object.keys(resourcesOfType(rec, DEPLOYMENT)).sort(), [
      "backend",
      "frontend",
      "worker",
    ]);
    assert.deepEqual(Object.keys(resourcesOfType(rec, STATEFULSET)).sort(), ["minio", "rabbitmq"]);
    assert.deepEqual(Object.keys(resourcesOfType(rec, JOB)), ["bucket-init"]);
  });

  it("wires the backend and worker exactly as the app reads its settings, credentials from Secrets", () => {
    for (const name of ["backend", "worker"]) {
      assert.deepEqual(envOf(container(DEPLOYMENT, name)), {
        AWS_REGION_NAME: "us-east-1",
        S3_BUCKET_NAME: "pictures",
        S3_ENDPOINT_URL: "http://minio:9000",
        CELERY_BROKER_URL: secretRef(name, "broker-url"),
        AWS_ACCESS_KEY_ID: secretRef(name, "s3-access-key"),
        AWS_SECRET_ACCESS_KEY: secretRef(name, "s3-secret-key"),
        // The API drains before gunicorn stops (apps/entrypoint/docker-entrypoint.sh).
        ...(name === "backend" ? { SHUTDOWN_DELAY_SECONDS: "10" } : {}),
      });
      const secret = resource(rec, TOKENS.secret, `${name}-secrets`).inputs;
      assert.equal(secret.stringData, "[secret]");
    }
    assert.equal(resource(rec, TOKENS.secret, "rabbitmq-secrets").inputs.stringData, "[secret]");
    assert.equal(resource(rec, TOKENS.secret, "minio-secrets").inputs.stringData, "[secret]");
    assert.ok(!JSON.stringify(rec.resources).includes("rendered-apps-"), "a password leaked");
  });

  it("creates the bucket in a Job that the backend and worker wait for", () => {
    const job = resource(rec, JOB, "bucket-init");
    assert.equal((job.inputs as Inputs).spec.backoffLimit, 4);
    assert.equal(pod(JOB, "bucket-init").restartPolicy, "Never");
    assert.ok(job.dependsOn.includes(resource(rec, STATEFULSET, "minio").urn));
    for (const name of ["backend", "worker"]) {
      const deps = resource(rec, DEPLOYMENT, name).dependsOn;
      assert.ok(deps.includes(job.urn), `${name} starts after the bucket Job`);
      assert.ok(deps.includes(resource(rec, STATEFULSET, "rabbitmq").urn));
    }
    assert.equal(
      Object.keys(resourcesOfType(rec, TOKENS.disruptionBudget)).includes("bucket-init-pdb"),
      false,
    );
  });

  it("scales and spreads the stateless tiers and keeps cluster members on distinct nodes", () => {
    for (const name of ["frontend", "backend", "worker"]) {
      assert.equal((resource(rec, DEPLOYMENT, name).inputs as Inputs).spec.replicas, 2);
      assert.deepEqual(pod(DEPLOYMENT, name).topologySpreadConstraints, [
        {
          maxSkew: 1,
          topologyKey: "kubernetes.io/hostname",
          whenUnsatisfiable: "ScheduleAnyway",
          labelSelector: {
            matchLabels: { "app.kubernetes.io/name": name, "app.kubernetes.io/instance": name },
          },
        },
      ]);
    }
    assert.equal((resource(rec, STATEFULSET, "rabbitmq").inputs as Inputs).spec.replicas, 3);
    assert.equal((resource(rec, STATEFULSET, "minio").inputs as Inputs).spec.replicas, 4);
    for (const name of ["rabbitmq", "minio"]) {
      const anti = pod(STATEFULSET, name).affinity.podAntiAffinity;
      assert.equal(
        anti.requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey,
        "kubernetes.io/hostname",
      );
      const claims = (resource(rec, STATEFULSET, name).inputs as Inputs).spec.volumeClaimTemplates;
      assert.equal(claims[0].spec.storageClassName, "ceph-rbd");
      assert.deepEqual(claims[0].spec.accessModes, ["ReadWriteOnce"]);
      assert.equal(claims[0].spec.resources.requests.storage, name === "minio" ? "20Gi" : "8Gi");
    }
  });

  it("probes the backend on /health, the frontend on /, the worker's readiness with Celery's ping", () => {
    assert.deepEqual(container(DEPLOYMENT, "backend").livenessProbe.httpGet, {
      path: "/health",
      port: "http",
    });
    assert.deepEqual(container(DEPLOYMENT, "frontend").readinessProbe.httpGet, {
      path: "/",
      port: "http",
    });
    const ping = container(DEPLOYMENT, "worker").readinessProbe.exec.command as string[];
    assert.equal(
      ping[ping.length - 1],
      'exec celery --app image_api.worker.app inspect ping --timeout 10 -d "celery@$HOSTNAME"',
    );
    // The broker's outage takes the worker out of readiness, never restarts it.
    const local = [
      "python",
      "-c",
      'import sys; state = open("/proc/1/stat").read().rsplit(")", 1)[1].split()[0]; sys.exit(state in "ZTt")',
    ];
    assert.deepEqual(container(DEPLOYMENT, "worker").livenessProbe, {
      exec: { command: local },
      periodSeconds: 30,
      timeoutSeconds: 5,
      failureThreshold: 3,
    });
    assert.deepEqual(container(DEPLOYMENT, "worker").startupProbe.exec.command, local);
    assert.deepEqual(container(STATEFULSET, "rabbitmq").livenessProbe.exec.command, [
      "rabbitmq-diagnostics",
      "-q",
      "ping",
    ]);
    assert.deepEqual(container(STATEFULSET, "minio").livenessProbe.httpGet, {
      path: "/minio/health/live",
      port: "api",
    });
  });

  it("routes the frontend and the API through Ingresses on their own hosts", () => {
    const host = (name: string) =>
      (resource(rec, TOKENS.ingress, `${name}-ingress`).inputs as Inputs).spec.rules[0];
    assert.equal(host("frontend").host, "photos.home.example.org");
    assert.equal(host("backend").host, "api.home.example.org");
    assert.deepEqual(host("backend").http.paths[0].backend, {
      service: { name: "backend", port: { name: "http" } },
    });
    const files = resource(rec, TOKENS.configMap, "frontend-files").inputs as Inputs;
    assert.equal(files.data.config, '{\n  "endpoint": "https://api.home.example.org/"\n}\n');
  });

  it("forms the RabbitMQ cluster and distributed MinIO from the StatefulSet pods' DNS names", () => {
    const conf = (resource(rec, TOKENS.configMap, "rabbitmq-files").inputs as Inputs).data
      .conf as string;
    for (const i of [0, 1, 2]) {
      assert.ok(
        conf.includes(
          `cluster_formation.classic_config.nodes.${i + 1} = rabbit@rabbitmq-${i}.rabbitmq-headless.photos.svc.cluster.local\n`,
        ),
      );
    }
    assert.equal(envOf(container(STATEFULSET, "rabbitmq")).RABBITMQ_USE_LONGNAME, "true");
    assert.equal(envOf(container(STATEFULSET, "rabbitmq")).RABBITMQ_NODENAME, undefined);
    const args = container(STATEFULSET, "minio").command as string[];
    assert.deepEqual(
      args.filter((a) => a.startsWith("http://")),
      [0, 1, 2, 3].map(
        (i) => `http://minio-${i}.minio-headless.photos.svc.cluster.local:9000/data`,
      ),
    );
    const headless = resource(rec, TOKENS.service, "rabbitmq-headless").inputs as Inputs;
    assert.equal(headless.spec.clusterIP, "None");
    assert.equal(headless.spec.publishNotReadyAddresses, true);
  });
});
