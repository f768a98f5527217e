/**
 * The public route, as far as it can be tested without API Gateway: the packaged template carries
 * the stage's throttling and access log and both deploy functions' reserved concurrency, and the
 * packaged deploy-webhook refuses a flood of unsigned requests in one warm container without a
 * single AWS call (every AWS endpoint points at a server that counts what reaches it). API
 * Gateway's own 429s cannot run here: the throttling is checked as configuration only.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { webhookEvent } from '../../testing/deploy-events';
import { extractFunction, functionConfig, PACKAGE_DIR } from './support/package';

const run = promisify(execFile);
const FLOOD = 1000;

interface Template {
  Resources: Record<string, { Type: string; Properties: Record<string, unknown>; DependsOn?: unknown }>;
}
const template = JSON.parse(readFileSync(path.join(PACKAGE_DIR, 'cloudformation-template-update-stack.json'), 'utf8')) as Template;
const resource = (id: string): { Type: string; Properties: Record<string, unknown> } => {
  const found = template.Resources[id];
  if (found === undefined) throw new Error(`no ${id} in the packaged template`);
  return found;
};

describe('the packaged route', () => {
  it('throttles the webhook stage (rate 10/s, burst 20) and logs every request to a log group kept 30 days', () => {
    // Act
    const stage = resource('HttpApiStage').Properties;
    const logGroup = resource('HttpApiLogGroup').Properties;

    // Assess
    expect(stage.DefaultRouteSettings).toEqual({ DetailedMetricsEnabled: false, ThrottlingBurstLimit: 20, ThrottlingRateLimit: 10 });
    expect(stage.AccessLogSettings).toEqual({
      DestinationArn: { 'Fn::GetAtt': ['HttpApiLogGroup', 'Arn'] },
      Format: expect.stringContaining('"status":"$context.status"') as unknown,
    });
    expect((stage.AccessLogSettings as { Format: string }).Format).not.toMatch(/header|signature/i);
    expect(logGroup.RetentionInDays).toBe(30);
  });

  it("reserves concurrency for both deploy functions, the webhook's as large as the burst, and polls the queue below the worker's", () => {
    // Act
    const webhook = resource('DeployDashwebhookLambdaFunction').Properties.ReservedConcurrentExecutions;
    const worker = resource('DeployDashworkerLambdaFunction').Properties.ReservedConcurrentExecutions;
    // The deploy queue's mapping: the one whose function is deploy-worker (the fleet queues have their own).
    const mapping = Object.values(template.Resources).find(
      (item) => item.Type === 'AWS::Lambda::EventSourceMapping' && JSON.stringify(item.Properties.FunctionName).includes('DeployDashworkerLambdaFunction'),
    )?.Properties.ScalingConfig;

    // Assess
    expect({ webhook, worker, mapping }).toEqual({ webhook: 20, worker: 10, mapping: { MaximumConcurrency: 8 } });
  });

  it(`refuses ${FLOOD} unsigned requests in one warm container with 401s and no AWS call`, async () => {
    // Prepare: every AWS endpoint is a server that counts what reaches it
    let awsCalls = 0;
    const server = createServer((request, response) => {
      awsCalls += 1;
      request.resume();
      response.writeHead(500).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const taskRoot = extractFunction('deploy-webhook');
    const config = functionConfig('deploy-webhook', { DeployQueue: `${endpoint}/123456789012/eks-pilot-dev-deploy.fifo` });
    const scratch = mkdtempSync(path.join(tmpdir(), 'eks-pilot-flood-'));
    const eventFile = path.join(scratch, 'event.json');
    const resultFile = path.join(scratch, 'result.json');
    writeFileSync(
      eventFile,
      JSON.stringify(webhookEvent('registry_package', JSON.stringify({ action: 'published', flood: 'x'.repeat(2000) }), { secret: null })),
    );

    // Act
    try {
      await run(
        process.execPath,
        ['--no-experimental-require-module', path.join(__dirname, 'support/flood-bundle.cjs'), taskRoot, config.handler, eventFile, String(FLOOD), resultFile],
        {
          cwd: taskRoot,
          env: {
            PATH: process.env.PATH ?? '/usr/bin:/bin',
            TZ: ':UTC',
            LAMBDA_TASK_ROOT: taskRoot,
            AWS_REGION: 'us-east-1',
            AWS_LAMBDA_FUNCTION_NAME: 'eks-pilot-dev-deploy-webhook',
            AWS_ENDPOINT_URL: endpoint,
            AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
            AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
            ...config.environment,
          },
          maxBuffer: 256 * 1024 * 1024,
          timeout: 120_000,
        },
      );
    } finally {
      await new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
      });
    }
    const outcome = JSON.parse(readFileSync(resultFile, 'utf8')) as {
      ok: boolean;
      statuses: Record<string, number>;
      totalMs: number;
      p50Ms: number;
      p99Ms: number;
      maxMs: number;
    };
    process.stdout.write(
      `\nflood: ${FLOOD} unsigned requests, one container: ${outcome.totalMs.toFixed(0)} ms in all, p50 ${outcome.p50Ms.toFixed(3)} ms, p99 ${outcome.p99Ms.toFixed(3)} ms, max ${outcome.maxMs.toFixed(1)} ms (the first invocation of the container), ${awsCalls} AWS calls\n`,
    );

    // Assess: all refused, none reached AWS, and each one cheap (well under the 8 s timeout)
    expect(outcome.ok).toBe(true);
    expect(outcome.statuses).toEqual({ 401: FLOOD });
    expect(awsCalls).toBe(0);
    expect(outcome.p99Ms).toBeLessThan(100);
  });
});
