import { createLogger, redact, REDACTED } from '../../../shared/lambda/logger';
import { captureLogLines } from '../../../testing/log-lines';

describe('createLogger', () => {
  const originalEnv = process.env;

  beforeEach(() => {
    // Without the variables that change what the logger prints, so the machine's own settings cannot leak in.
    const cleared = new Set(['POWERTOOLS_DEV', 'POWERTOOLS_SERVICE_NAME', 'POWERTOOLS_LOG_LEVEL', 'LOG_LEVEL', 'AWS_LAMBDA_LOG_LEVEL']);
    process.env = Object.fromEntries(Object.entries(originalEnv).filter(([key]) => !cleared.has(key)));
  });

  afterEach(() => {
    process.env = originalEnv;
    jest.restoreAllMocks();
  });

  it('prints one JSON object per line', () => {
    // Prepare
    const logs = captureLogLines();
    const logger = createLogger();

    // Act
    logger.info('elastic IP associated', { allocationId: 'eipalloc-0abc', instanceId: 'i-0def' });
    logger.warn('cluster update in progress', { cluster: 'payments' });

    // Assess
    expect(logs.raw().split('\n').filter(Boolean)).toHaveLength(2);
    expect(logs.lines()).toEqual([
      expect.objectContaining({ level: 'INFO', message: 'elastic IP associated', allocationId: 'eipalloc-0abc' }),
      expect.objectContaining({ level: 'WARN', message: 'cluster update in progress', cluster: 'payments' }),
    ]);
  });

  it('names the service after POWERTOOLS_SERVICE_NAME, then eks-pilot, unless it is given a name', () => {
    // Prepare
    const logs = captureLogLines();

    // Act
    createLogger().info('default');
    process.env.POWERTOOLS_SERVICE_NAME = 'eip-manager';
    createLogger().info('from the environment');
    createLogger({ serviceName: 'webhook' }).info('given');

    // Assess
    expect(logs.lines().map((line) => line.service)).toEqual(['eks-pilot', 'eip-manager', 'webhook']);
  });

  it('logs at INFO unless LOG_LEVEL says otherwise', () => {
    // Prepare
    const logs = captureLogLines();

    // Act
    createLogger().debug('hidden at INFO');
    process.env.LOG_LEVEL = 'DEBUG';
    createLogger().debug('shown at DEBUG');
    process.env.LOG_LEVEL = 'ERROR';
    createLogger().warn('hidden at ERROR');

    // Assess
    expect(logs.lines().map((line) => line.message)).toEqual(['shown at DEBUG']);
  });

  it.each([['token'], ['SessionToken'], ['webhookSecret'], ['password'], ['Authorization'], ['X-Hub-Signature-256'], ['SecretAccessKey'], ['apiKey']])(
    'never prints a value under the key %s, however deep',
    (key) => {
      // Prepare
      const logs = captureLogLines();
      const logger = createLogger();

      // Act
      logger.info('request received', { headers: [{ [key]: 'do-not-print-me' }] });

      // Assess
      expect(logs.raw()).not.toContain('do-not-print-me');
      expect(logs.lines()[0]).toMatchObject({ headers: [{ [key]: REDACTED }] });
    },
  );
});

describe('redact', () => {
  it('replaces values under secret-looking keys in nested objects and arrays, and leaves the rest', () => {
    // Prepare
    const value = { cluster: 'payments', auth: { token: 'k8s-aws-v1.abc', user: 'eks-pilot' }, hooks: [{ secret: 's' }] };

    // Act
    const redacted = redact(value);

    // Assess
    expect(redacted).toEqual({ cluster: 'payments', auth: { token: REDACTED, user: 'eks-pilot' }, hooks: [{ secret: REDACTED }] });
  });

  it('does not change the object it is given', () => {
    // Prepare
    const value = { auth: { token: 'k8s-aws-v1.abc' } };

    // Act
    redact(value);

    // Assess
    expect(value.auth.token).toBe('k8s-aws-v1.abc');
  });

  it('returns a circular reference as a marker rather than looping', () => {
    // Prepare
    const value: Record<string, unknown> = { cluster: 'payments' };
    value.self = value;

    // Act
    const redacted = redact(value);

    // Assess
    expect(redacted).toEqual({ cluster: 'payments', self: '[circular]' });
  });
});
