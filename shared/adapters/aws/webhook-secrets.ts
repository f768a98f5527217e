/**
 * The GitHub webhook secret, read from SSM Parameter Store or Secrets Manager and cached per
 * container. Rotation keeps two values: the current secret and the previous one, both accepted
 * until GitHub signs with the new one. Values never leave this module except to the verifier: no
 * log line, error message or context field holds them.
 */
import { GetSecretValueCommand, ResourceNotFoundException, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetParametersCommand, SSMClient } from '@aws-sdk/client-ssm';
import { EksPilotError, UpstreamError } from '../../errors';
import { awsClient } from './clients';
import type { WebhookSecretSource } from '../../ports/webhook-secrets';

/** Where the secrets come from; `load` answers the current secret first, then the previous one if any. */

/**
 * Two SecureString parameters: the current secret and, during a rotation, the previous one. A
 * missing previous parameter is normal; a missing current one is an error.
 *
 * @example
 * const source = new SsmWebhookSecrets(new SSMClient({ region: 'eu-west-1' }), '/eks-pilot/prod/github-webhook-secret',
 * '/eks-pilot/prod/github-webhook-secret-previous');
 * await source.load(); // [current, previous]
 */
export class SsmWebhookSecrets implements WebhookSecretSource {
  readonly describe: string;
  private readonly client: SSMClient;
  private readonly names: string[];

  constructor(client: SSMClient, current: string, previous?: string) {
    this.client = client;
    this.names = previous === undefined ? [current] : [current, previous];
    this.describe = `ssm:${this.names.join(',')}`;
  }

  async load(): Promise<string[]> {
    let output;
    try {
      output = await this.client.send(new GetParametersCommand({ Names: this.names, WithDecryption: true }));
    } catch (error) {
      throw new UpstreamError(`GetParameters failed for the webhook secret: ${errorName(error)}`, {
        cause: error,
        context: { action: 'GetParameters', names: this.names },
      });
    }
    const byName = new Map((output.Parameters ?? []).map((parameter) => [parameter.Name, parameter.Value]));
    const [current, previous] = this.names;
    const currentValue = byName.get(current);
    if (currentValue === undefined || currentValue === '') {
      throw new EksPilotError(`the webhook secret parameter ${String(current)} does not exist or is empty`, { context: { name: current } });
    }
    const previousValue = previous === undefined ? undefined : byName.get(previous);
    return previousValue === undefined || previousValue === '' ? [currentValue] : [currentValue, previousValue];
  }
}

/**
 * One Secrets Manager secret: its AWSCURRENT version, and its AWSPREVIOUS version while one exists
 * (Secrets Manager's own rotation keeps exactly these two labels).
 *
 * @example
 * const source = new SecretsManagerWebhookSecrets(new SecretsManagerClient({ region: 'eu-west-1' }), 'eks-pilot/prod/github-webhook');
 */
export class SecretsManagerWebhookSecrets implements WebhookSecretSource {
  readonly describe: string;
  private readonly client: SecretsManagerClient;
  private readonly secretId: string;

  constructor(client: SecretsManagerClient, secretId: string) {
    this.client = client;
    this.secretId = secretId;
    this.describe = `secretsmanager:${secretId}`;
  }

  async load(): Promise<string[]> {
    const [current, previous] = await Promise.all([this.version('AWSCURRENT'), this.version('AWSPREVIOUS')]);
    if (current === undefined) {
      throw new EksPilotError(`the webhook secret ${this.secretId} has no AWSCURRENT string value`, { context: { secretId: this.secretId } });
    }
    return previous === undefined || previous === current ? [current] : [current, previous];
  }

  private async version(stage: 'AWSCURRENT' | 'AWSPREVIOUS'): Promise<string | undefined> {
    try {
      const output = await this.client.send(new GetSecretValueCommand({ SecretId: this.secretId, VersionStage: stage }));
      return output.SecretString === '' ? undefined : output.SecretString;
    } catch (error) {
      // A secret never rotated has no AWSPREVIOUS version.
      if (stage === 'AWSPREVIOUS' && error instanceof ResourceNotFoundException) return undefined;
      throw new UpstreamError(`GetSecretValue (${stage}) failed for the webhook secret: ${errorName(error)}`, {
        cause: error,
        context: { action: 'GetSecretValue', secretId: this.secretId, stage },
      });
    }
  }
}

