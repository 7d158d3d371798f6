import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";

/**
 * A credential in stack config. Parsing wraps it as a Pulumi secret at once, so it can never
 * reach state or rendered output in plain text. The loader also requires that the setting was
 * stored with `pulumi config set --secret`.
 */
export const secretString = () =>
  z
    .string()
    .min(1)
    .transform((value) => pulumi.secret(value));
