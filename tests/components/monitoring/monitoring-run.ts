import { Recorder, stackConfig, startRecorder } from "../../helpers/harness";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Inputs = Record<string, any>;

/**
 * Runs the whole program's platform, with only the monitoring part, on a target under Pulumi's
 * mock monitor, and returns every resource it would create and the platform's outputs.
 */
export async function deployMonitoring(
  settings: Record<string, unknown>,
  secretKeys: string[] = [],
): Promise<{ rec: Recorder; urls: Record<string, string>; credentials: Record<string, string> }> {
  const rec = await startRecorder("dev");
  const { Platform } = await import("../../../components/platform");
  const config = stackConfig(
    { domain: "home.example.org", parts: ["monitoring"], ...settings },
    secretKeys,
  );
  const platform = new Platform("homeport", { config });
  const read = <T>(output: { apply: (f: (v: T) => void) => unknown }) =>
    new Promise<T>((resolve) => output.apply((v) => resolve(v)));
  const [urls, credentials] = await Promise.all([
    read<Record<string, string>>(platform.urls),
    read<Record<string, string>>(platform.credentials),
  ]);
  await rec.settle();
  return { rec, urls, credentials };
}

/** The label map of a docker.Service. */
export const serviceLabels = (svc: Inputs): Record<string, unknown> =>
  Object.fromEntries(
    (svc.labels as { label: string; value: unknown }[]).map((l) => [l.label, l.value]),
  );
