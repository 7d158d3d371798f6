import * as pulumi from "@pulumi/pulumi";
import { Part, StackConfig } from "./config/schema";
import { PlatformAdapter } from "./model";

/** What a platform part receives: the validated stack config, the target, and earlier parts. */
export interface PartContext {
  readonly config: StackConfig;
  readonly platform: PlatformAdapter;
  /** Outputs of the parts built before this one (the proxy is built first). */
  readonly built: Partial<Record<Part, PartOutputs>>;
}

/** What a part offers to the parts after it and to the stack's outputs. */
export interface PartOutputs {
  /** Public URLs, exported as stack outputs. */
  readonly urls?: Record<string, pulumi.Output<string>>;
  /** Credentials users need (generated passwords…), exported as secret stack outputs. */
  readonly credentials?: Record<string, pulumi.Output<string>>;
}

/** Builds one part as a component under `parent`. */
export type PartBuilder = (
  ctx: PartContext,
  opts: { readonly parent: pulumi.Resource },
) => PartOutputs;
