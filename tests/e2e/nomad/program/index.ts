/**
 * A tiny Pulumi program for the Nomad contract suite: one NomadVariable and one NomadJob (a
 * raw_exec job: Python's http.server on a dynamic port, registered in Nomad's own service
 * catalogue with an HTTP check). The suite runs it with the real CLI (`pulumi up`, `preview`,
 * `destroy`) against the stand-in for Nomad's HTTP API, which runs nothing. Settings: address,
 * datacenter, count, token (secret).
 */
import * as pulumi from "@pulumi/pulumi";
import { NomadJob, NomadVariable } from "../../../../components/platforms/nomad/nomad-job";

const config = new pulumi.Config();
const address = config.require("address");
const datacenter = config.require("datacenter");
const count = config.getNumber("count") ?? 1;
const SECOND = 1_000_000_000;

const JOB_ID = "homeport-e2e-web";

const jobspec = {
  ID: JOB_ID,
  Name: JOB_ID,
  Type: "service",
  Datacenters: [datacenter],
  Meta: { homeport_dev_workload: "web" },
  Update: {
    MaxParallel: 1,
    HealthCheck: "checks",
    MinHealthyTime: 2 * SECOND,
    HealthyDeadline: 60 * SECOND,
    ProgressDeadline: 120 * SECOND,
    AutoRevert: false,
  },
  TaskGroups: [
    {
      Name: "web",
      Count: count,
      Networks: [{ DynamicPorts: [{ Label: "http" }] }],
      Services: [
        {
          Name: JOB_ID,
          PortLabel: "http",
          Provider: "nomad",
          Checks: [
            {
              Name: "web-http",
              Type: "http",
              Path: "/",
              PortLabel: "http",
              Interval: 2 * SECOND,
              Timeout: SECOND,
            },
          ],
        },
      ],
      Tasks: [
        {
          Name: "web",
          Driver: "raw_exec",
          Config: {
            command: "/usr/bin/python3",
            args: ["-m", "http.server", "${NOMAD_PORT_http}", "--bind", "${NOMAD_IP_http}"],
          },
          Resources: { CPU: 100, MemoryMB: 64 },
        },
      ],
    },
  ],
};

const secrets = new NomadVariable("web-secrets", {
  path: `nomad/jobs/${JOB_ID}`,
  items: { token: config.requireSecret("token") },
  address,
});

const job = new NomadJob(
  "web",
  { jobspec: JSON.stringify(jobspec), address, purgeOnDestroy: true, detach: false },
  { dependsOn: [secrets] },
);

export const jobId = job.jobId;
export const variablePath = secrets.path;
