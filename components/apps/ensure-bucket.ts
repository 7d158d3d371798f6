import { mebibytes, millicores, scratchVolume, WorkloadSpec } from "../model";
import { withSecretFiles } from "./secret-files";
import { AppWiring, appEnvironment, secretVariables } from "./wiring";

/**
 * Creates the bucket, once, before any backend starts: the backend creates it at import time,
 * and replicas starting together would race. Waits for S3 to answer first (up to 5 minutes).
 */
export const ENSURE_BUCKET_SCRIPT = [
  "import sys, time",
  "for attempt in range(60):",
  "    try:",
  "        from image_api.storage import bucket",
  "        if bucket.creation_date is None:",
  "            bucket.create()",
  '        print("bucket ready:", bucket.name, flush=True)',
  "        sys.exit(0)",
  "    except Exception as err:",
  '        print("waiting for S3:", err, flush=True)',
  "        time.sleep(5)",
  "sys.exit(1)",
].join("\n");

/** The run-to-completion job that makes the bucket exist. */
export function bucketInitSpec(opts: { readonly image: string }, wiring: AppWiring): WorkloadSpec {
  const { env, secrets } = appEnvironment(wiring);
  return {
    image: opts.image,
    // The bucket is S3's alone: the job never talks to the broker.
    flows: [wiring.s3.flow],
    command: withSecretFiles(secretVariables(secrets), ["python", "-c", ENSURE_BUCKET_SCRIPT]),
    env,
    secrets,
    resources: {
      requests: { cpu: millicores(50), memory: mebibytes(128) },
      limits: { memory: mebibytes(256) },
    },
    scheduling: { mode: "job" },
    volumes: [scratchVolume()],
    security: { user: "10001:10001" },
  };
}
