import { workloadMinReplicas } from "../../../policies/rules/workload-min-replicas";
import { describeRule } from "../fixtures";

const EXEMPT = "policy.homeport.dev/exempt.workload-min-replicas";

describeRule(workloadMinReplicas, [
  {
    title: "one replica",
    target: "swarm",
    mutate: (p) => (p.mode.replicated.replicas = 1),
    expected: [
      'Swarm service "t-web" runs 1 replica(s), fewer than 2: add replicas, or exempt it with the reason it cannot scale out.',
    ],
  },
  {
    title: "a tier the stack sizes names its setting",
    target: "swarm",
    mutate: (p) => {
      p.mode.replicated.replicas = 1;
      for (const l of p.labels) if (l.label === "homeport.dev/workload") l.value = "frontend";
    },
    expected: [
      'Swarm service "t-web" runs 1 replica(s), fewer than 2: raise homeport:sizes.frontend to 2, or exempt it with the reason it cannot scale out.',
    ],
  },
  {
    title: "the threshold comes from the pack config",
    target: "swarm",
    config: { minReplicas: 4 },
    mutate: () => {},
    expected: [
      'Swarm service "t-proxy" runs 2 replica(s), fewer than 4: add replicas, or exempt it with the reason it cannot scale out.',
      'Swarm service "t-web" runs 3 replica(s), fewer than 4: add replicas, or exempt it with the reason it cannot scale out.',
    ],
  },
  {
    title: "replicas left out mean one",
    target: "kubernetes",
    mutate: (p) => delete p.spec.replicas,
    expected: [
      'Deployment "web" runs 1 replica(s), fewer than 2: add replicas, or exempt it with the reason it cannot scale out.',
    ],
  },
  {
    title: "an exemption with its reason passes",
    target: "kubernetes",
    mutate: (p) => {
      p.spec.replicas = 1;
      p.metadata.annotations[EXEMPT] = "one GPU";
    },
    expected: [],
  },
  {
    title: "an empty exemption reason is no exemption",
    target: "kubernetes",
    mutate: (p) => {
      p.spec.replicas = 1;
      p.metadata.annotations[EXEMPT] = " ";
      p.spec.template.metadata.annotations[EXEMPT] = " ";
    },
    expected: [
      'Deployment "web" runs 1 replica(s), fewer than 2: add replicas, or exempt it with the reason it cannot scale out.',
    ],
  },
  {
    title: "a singleton whose automatic exemption was removed",
    target: "nomad",
    workload: "sonarr",
    mutate: (job) => {
      delete job.Meta.policy_homeport_dev_exempt_workload_min_replicas;
      job.Meta.homeport_dev_state = "stateless";
    },
    expected: [
      'Nomad job "sonarr" runs 1 replica(s), fewer than 2: add replicas, or exempt it with the reason it cannot scale out.',
    ],
  },
  {
    title: "a group count of one",
    target: "nomad",
    mutate: (job) => (job.TaskGroups[0].Count = 1),
    expected: [
      'Nomad job "web" runs 1 replica(s), fewer than 2: add replicas, or exempt it with the reason it cannot scale out.',
    ],
  },
  {
    title: "a one-shot batch job is not held to replicas",
    target: "nomad",
    mutate: (job) => {
      job.Type = "batch";
      job.TaskGroups[0].Count = 1;
    },
    expected: [],
  },
  {
    title: "a workload scheduled as a job is not held to replicas",
    target: "kubernetes",
    mutate: (p) => {
      p.spec.replicas = 1;
      p.metadata.annotations["homeport.dev/scheduling"] = "job";
    },
    expected: [],
  },
]);
