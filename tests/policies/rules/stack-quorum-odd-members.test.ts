import { stackQuorumOddMembers } from "../../../policies/rules/stack-quorum-odd-members";
import { describeRule } from "../fixtures";

const QUORUM = { quorumWorkloads: ["web"] };
const message = (subject: string, n: number) =>
  `${subject} runs ${n} quorum member(s): run an odd number, at least 3.`;

describeRule(stackQuorumOddMembers, [
  {
    title: "three members pass",
    target: "swarm",
    config: QUORUM,
    mutate: () => {},
    expected: [],
  },
  {
    title: "an even number of members",
    target: "swarm",
    config: QUORUM,
    mutate: (p) => (p.mode.replicated.replicas = 4),
    expected: [message('Swarm service "t-web"', 4)],
  },
  {
    title: "a single member",
    target: "kubernetes",
    config: QUORUM,
    mutate: (p) => (p.spec.replicas = 1),
    expected: [message('Deployment "web"', 1)],
  },
  {
    title: "two members",
    target: "nomad",
    config: QUORUM,
    mutate: (job) => (job.TaskGroups[0].Count = 2),
    expected: [message('Nomad job "web"', 2)],
  },
]);
