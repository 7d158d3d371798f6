import { z } from "zod";

/** `homeport:proxy`: the reverse proxy's settings. */
export const proxySettings = z.object({}).strict();

/** Settings under `homeport:proxy` that hold credentials. */
export const proxySecretSettings: string[] = [];
