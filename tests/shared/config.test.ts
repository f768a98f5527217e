/**
 * The config module: every variable's default, a valid value and an invalid one with its message.
 * Each reader is given its own environment, so nothing here depends on the machine's.
 */
import {
  AWS_ENDPOINTS_NONE,
  ConfigError,
  EnvironmentReader,
  SETTING_DEFAULTS,
  awsEndpoints,
  cliDebug,
  cliSettings,
  clusterAccessSettings,
  deployWebhookSettings,
  deployWorkerSettings,
  eipManagerSettings,
  loggerSettings,
  missingSetting,
  provisionSettings,
  scaleWatchSettings,
} from '../../shared/config';
import type { Environment } from '../../shared/config';
import { DEFAULT_LEASE_TABLE } from '../../shared/adapters/aws/dynamodb-lease';
import { EksPilotError } from '../../shared/errors';
import { DEFAULT_MAX_BODY_BYTES } from '../../functions/deploy/webhook/webhook';
import { DEFAULT_POLL_MS, DEFAULT_RESERVE_MS } from '../../functions/deploy/worker/run';

const QUEUE_URL = 'https://sqs.eu-west-1.amazonaws.com/123456789012/eks-pilot-dev-deploy.fifo';
const TOPIC_ARN = 'arn:aws:sns:eu-west-1:123456789012:eks-pilot-drift';
/** What deploy-webhook cannot start without. */
const WEBHOOK_REQUIRED = { EKS_PILOT_WEBHOOK_SECRET: 'ssm:/eks-pilot/dev/github-webhook-secret', EKS_PILOT_DEPLOY_QUEUE_URL: QUEUE_URL };

/** The message a reader throws for `env`, or undefined when it reads cleanly. */
function failure(read: (env: Environment) => unknown, env: Environment): string | undefined {
  try {
    read(env);
    return undefined;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return error.message;
  }
}

