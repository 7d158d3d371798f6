import { Recorder, stackConfig, startRecorder, testParent } from "../../helpers/harness";

/**
 * Renders the media part alone under Pulumi's mock monitor, on the real adapter of the settings'
 * target (routes naming the ACME resolver), and returns the recorder and the chain's URLs.
 */
export async function renderMedia(
  settings: Record<string, unknown>,
): Promise<{ rec: Recorder; urls: Record<string, string> }> {
  const rec = await startRecorder("test");
  const { createAdapter } = await import("../../../components/platforms/create-adapter");
  const { MediaChain } = await import("../../../components/media/media-chain");
  const { mediaChainArgs } = await import("../../../components/stack-args");
  const config = stackConfig({ environment: "production", parts: ["media"], ...settings });
  const parent = await testParent();
  const platform = createAdapter(config, { certResolver: "acme" }, parent);
  // The storage part first, as the Platform builds it (Nomad's CSI volumes wait for it).
  const { storagePlan } = await import("../../../components/stack-args");
  const plan = storagePlan(config);
  if (plan) platform.provisionStorage(plan, { parent });
  const chain = new MediaChain("media", { ...mediaChainArgs(config), platform }, { parent });
  await rec.settle();
  const urls = Object.fromEntries(
    await Promise.all(
      Object.entries(chain.urls).map(
        ([k, o]) => new Promise<[string, string]>((resolve) => o.apply((v) => resolve([k, v]))),
      ),
    ),
  );
  return { rec, urls };
}
