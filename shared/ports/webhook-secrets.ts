/**
 * Where deploy's webhook finds the GitHub webhook secret. The adapters (SSM Parameter Store,
 * Secrets Manager, the per-container cache) are shared/adapters/aws/webhook-secrets.ts; they raise
 * `UpstreamError` (shared/errors.ts) when the store cannot be read. Values never reach a log line.
 */

/**
 * Where the secrets come from; `load` answers the current secret first, then the previous one if any.
 *
 * @example
 * const [current, previous] = await source.load();
 */
export interface WebhookSecretSource {
  /** For logs and errors: the parameter names or the secret id, never a value. */
  readonly describe: string;
  load(): Promise<string[]>;
}
