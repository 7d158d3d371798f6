import { workloadRollbackOnFailure } from "../../../policies/rules/workload-rollback-on-failure";
import { describeRule } from "../fixtures";

describeRule(workloadRollbackOnFailure, [
  {
    title: "a failed update pauses",
    target: "swarm",
    mutate: (p) => (p.updateConfig.failureAction = "pause"),
    expected: [
      'Swarm service "t-web" does not roll back a failed update: set updateConfig.failureAction = "rollback".',
    ],
  },
  {
    title: "a stateless Deployment that recreates",
    target: "kubernetes",
    mutate: (p) => (p.spec.strategy = { type: "Recreate" }),
    expected: ['Deployment "web" uses the Recreate strategy: use RollingUpdate.'],
  },
  {
    title: "no progress deadline",
    target: "kubernetes",
    mutate: (p) => delete p.spec.progressDeadlineSeconds,
    expected: ['Deployment "web" has no progressDeadlineSeconds: set it so a stuck rollout fails.'],
  },
  {
    title: "a StatefulSet updated on delete",
    target: "kubernetes",
    workload: "db",
    mutate: (p) => (p.spec.updateStrategy = { type: "OnDelete" }),
    expected: ['StatefulSet "db" uses the OnDelete update strategy: use RollingUpdate.'],
  },
  {
    title: "no auto revert",
    target: "nomad",
    mutate: (job) => (job.Update.AutoRevert = false),
    expected: [
      'Nomad job "web": group "web" does not revert a failed deployment: set update.auto_revert = true.',
    ],
  },
]);
