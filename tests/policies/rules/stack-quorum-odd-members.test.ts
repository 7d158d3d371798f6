import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { stackQuorumOddMembers } from "../../../policies/rules/stack-quorum-odd-members";
import { RenderedResource } from "../../helpers/harness";
import { describeRule, renderFixtures, stackViolations, workloadLeaf } from "../fixtures";

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

describe("stack-quorum-odd-members across a cluster's member services", () => {
  let resources: RenderedResource[];
  before(async () => {
    resources = await renderFixtures();
  });

  /** Member n of a cluster that runs one Swarm service per member, as RabbitMQ does on Swarm. */
  const member = (n: number): RenderedResource => {
    const leaf = workloadLeaf(resources, "swarm", "web", (p) => {
      p.name = `t-web-${n}`;
      p.mode.replicated.replicas = 1;
      p.labels = [
        ...p.labels.filter((l: { label: string }) => l.label !== "homeport.dev/workload"),
        { label: "homeport.dev/workload", value: `web-${n}` },
        { label: "homeport.dev/cluster", value: "web" },
      ];
    });
    return { ...leaf, name: `web-${n}`, urn: `${leaf.urn}-${n}` };
  };
  const config = { quorumWorkloads: ["web"], minMembers: 3 };

  it("counts three single-replica members as one three-member cluster", () => {
    assert.deepEqual(stackViolations(stackQuorumOddMembers, [0, 1, 2].map(member), config), []);
  });

  it("flags a two-member cluster once, naming its members", () => {
    assert.deepEqual(stackViolations(stackQuorumOddMembers, [0, 1].map(member), config), [
      'cluster "web" (Swarm service "t-web-0", Swarm service "t-web-1") runs 2 quorum member(s): run an odd number, at least 3.',
    ]);
  });
});
