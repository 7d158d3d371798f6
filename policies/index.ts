import { PolicyPack } from "@pulumi/policy";
import { PACK_NAME, POLICIES } from "./lib/catalogue";

// Advisory unless the pack config (config/<environment>.json) says otherwise.
new PolicyPack(PACK_NAME, { policies: [...POLICIES], enforcementLevel: "advisory" });
