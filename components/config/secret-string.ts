import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";

/**
 * A credential in stack config. Parsing checks it against `format` (e.g. a URL), then wraps it as
 * a Pulumi secret at once, so it can never reach state or rendered output in plain text. The
 * loader also requires that the setting was stored with `pulumi config set --secret`, and never
 * echoes its value in an error.
 * @param format The value's own shape. @default a non-empty string
 */
export const secretString = (format: z.ZodType<string, string> = z.string().min(1)) =>
  z
    .string()
    .min(1)
    .pipe(format)
    .transform((value) => pulumi.secret(value));
