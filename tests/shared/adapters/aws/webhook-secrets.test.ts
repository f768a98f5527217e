import { GetSecretValueCommand, ResourceNotFoundException, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetParametersCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { resetAwsClients } from '../../../../shared/adapters/aws/clients';
import { CachedSecrets, createWebhookSecretSource, SecretsManagerWebhookSecrets, SsmWebhookSecrets } from '../../../../shared/adapters/aws/webhook-secrets';
import type { WebhookSecretSource } from '../../../../shared/ports/webhook-secrets';
import { EksPilotError, UpstreamError } from '../../../../shared/errors';

const ssm = mockClient(SSMClient);
const secretsManager = mockClient(SecretsManagerClient);

describe('webhook secret sources', () => {
  beforeEach(() => {
    ssm.reset();
    secretsManager.reset();
    resetAwsClients();
  });

  it('reads the current and previous SSM parameters in one decrypted GetParameters call', async () => {
    // Prepare
    ssm.on(GetParametersCommand).resolves({
      Parameters: [
        { Name: '/s/previous', Value: 'old' },
        { Name: '/s/current', Value: 'new' },
      ],
    });
    const source = new SsmWebhookSecrets(new SSMClient({ region: 'eu-west-1' }), '/s/current', '/s/previous');

    // Act
    const values = await source.load();

    // Assess
    expect(values).toEqual(['new', 'old']);
    expect(ssm).toHaveReceivedCommandWith(GetParametersCommand, { Names: ['/s/current', '/s/previous'], WithDecryption: true });
  });

  it('fails without the value in the message when the current parameter is missing', async () => {
    // Prepare
    ssm.on(GetParametersCommand).resolves({ Parameters: [{ Name: '/s/previous', Value: 'old-secret-value' }], InvalidParameters: ['/s/current'] });
    const source = new SsmWebhookSecrets(new SSMClient({ region: 'eu-west-1' }), '/s/current', '/s/previous');

    // Act
    const error = await source.load().catch((caught: unknown) => caught);

    // Assess
    expect(error).toBeInstanceOf(EksPilotError);
    expect((error as Error).message).toBe('the webhook secret parameter /s/current does not exist or is empty');
    expect(JSON.stringify((error as EksPilotError).context)).not.toContain('old-secret-value');
  });

  it('reads AWSCURRENT and AWSPREVIOUS from Secrets Manager, and only the current one before any rotation', async () => {
    // Prepare
    secretsManager.on(GetSecretValueCommand, { SecretId: 'hook', VersionStage: 'AWSCURRENT' }).resolves({ SecretString: 'new' });
    secretsManager
      .on(GetSecretValueCommand, { SecretId: 'hook', VersionStage: 'AWSPREVIOUS' })
      .rejects(new ResourceNotFoundException({ message: 'no such version', $metadata: {} }));
    const source = new SecretsManagerWebhookSecrets(new SecretsManagerClient({ region: 'eu-west-1' }), 'hook');

    // Act
    const values = await source.load();

    // Assess
    expect(values).toEqual(['new']);
    expect(secretsManager).toHaveReceivedCommandTimes(GetSecretValueCommand, 2);
  });

  it('wraps an SDK failure in an UpstreamError with the action and the cause', async () => {
    // Prepare
    const cause = new Error('AccessDeniedException');
    secretsManager.on(GetSecretValueCommand).rejects(cause);
    const source = new SecretsManagerWebhookSecrets(new SecretsManagerClient({ region: 'eu-west-1' }), 'hook');

    // Act
    const error = await source.load().catch((caught: unknown) => caught);

    // Assess
    expect(error).toBeInstanceOf(UpstreamError);
    expect((error as UpstreamError).cause).toBe(cause);
  });

  it.each([
    ['ssm:/a', 'ssm:/a'],
    ['ssm:/a,/b', 'ssm:/a,/b'],
    ['secretsmanager:eks-pilot/hook', 'secretsmanager:eks-pilot/hook'],
  ])('builds the source %s names', (setting, describe) => {
    // Prepare: the table

    // Act
    const source = createWebhookSecretSource(setting, 'eu-west-1');

    // Assess
    expect(source.describe).toBe(describe);
  });

  it.each(['plain-value', 'ssm:', 'ssm:/a,/b,/c', 'vault:x'])('refuses the setting %s', (setting) => {
    // Prepare: the table

    // Act
    const build = (): unknown => createWebhookSecretSource(setting, 'eu-west-1');

    // Assess
    expect(build).toThrow(EksPilotError);
  });
});

describe('CachedSecrets', () => {
  function counting(values: string[][]): WebhookSecretSource & { calls: number } {
    const source = {
      describe: 'test',
      calls: 0,
      load: () => {
        const next = values[Math.min(source.calls, values.length - 1)] ?? [];
        source.calls += 1;
        return Promise.resolve(next);
      },
    };
    return source;
  }

  it('reads once per TTL, reloads early after a mismatch at most once per floor, and so picks up a rotation', async () => {
    // Prepare
    let now = 0;
    const source = counting([['old'], ['new']]);
    const cache = new CachedSecrets(source, { ttlMs: 300_000, minReloadMs: 30_000, now: () => now });

    // Act
    const first = await cache.get();
    now = 10_000;
    const tooSoon = await cache.get({ reload: true });
    now = 40_000;
    const rotated = await cache.get({ reload: true });
    const cached = await cache.get();

    // Assess
    expect(first).toEqual({ values: ['old'], reloaded: true });
    expect(tooSoon).toEqual({ values: ['old'], reloaded: false });
    expect(rotated).toEqual({ values: ['new'], reloaded: true });
    expect(cached).toEqual({ values: ['new'], reloaded: false });
    expect(source.calls).toBe(2);
  });

  it('does not keep a failed read', async () => {
    // Prepare
    let calls = 0;
    const cache = new CachedSecrets({
      describe: 'test',
      load: () => (++calls === 1 ? Promise.reject(new Error('throttled')) : Promise.resolve(['s'])),
    });

    // Act
    const failed = await cache.get().catch((error: unknown) => error);
    const next = await cache.get();

    // Assess
    expect(failed).toBeInstanceOf(Error);
    expect(next.values).toEqual(['s']);
  });
});
