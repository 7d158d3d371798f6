/**
 * Swarm delivers secrets as files only: the workload gets `<VAR>_FILE` pointing at the file
 * instead of `<VAR>` itself. Images that read `<VAR>` (RabbitMQ, MinIO, the app) are started
 * through a small shell prelude that reads each file into its variable and drops the `_FILE`
 * variable. On Kubernetes and Nomad the variables are set directly and the prelude does nothing.
 */

/** A secret that reaches the process as an environment variable. */
export interface SecretVariable {
  /** The variable the process reads. */
  readonly env: string;
  /** The variable that names the file holding it. @default `${env}_FILE` */
  readonly fileEnv?: string;
}

const VAR = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The POSIX sh prelude that loads each secret file into its variable. */
export function secretFilePrelude(vars: readonly SecretVariable[]): string {
  return vars
    .map(({ env, fileEnv = `${env}_FILE` }) => {
      if (!VAR.test(env) || !VAR.test(fileEnv))
        throw new Error(`"${env}" / "${fileEnv}" are not valid variable names.`);
      return (
        `if [ -n "\${${fileEnv}:-}" ]; then ` +
        `${env}="$(cat "$${fileEnv}")" || { echo "cannot read $${fileEnv}" >&2; exit 1; }; ` +
        `export ${env}; unset ${fileEnv}; fi`
      );
    })
    .join("\n");
}

/**
 * A command line that loads the secret files, runs `extra` shell lines, then executes `argv`
 * (`exec`, so the program keeps PID 1's signals).
 */
export function withSecretFiles(
  vars: readonly SecretVariable[],
  argv: readonly string[],
  extra: readonly string[] = [],
): string[] {
  const script = [secretFilePrelude(vars), ...extra, 'exec "$@"'].filter((l) => l !== "");
  return ["sh", "-c", script.join("\n"), "sh", ...argv];
}
