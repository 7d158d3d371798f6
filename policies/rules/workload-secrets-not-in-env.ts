import { containersOf, plainEnvOf } from "../lib/containers";
import { workloadRule } from "../lib/rule";
import { RENDERED_SECRET } from "../lib/values";

export interface SecretsEnvConfig {
  readonly sensitiveNamePattern: string;
}

export const workloadSecretsNotInEnv = workloadRule<SecretsEnvConfig>({
  name: "workload-secrets-not-in-env",
  description:
    "Secrets reach workloads as orchestrator secrets, never as plain environment values.",
  severity: "high",
  docs: {
    catalogue: ["S10"],
    swarm:
      "`containerSpec.env` holds no secret value and no credential-named variable (use Swarm secrets and `*_FILE`).",
    kubernetes:
      "No container `env` entry with a literal `value` holds a secret or has a credential name (use `valueFrom.secretKeyRef`).",
    nomad:
      "No task `env` holds a secret or a credential-named variable (use Nomad Variables through templates).",
  },
  config: {
    sensitiveNamePattern: {
      type: "string",
      default: "PASSW(OR)?D|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|ACCESS_?KEY|CREDENTIAL",
      description:
        "Case-insensitive pattern of credential variable names (names ending in _FILE or _PATH are paths, not values).",
    },
  },
  check({ workload: w, config, report }) {
    const sensitive = new RegExp(config.sensitiveNamePattern, "i");
    for (const c of containersOf(w)) {
      for (const { name, value } of plainEnvOf(c, w)) {
        if (typeof value !== "string" || value === "") continue;
        if (value === RENDERED_SECRET)
          report(
            `${c.where}: environment variable ${name} carries a secret in plain env: deliver it as a secret.`,
          );
        else if (
          sensitive.test(name) &&
          !/_(FILE|PATH)$/i.test(name) &&
          // LinuxServer images read FILE__<VAR> as the path of <VAR>'s value.
          !/^FILE__/.test(name) &&
          !value.includes("{{")
        )
          report(
            `${c.where}: environment variable ${name} looks like a credential in plain env: deliver it as a secret.`,
          );
      }
    }
  },
});
