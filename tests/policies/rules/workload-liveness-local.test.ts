import { checkDigest, META } from "../../../components/model/metadata";
import { nomadMetaKey } from "../../../components/platforms/nomad/meta-key";
import { workloadLivenessLocal } from "../../../policies/rules/workload-liveness-local";
import { describeRule } from "../fixtures";

const FIX =
  "give it a liveness check that the process answers alone (its readiness goes through db)";
type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Marks the web fixture's health check as its readiness, through the db workload. */
const swarmVia = (p: Json, readiness: unknown[]) =>
  p.labels.push(
    { label: META.readinessVia, value: "db" },
    { label: META.readinessCheck, value: checkDigest(readiness) },
  );
const kubernetesVia = (p: Json) => (p.metadata.annotations[META.readinessVia] = "db");
const nomadVia = (job: Json) => (job.Meta[nomadMetaKey(META.readinessVia)] = "db");
const nomadCheck = (job: Json) => job.TaskGroups[0].Services[0].Checks[0];

describeRule(workloadLivenessLocal, [
  {
    title: "the one check is the readiness check",
    target: "swarm",
    mutate: (p) => swarmVia(p, p.taskSpec.containerSpec.healthcheck.tests),
    expected: [`Swarm service "t-web" restarts on its readiness check: ${FIX}.`],
  },
  {
    title: "the one check is a local liveness check",
    target: "swarm",
    mutate: (p) => swarmVia(p, ["CMD", "ping-the-broker"]),
    expected: [],
  },
  {
    title: "liveness and readiness probe alike",
    target: "kubernetes",
    mutate: kubernetesVia,
    expected: [
      `Deployment "web": container "web" has the same liveness and readiness probe: ${FIX}.`,
    ],
  },
  {
    title: "a local liveness probe",
    target: "kubernetes",
    mutate: (p) => {
      kubernetesVia(p);
      p.spec.template.spec.containers[0].livenessProbe = { exec: { command: ["true"] } };
    },
    expected: [],
  },
  {
    title: "the readiness check restarts the task",
    target: "nomad",
    mutate: (job) => {
      nomadVia(job);
      nomadCheck(job).CheckRestart = { Limit: 3 };
    },
    expected: [`Nomad job "web": group "web" restarts on its readiness check: ${FIX}.`],
  },
  {
    title: "readiness checks that never restart",
    target: "nomad",
    mutate: nomadVia,
    expected: [],
  },
]);
