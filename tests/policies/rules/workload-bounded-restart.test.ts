import { workloadBoundedRestart } from "../../../policies/rules/workload-bounded-restart";
import { describeRule } from "../fixtures";

describeRule(workloadBoundedRestart, [
  {
    title: "unlimited attempts",
    target: "swarm",
    mutate: (p) => (p.taskSpec.restartPolicy.maxAttempts = 0),
    expected: [
      'Swarm service "t-web" restarts without limit: set taskSpec.restartPolicy.maxAttempts and window.',
    ],
  },
  {
    title: "no restart policy",
    target: "swarm",
    mutate: (p) => delete p.taskSpec.restartPolicy,
    expected: [
      'Swarm service "t-web" restarts without limit: set taskSpec.restartPolicy.maxAttempts and window.',
    ],
  },
  {
    title: "the kubelet's back-off bounds restarts: nothing to check",
    target: "kubernetes",
    mutate: (p) => (p.spec.template.spec.restartPolicy = "Always"),
    expected: [],
  },
  {
    title: 'mode "delay" retries forever',
    target: "nomad",
    mutate: (job) => (job.TaskGroups[0].RestartPolicy.Mode = "delay"),
    expected: [
      'Nomad job "web": group "web" restarts without limit: set restart.attempts > 0 and mode = "fail".',
    ],
  },
  {
    title: "a plain container that always restarts",
    target: "swarm",
    workload: "job",
    mutate: (p) => (p.restart = "always"),
    expected: [
      'Docker container "t-job" restarts without limit: set restart = "on-failure" with maxRetryCount.',
    ],
  },
  {
    title: "a plain container that restarts on failure a bounded number of times",
    target: "swarm",
    workload: "job",
    mutate: (p) => {
      p.restart = "on-failure";
      p.maxRetryCount = 3;
    },
    expected: [],
  },
]);
