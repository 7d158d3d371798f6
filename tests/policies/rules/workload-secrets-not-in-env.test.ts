import { workloadSecretsNotInEnv } from "../../../policies/rules/workload-secrets-not-in-env";
import { describeRule } from "../fixtures";

describeRule(workloadSecretsNotInEnv, [
  {
    title: "a Pulumi secret in plain env",
    target: "swarm",
    mutate: (p) => (p.taskSpec.containerSpec.env.SESSION = "[secret]"),
    expected: [
      'Swarm service "t-web": environment variable SESSION carries a secret in plain env: deliver it as a secret.',
    ],
  },
  {
    title: "a *_FILE path is not a credential",
    target: "swarm",
    mutate: (p) => (p.taskSpec.containerSpec.env.DB_PASSWORD_FILE = "/run/secrets/db"),
    expected: [],
  },
  {
    title: "a credential-named literal",
    target: "kubernetes",
    mutate: (p) =>
      p.spec.template.spec.containers[0].env.push({ name: "DB_PASSWORD", value: "hunter2" }),
    expected: [
      'Deployment "web": container "web": environment variable DB_PASSWORD looks like a credential in plain env: deliver it as a secret.',
    ],
  },
  {
    title: "a credential-named literal in task env",
    target: "nomad",
    mutate: (job) => (job.TaskGroups[0].Tasks[0].Env.GITHUB_TOKEN = "ghp_x"),
    expected: [
      'Nomad job "web": task "web": environment variable GITHUB_TOKEN looks like a credential in plain env: deliver it as a secret.',
    ],
  },
]);
