import { z } from "zod";

/** `homeport:apps`: the image-hosting application tier's settings. */
export const appsSettings = z.object({}).strict();

/** Settings under `homeport:apps` that hold credentials. */
export const appsSecretSettings: string[] = [];
