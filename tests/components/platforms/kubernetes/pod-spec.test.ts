import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { resolveWorkload } from "../../../../components/model/resolve";
import { controllerKind, podSpec } from "../../../../components/platforms/kubernetes/pod-spec";

describe("Kubernetes manifests for run-to-completion jobs", () => {
  const job = resolveWorkload("bucket-init", "apps", {
    image: "app:1.0.0",
    command: ["python", "-c", "print(1)"],
    scheduling: { mode: "job" },
  });

  it("makes a job a Job, whose failed pods are not restarted in place", () => {
    assert.equal(controllerKind(job), "Job");
    assert.equal(podSpec(job).restartPolicy, "Never");
  });

  it("does not spread a single run-to-completion pod", () => {
    assert.equal(podSpec(job).topologySpreadConstraints, undefined);
  });

  it("leaves the restart policy of long-running pods to their controller", () => {
    const web = resolveWorkload("web", "apps", { image: "app:1.0.0" });
    assert.equal(controllerKind(web), "Deployment");
    assert.equal(podSpec(web).restartPolicy, undefined);
  });
});