/** Options of {@link CachedSecrets}. */
export interface CachedSecretsOptions {
  /** How long a loaded value is used before it is read again. Default 5 minutes. */
  ttlMs: number;
  /** A forced reload (after a signature mismatch) happens at most this often. Default 30 s. */
  minReloadMs: number;
  now: () => number;
}

const cachedSecretsDefaults: CachedSecretsOptions = { ttlMs: 5 * 60_000, minReloadMs: 30_000, now: () => Date.now() };

/**
 * Caches a {@link WebhookSecretSource} per container. `get({ reload: true })` re-reads early, at most
 * once per `minReloadMs`, so a rotation is picked up on the first mismatch rather than after the TTL,
 * and a flood of forged requests cannot turn into a flood of SSM calls.
 *
 * @example
 * const secrets = new CachedSecrets(source);
 * const [current, previous] = await secrets.get();
 */
export class CachedSecrets {
  private readonly source: WebhookSecretSource;
  private readonly options: CachedSecretsOptions;
  private cached: { at: number; values: Promise<string[]> } | undefined;

  constructor(source: WebhookSecretSource, options: Partial<CachedSecretsOptions> = {}) {
    this.source = source;
    this.options = { ...cachedSecretsDefaults, ...options };
  }

  get describe(): string {
    return this.source.describe;
  }

  /** The secrets, current first. With `reload`, reads again unless the last read is younger than `minReloadMs`; answers whether it did. */
  async get(options: { reload?: boolean } = {}): Promise<{ values: string[]; reloaded: boolean }> {
    const now = this.options.now();
    const age = this.cached === undefined ? Infinity : now - this.cached.at;
    const reload = age >= this.options.ttlMs || (options.reload === true && age >= this.options.minReloadMs);
    if (reload || this.cached === undefined) {
      const values = this.source.load();
      const entry = { at: now, values };
      this.cached = entry;
      // A failed read is not kept: the next request tries again.
      values.catch(() => {
        if (this.cached === entry) this.cached = undefined;
      });
      return { values: await values, reloaded: true };
    }
    return { values: await this.cached.values, reloaded: false };
  }
}

/**
 * Builds the source named by a setting: `ssm:<current>[,<previous>]` or `secretsmanager:<secret id or ARN>`.
 * The clients are the shared factory's, in the function's own Region.
 *
 * @example
 * createWebhookSecretSource('ssm:/eks-pilot/prod/github-webhook-secret,/eks-pilot/prod/github-webhook-secret-previous', 'eu-west-1');
 * createWebhookSecretSource('secretsmanager:eks-pilot/prod/github-webhook', 'eu-west-1');
 */
export function createWebhookSecretSource(setting: string, region: string): WebhookSecretSource {
  const colon = setting.indexOf(':');
  const scheme = colon === -1 ? '' : setting.slice(0, colon);
  const rest = setting.slice(colon + 1).trim();
  if (scheme === 'ssm') {
    const [current, previous, ...extra] = rest
      .split(',')
      .map((name) => name.trim())
      .filter(Boolean);
    if (current === undefined || extra.length > 0) {
      throw new EksPilotError('the webhook secret setting ssm:<current>[,<previous>] names one or two parameters', { context: { setting } });
    }
    return new SsmWebhookSecrets(awsClient(SSMClient, { region }), current, previous);
  }
  if (scheme === 'secretsmanager' && rest !== '') return new SecretsManagerWebhookSecrets(awsClient(SecretsManagerClient, { region }), rest);
  throw new EksPilotError('the webhook secret setting must be ssm:<parameter>[,<previous parameter>] or secretsmanager:<secret id>', { context: { setting } });
}

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : 'unknown error';
}