describe('config', () => {
  describe('every variable: its default, a valid value, an invalid one', () => {
    type Row = [
      variable: string,
      read: (env: Environment) => unknown,
      base: Environment,
      unset: unknown,
      valid: string,
      parsed: unknown,
      invalid: string | undefined,
      message: string | undefined,
    ];
    const rows: Row[] = [
      [
        'AWS_REGION',
        (env) => provisionSettings(env).region,
        {},
        'us-east-1',
        'eu-west-1',
        'eu-west-1',
        'Ireland',
        'AWS_REGION must be an AWS Region such as eu-west-1, got "Ireland"',
      ],
      [
        'EKS_PILOT_SPECS',
        (env) => eipManagerSettings(env).specPaths,
        {},
        ['specs'],
        ' specs/a.yaml, specs/b ,',
        ['specs/a.yaml', 'specs/b'],
        undefined,
        undefined,
      ],
      [
        'EKS_PILOT_METRICS_NAMESPACE',
        (env) => scaleWatchSettings(env).metricsNamespace,
        {},
        'EksPilot',
        'EksPilotStaging',
        'EksPilotStaging',
        undefined,
        undefined,
      ],
      [
        'EKS_PILOT_DRIFT_TOPIC_ARN',
        (env) => provisionSettings(env).driftTopicArn,
        {},
        undefined,
        TOPIC_ARN,
        TOPIC_ARN,
        'eks-pilot-drift',
        'EKS_PILOT_DRIFT_TOPIC_ARN must be an SNS topic ARN (arn:aws:sns:<region>:<account>:<name>), got "eks-pilot-drift"',
      ],
      [
        'EKS_PILOT_DRIFT_PARAMETER_PREFIX',
        (env) => provisionSettings(env).driftParameterPrefix,
        {},
        '/eks-pilot/drift',
        '/eks-pilot/prod/drift',
        '/eks-pilot/prod/drift',
        'eks-pilot/drift',
        'EKS_PILOT_DRIFT_PARAMETER_PREFIX must be an SSM parameter path such as /eks-pilot/dev/drift, got "eks-pilot/drift"',
      ],
      ['EKS_PILOT_VALIDATE', (env) => provisionSettings(env).validate, {}, false, 'TRUE', true, undefined, undefined],
      ['EKS_PILOT_LEASE_TABLE', (env) => eipManagerSettings(env).leaseTable, {}, 'eks-pilot-leases', 'leases-test', 'leases-test', undefined, undefined],
      [
        'EKS_PILOT_STAGE',
        (env) => eipManagerSettings(env).stage,
        {},
        undefined,
        'prod',
        'prod',
        'prod/eu',
        'EKS_PILOT_STAGE must be a stage name of letters, digits, "-", "_" or ".", got "prod/eu"',
      ],
      [
        'AWS_LAMBDA_FUNCTION_NAME',
        (env) => eipManagerSettings(env).functionName,
        {},
        'eip-manager',
        'eks-pilot-dev-eip-manager',
        'eks-pilot-dev-eip-manager',
        undefined,
        undefined,
      ],
      [
        'EKS_PILOT_SCALE_TOPIC_ARN',
        (env) => scaleWatchSettings(env).scaleTopicArn,
        {},
        undefined,
        TOPIC_ARN,
        TOPIC_ARN,
        'arn:aws:sqs:eu-west-1:123456789012:q',
        'EKS_PILOT_SCALE_TOPIC_ARN must be an SNS topic ARN (arn:aws:sns:<region>:<account>:<name>), got "arn:aws:sqs:eu-west-1:123456789012:q"',
      ],
      ['KUBECONFIG', (env) => deployWorkerSettings(env).kubeconfig, {}, undefined, '/home/dev/.kube/kind', '/home/dev/.kube/kind', undefined, undefined],
      [
        'EKS_PILOT_WEBHOOK_MAX_BYTES',
        (env) => deployWebhookSettings(env).webhookMaxBytes,
        WEBHOOK_REQUIRED,
        1048576,
        '65536',
        65536,
        '1MB',
        'EKS_PILOT_WEBHOOK_MAX_BYTES must be a positive integer, got "1MB"',
      ],
      [
        'EKS_PILOT_DEPLOY_QUEUE_URL (worker)',
        (env) => deployWorkerSettings(env).deployQueueUrl,
        {},
        undefined,
        QUEUE_URL,
        QUEUE_URL,
        'eks-pilot-dev-deploy.fifo',
        'EKS_PILOT_DEPLOY_QUEUE_URL must be an http(s) URL, got "eks-pilot-dev-deploy.fifo"',
      ],
      [
        'EKS_PILOT_ROLLOUT_POLL_MS',
        (env) => deployWorkerSettings(env).rolloutPollMs,
        {},
        5000,
        '250',
        250,
        'abc',
        'EKS_PILOT_ROLLOUT_POLL_MS must be a positive integer, got "abc"',
      ],
      [
        'EKS_PILOT_ROLLOUT_RESERVE_MS',
        (env) => deployWorkerSettings(env).rolloutReserveMs,
        {},
        20000,
        '0',
        0,
        '-5',
        'EKS_PILOT_ROLLOUT_RESERVE_MS must be a non-negative integer, got "-5"',
      ],
      ['POWERTOOLS_SERVICE_NAME', (env) => loggerSettings(env).serviceName, {}, undefined, 'eip-manager', 'eip-manager', undefined, undefined],
      ['EKS_PILOT_SPECS (CLI)', (env) => cliSettings(env).specPaths, {}, [], 'examples/kianax', ['examples/kianax'], undefined, undefined],
      ['EKS_PILOT_DEBUG (CLI)', (env) => cliDebug(env), {}, false, '1', true, undefined, undefined],
    ];

    it.each(rows)('%s', (variable, read, base, unset, valid, parsed, invalid, message) => {
      // Prepare
      const name = variable.split(' ')[0] ?? variable;

      // Act
      const byDefault = read(base);
      const blank = read({ ...base, [name]: name === 'EKS_PILOT_SPECS' ? undefined : '  ' });
      const given = read({ ...base, [name]: valid });
      const refused = invalid === undefined ? undefined : failure(read, { ...base, [name]: invalid });

      // Assess
      expect(byDefault).toEqual(unset);
      expect(blank).toEqual(unset);
      expect(given).toEqual(parsed);
      expect(refused).toBe(message);
    });
  });

  it("keeps the defaults in one place: the constants the code falls back on are the settings' defaults", () => {
    expect(DEFAULT_LEASE_TABLE).toBe(SETTING_DEFAULTS.leaseTable);
    expect(DEFAULT_MAX_BODY_BYTES).toBe(SETTING_DEFAULTS.webhookMaxBytes);
    expect(DEFAULT_POLL_MS).toBe(SETTING_DEFAULTS.rolloutPollMs);
    expect(DEFAULT_RESERVE_MS).toBe(SETTING_DEFAULTS.rolloutReserveMs);
  });

  it('tells an empty EKS_PILOT_SPECS (no spec) from an unset one (the packaged folder)', () => {
    expect(provisionSettings({ EKS_PILOT_SPECS: '' }).specPaths).toEqual([]);
    expect(provisionSettings({}).specPaths).toEqual(['specs']);
  });

  describe('deploy-webhook', () => {
    it('names both missing settings at once, and what each names', () => {
      // Act
      const message = failure(deployWebhookSettings, {});

      // Assess
      expect(message).toBe(
        'EKS_PILOT_WEBHOOK_SECRET is not set: it names where the GitHub webhook secret is (ssm:<parameter>[,<previous>] or secretsmanager:<secret id>); ' +
          'EKS_PILOT_DEPLOY_QUEUE_URL is not set: it names the deploy queue (its URL)',
      );
    });

    it.each([
      ['ssm:/eks-pilot/dev/github-webhook-secret', true],
      ['ssm:/eks-pilot/dev/github-webhook-secret,/eks-pilot/dev/github-webhook-secret-previous', true],
      ['secretsmanager:eks-pilot/dev/github-webhook', true],
      ['ssm:/a,/b,/c', false],
      ['/eks-pilot/dev/github-webhook-secret', false],
      ['secretsmanager:', false],
    ])('reads EKS_PILOT_WEBHOOK_SECRET=%s as usable: %s', (secret, usable) => {
      // Act
      const message = failure(deployWebhookSettings, { ...WEBHOOK_REQUIRED, EKS_PILOT_WEBHOOK_SECRET: secret });

      // Assess
      if (usable) expect(message).toBeUndefined();
      else
        expect(message).toMatch(/^EKS_PILOT_WEBHOOK_SECRET (must be ssm:<parameter>\[,<previous parameter>\] or secretsmanager:<secret id>, got "|is not set)/);
    });

    it('refuses a queue URL that is not a URL', () => {
      expect(failure(deployWebhookSettings, { ...WEBHOOK_REQUIRED, EKS_PILOT_DEPLOY_QUEUE_URL: 'deploy.fifo' })).toBe(
        'EKS_PILOT_DEPLOY_QUEUE_URL must be an http(s) URL, got "deploy.fifo"',
      );
    });

    it('hands out the settings typed and frozen', () => {
      // Act
      const settings = deployWebhookSettings({ ...WEBHOOK_REQUIRED, AWS_REGION: 'eu-west-1' });

      // Assess
      expect(settings).toEqual({
        region: 'eu-west-1',
        specPaths: ['specs'],
        endpoints: { byService: {} },
        webhookSecret: 'ssm:/eks-pilot/dev/github-webhook-secret',
        deployQueueUrl: QUEUE_URL,
        webhookMaxBytes: 1048576,
      });
      expect(Object.isFrozen(settings)).toBe(true);
    });
  });

  describe('AWS endpoints', () => {
    it.each([
      [{}, AWS_ENDPOINTS_NONE],
      [{ AWS_ENDPOINT_URL: 'http://127.0.0.1:5000' }, { all: 'http://127.0.0.1:5000', byService: {} }],
      [
        { AWS_ENDPOINT_URL_SQS: 'http://127.0.0.1:5000', AWS_ENDPOINT_URL_SECRETS_MANAGER: 'http://127.0.0.1:5001' },
        { byService: { SQS: 'http://127.0.0.1:5000', SECRETS_MANAGER: 'http://127.0.0.1:5001' } },
      ],
      [
        { AWS_ENDPOINT_URL: 'http://127.0.0.1:5000', AWS_ENDPOINT_URL_STS: 'http://127.0.0.1:5002', AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: 'TRUE' },
        AWS_ENDPOINTS_NONE,
      ],
      [{ AWS_ENDPOINT_URL: '', AWS_ENDPOINT_URL_EKS: ' ' }, AWS_ENDPOINTS_NONE],
    ])('reads %j as %j', (env, expected) => {
      expect(awsEndpoints(env)).toEqual(expected);
    });

    it('names every endpoint that is not an http(s) URL', () => {
      expect(failure(awsEndpoints, { AWS_ENDPOINT_URL: 'localhost:4566', AWS_ENDPOINT_URL_SQS: 'ftp://127.0.0.1' })).toBe(
        'AWS_ENDPOINT_URL must be an http(s) URL, got "localhost:4566"; AWS_ENDPOINT_URL_SQS must be an http(s) URL, got "ftp://127.0.0.1"',
      );
    });

    it("are part of every function's settings and of the cluster access settings", () => {
      // Prepare
      const env = { AWS_ENDPOINT_URL: 'http://127.0.0.1:5000', KUBECONFIG: '/tmp/kind' };

      // Act
      const access = clusterAccessSettings(env);

      // Assess
      expect(access).toEqual({ kubeconfig: '/tmp/kind', endpoints: { all: 'http://127.0.0.1:5000', byService: {} } });
      expect(provisionSettings(env).endpoints).toEqual(access.endpoints);
      expect(scaleWatchSettings(env).endpoints).toEqual(access.endpoints);
      expect(cliSettings(env).endpoints).toEqual(access.endpoints);
    });
  });

  describe('ConfigError', () => {
    it('lists every bad variable, in its context too, and is an EksPilotError the middleware logs', () => {
      // Act
      let caught: unknown;
      try {
        deployWorkerSettings({ EKS_PILOT_ROLLOUT_POLL_MS: '1.5', EKS_PILOT_ROLLOUT_RESERVE_MS: 'soon', AWS_REGION: 'moon' });
      } catch (error) {
        caught = error;
      }

      // Assess
      expect(caught).toBeInstanceOf(ConfigError);
      expect(caught).toBeInstanceOf(EksPilotError);
      const error = caught as ConfigError;
      expect(error.name).toBe('ConfigError');
      expect(error.issues.map((issue) => issue.variable)).toEqual(['AWS_REGION', 'EKS_PILOT_ROLLOUT_POLL_MS', 'EKS_PILOT_ROLLOUT_RESERVE_MS']);
      expect(error.context).toEqual({ variables: ['AWS_REGION', 'EKS_PILOT_ROLLOUT_POLL_MS', 'EKS_PILOT_ROLLOUT_RESERVE_MS'] });
      expect(error.message).toContain('EKS_PILOT_ROLLOUT_POLL_MS must be a positive integer, got "1.5"');
    });

    it('cuts a long value it echoes', () => {
      expect(failure(deployWorkerSettings, { EKS_PILOT_ROLLOUT_POLL_MS: 'x'.repeat(5000) })).toMatch(
        /^EKS_PILOT_ROLLOUT_POLL_MS must be a positive integer, got "x{200}… \(5000 characters\)"$/,
      );
    });

    it('refuses a number beyond what JavaScript counts exactly', () => {
      expect(failure(deployWorkerSettings, { EKS_PILOT_ROLLOUT_POLL_MS: '99999999999999999999' })).toBe(
        'EKS_PILOT_ROLLOUT_POLL_MS must be a positive integer, got "99999999999999999999"',
      );
      expect(failure(deployWorkerSettings, { EKS_PILOT_ROLLOUT_POLL_MS: '0' })).toBe('EKS_PILOT_ROLLOUT_POLL_MS must be a positive integer, got "0"');
    });

    it('is what missingSetting makes for a setting only one path needs', () => {
      expect(missingSetting('EKS_PILOT_DEPLOY_QUEUE_URL', 'the deploy queue (its URL)').message).toBe(
        'EKS_PILOT_DEPLOY_QUEUE_URL is not set: it names the deploy queue (its URL)',
      );
    });
  });

  it("reads process.env at call time when given no environment, as Powertools' service does", () => {
    // Prepare
    const originalEnv = process.env;
    process.env = { ...originalEnv, EKS_PILOT_LEASE_TABLE: 'from-the-environment' };

    // Act
    const read = (() => {
      try {
        return [eipManagerSettings().leaseTable, new EnvironmentReader().text('EKS_PILOT_LEASE_TABLE')];
      } finally {
        process.env = originalEnv;
      }
    })();

    // Assess
    expect(read).toEqual(['from-the-environment', 'from-the-environment']);
  });
});
