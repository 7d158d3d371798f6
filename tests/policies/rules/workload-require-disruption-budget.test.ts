import { workloadRequireDisruptionBudget } from "../../../policies/rules/workload-require-disruption-budget";
import { describeRule } from "../fixtures";

const WEB_PDB = { type: "kubernetes:policy/v1:PodDisruptionBudget", name: "web-pdb" };

describeRule(workloadRequireDisruptionBudget, [
  {
    title: "parallelism 0 updates every replica at once",
    target: "swarm",
    mutate: (p) => (p.updateConfig.parallelism = 0),
    expected: [
      'Swarm service "t-web" updates all its replicas at once: set updateConfig.parallelism below 3.',
    ],
  },
  {
    title: "one stop-first batch of every replica",
    target: "swarm",
    mutate: (p) => {
      p.updateConfig.parallelism = 3;
      p.updateConfig.order = "stop-first";
    },
    expected: [
      'Swarm service "t-web" stops all 3 replicas in one batch: set updateConfig.parallelism below 3 or order = "start-first".',
    ],
  },
  {
    title: "no PodDisruptionBudget selects the pods",
    target: "kubernetes",
    resource: WEB_PDB,
    mutate: (p) => (p.spec.selector.matchLabels["app.kubernetes.io/name"] = "other"),
    expected: ['Deployment "web" has no PodDisruptionBudget: add one that selects its pods.'],
  },
  {
    title: "a budget that allows no disruption",
    target: "kubernetes",
    resource: WEB_PDB,
    mutate: (p) => (p.spec.maxUnavailable = 0),
    expected: [
      'Deployment "web": PodDisruptionBudget "web" allows no disruption, so drains block: allow at least one.',
    ],
  },
  {
    title: "minAvailable equal to the replicas",
    target: "kubernetes",
    resource: WEB_PDB,
    mutate: (p) => {
      delete p.spec.maxUnavailable;
      p.spec.minAvailable = 3;
    },
    expected: [
      'Deployment "web": PodDisruptionBudget "web" allows no disruption, so drains block: allow at least one.',
    ],
  },
  {
    title: "no rolling update",
    target: "nomad",
    mutate: (job) => delete job.Update,
    expected: [
      'Nomad job "web": group "web" has no rolling update: set update.max_parallel below 3.',
    ],
  },
  {
    title: "a drain that migrates every allocation at once",
    target: "nomad",
    mutate: (job) => (job.TaskGroups[0].Migrate.MaxParallel = 3),
    expected: [
      'Nomad job "web": group "web" migrates all 3 allocations at once on a drain: set migrate.max_parallel below 3.',
    ],
  },
]);
