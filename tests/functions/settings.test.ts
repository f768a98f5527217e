/**
 * The handlers read their settings when a request starts, through shared/config.ts: a missing or
 * malformed setting fails that request with a message naming the variable (never the import, never
 * a stack), and the next request with the setting fixed succeeds without a new container.
 */
import path from 'node:path';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import pingEvent from '../../events/deploy/webhook-ping.json';
import planDeployEvent from '../../events/deploy/plan.json';
import planProvisionEvent from '../../events/provision/plan-kianax.json';
import alarmsPlanEvent from '../../events/scale-watch/alarms-plan.json';
import { handler as webhookHandler, resetWebhookDeps } from '../../functions/deploy/webhook/handler';
import { handler as workerHandler, resetWorkerDeps } from '../../functions/deploy/worker/handler';
import { handler as provisionHandler } from '../../functions/provision/handler';
import { handler as eipHandler } from '../../functions/eip-manager/handler';
import { handler as scaleWatchHandler } from '../../functions/scale-watch/handler';
import { lambdaContext } from '../../testing/lambda-context';
import { rejected } from '../../testing/answers';
import { captureLogLines } from '../../testing/log-lines';

const EXAMPLES = path.join(__dirname, '..', '..', 'examples');

describe('settings read per request', () => {
  const originalEnv = process.env;

  beforeEach(() => {
    process.env = { ...originalEnv, POWERTOOLS_METRICS_DISABLED: 'true', AWS_REGION: 'eu-west-1' };
    delete process.env.EKS_PILOT_WEBHOOK_SECRET;
    delete process.env.EKS_PILOT_DEPLOY_QUEUE_URL;
    resetWebhookDeps();
    resetWorkerDeps();
  });

  afterEach(() => {
    process.env = originalEnv;
    jest.restoreAllMocks();
  });

  it('answers a webhook delivery 500 while its secret and queue are not set, and logs which variables are missing', async () => {
    // Prepare
    const logs = captureLogLines();

    // Act
    const response = (await webhookHandler(pingEvent, lambdaContext)) as APIGatewayProxyStructuredResultV2;

    // Assess
    expect(response.statusCode).toBe(500);
    expect(response.body).not.toContain('EKS_PILOT');
    const failed = logs.lines().find((line) => line.message === 'invocation failed');
    expect(failed?.error).toMatchObject({
      name: 'ConfigError',
      message: expect.stringMatching(/^EKS_PILOT_WEBHOOK_SECRET is not set: .*; EKS_PILOT_DEPLOY_QUEUE_URL is not set: /) as unknown,
      context: { variables: ['EKS_PILOT_WEBHOOK_SECRET', 'EKS_PILOT_DEPLOY_QUEUE_URL'] },
    });
    expect(logs.raw()).not.toMatch(/\n\s+at /);
  });

  it('answers a manual deploy-worker invoke with the malformed setting, and reads the fixed one on the next request', async () => {
    // Prepare
    process.env.EKS_PILOT_SPECS = path.join(EXAMPLES, 'crypto-oms');
    process.env.EKS_PILOT_ROLLOUT_POLL_MS = 'abc';
    // No cluster here: a KUBECONFIG that names no file makes the connect fail at once, without AWS.
    process.env.KUBECONFIG = path.join(EXAMPLES, 'no-such-kubeconfig');
    captureLogLines();

    // Act
    const refused = rejected(await workerHandler(planDeployEvent, lambdaContext));
    process.env.EKS_PILOT_ROLLOUT_POLL_MS = '250';
    const planned = await workerHandler(planDeployEvent, lambdaContext);

    // Assess
    expect(refused).toEqual({ name: 'ConfigError', message: 'EKS_PILOT_ROLLOUT_POLL_MS must be a positive integer, got "abc"', retryable: false });
    // The next request gets past its settings to the cluster, through the KUBECONFIG they name.
    expect(rejected(planned)).toMatchObject({ name: 'KubeconfigError', message: expect.stringContaining('no-such-kubeconfig') as unknown });
  });

  it.each([
    [
      'provision',
      provisionHandler,
      planProvisionEvent,
      'EKS_PILOT_DRIFT_TOPIC_ARN',
      'eks-pilot-drift',
      'EKS_PILOT_DRIFT_TOPIC_ARN must be an SNS topic ARN (arn:aws:sns:<region>:<account>:<name>), got "eks-pilot-drift"',
    ],
    [
      'eip-manager',
      eipHandler,
      { mode: 'plan' },
      'EKS_PILOT_STAGE',
      'dev/eu',
      'EKS_PILOT_STAGE must be a stage name of letters, digits, "-", "_" or ".", got "dev/eu"',
    ],
    ['scale-watch', scaleWatchHandler, alarmsPlanEvent, 'AWS_ENDPOINT_URL', 'localhost:4566', 'AWS_ENDPOINT_URL must be an http(s) URL, got "localhost:4566"'],
  ] as const)('answers a manual %s invoke with the variable that cannot be used', async (_name, handler, event, variable, value, message) => {
    // Prepare
    process.env.EKS_PILOT_SPECS = path.join(EXAMPLES, 'kianax');
    process.env[variable] = value;
    captureLogLines();

    // Act
    const answer = rejected(await handler(event, lambdaContext));

    // Assess
    expect(answer).toEqual({ name: 'ConfigError', message, retryable: false });
  });
});
