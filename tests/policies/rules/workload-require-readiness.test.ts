import { workloadRequireReadiness } from "../../../policies/rules/workload-require-readiness";
import { describeRule } from "../fixtures";

describeRule(workloadRequireReadiness, [
  {
    title: "Swarm has no readiness: a service without healthcheck is R1's concern",
    target: "swarm",
    mutate: (p) => delete p.taskSpec.containerSpec.healthcheck,
    expected: [],
  },
  {
    title: "a container with a port and no readiness probe",
    target: "kubernetes",
    mutate: (p) => delete p.spec.template.spec.containers[0].readinessProbe,
    expected: ['Deployment "web": container "web" has no readiness probe.'],
  },
  {
    title: "a container without ports needs no readiness probe",
    target: "kubernetes",
    mutate: (p) => {
      delete p.spec.template.spec.containers[0].readinessProbe;
      delete p.spec.template.spec.containers[0].ports;
    },
    expected: [],
  },
  {
    title: "a deployment that only waits for task states",
    target: "nomad",
    mutate: (job) => (job.Update.HealthCheck = "task_states"),
    expected: [
      'Nomad job "web": group "web" does not wait for its service checks before a deployment continues; set update.health_check = "checks".',
    ],
  },
]);
