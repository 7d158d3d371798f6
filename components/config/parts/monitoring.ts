import { z } from "zod";

/** `homeport:monitoring`: the monitoring part's settings. */
export const monitoringSettings = z.object({}).strict();

/** Settings under `homeport:monitoring` that hold credentials. */
export const monitoringSecretSettings: string[] = [];
