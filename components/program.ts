import { readStackConfig } from "./config/read";
import { Platform } from "./platform";

/**
 * The Pulumi program: validate the whole stack config first (a bad config creates nothing),
 * then build the platform and export its URLs and credentials.
 */
export async function program() {
  const config = readStackConfig();
  const platform = new Platform("homeport", { config });
  return {
    target: config.target,
    environment: config.environment,
    urls: platform.urls,
    credentials: platform.credentials,
  };
}
