import { workloadRequireHealthCheck } from "../../../policies/rules/workload-require-health-check";
import { describeRule } from "../fixtures";

describeRule(workloadRequireHealthCheck, [
  {
    title: "a service without healthcheck",
    target: "swarm",
    mutate: (p) => delete p.taskSpec.containerSpec.healthcheck,
    expected: [
      'Swarm service "t-web" has no health check: set taskSpec.containerSpec.healthcheck.',
    ],
  },
  {
    title: 'a healthcheck of ["NONE"]',
    target: "swarm",
    mutate: (p) => (p.taskSpec.containerSpec.healthcheck.tests = ["NONE"]),
    expected: [
      'Swarm service "t-web" has no health check: set taskSpec.containerSpec.healthcheck.',
    ],
  },
  {
    title: "a container without liveness probe",
    target: "kubernetes",
    mutate: (p) => delete p.spec.template.spec.containers[0].livenessProbe,
    expected: ['Deployment "web": container "web" has no liveness probe.'],
  },
  {
    title: "a group whose service has no check",
    target: "nomad",
    mutate: (job) => (job.TaskGroups[0].Services[0].Checks = []),
    expected: ['Nomad job "web": group "web" has no service check.'],
  },
  {
    title: "a group without services",
    target: "nomad",
    workload: "db",
    mutate: (job) => delete job.TaskGroups[0].Services,
    expected: ['Nomad job "db": group "db" has no service check.'],
  },
  {
    title: "a healthcheck not known yet is not a violation",
    target: "swarm",
    mutate: (p) => (p.taskSpec.containerSpec.healthcheck = "[unknown]"),
    expected: [],
  },
  {
    title: "a one-shot batch job needs no service check",
    target: "nomad",
    mutate: (job) => {
      job.Type = "batch";
      job.TaskGroups[0].Services[0].Checks = [];
    },
    expected: [],
  },
  {
    title: "a Job needs no liveness probe",
    target: "kubernetes",
    workload: "job",
    mutate: (p) => delete p.spec.template.spec.containers[0].livenessProbe,
    expected: [],
  },
]);
