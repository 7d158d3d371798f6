import { readStackConfig } from "./config/read";
import { Platform } from "./platform";
import { stackChecks } from "./stack-checks";

/** How the program is run, beyond Pulumi's runtime (for `npm run render`). */
export interface ProgramOptions {
  /** The stack file. @default Pulumi.<stack>.yaml in the project directory */
  readonly stackFile?: string;
}

/**
 * The Pulumi program: validate the whole stack config first (a bad config creates nothing, and
 * every problem is reported at once), then build the platform and export its URLs and credentials.
 */
export async function program(options: ProgramOptions = {}) {
  const { config } = readStackConfig({
    stackFile: options.stackFile,
    checks: (baseDir) => stackChecks({ baseDir }),
  });
  const platform = new Platform("homeport", { config });
  return {
    target: config.target,
    environment: config.environment,
    urls: platform.urls,
    credentials: platform.credentials,
  };
}
