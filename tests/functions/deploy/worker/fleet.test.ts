import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import scheduleEvent from '../../../../events/deploy/schedule.json';
import type { DriftReport } from '../../../../functions/deploy/worker/drift';
import type { QueueMessage } from '../../../../functions/deploy/model/messages';
import { handler as webhookHandler, resetWebhookDeps } from '../../../../functions/deploy/webhook/handler';
import { fleetOf, loadFleet } from '../../../../functions/deploy/model/targets';
import { loadSpecs } from '../../../../shared/model/cluster-spec/load';
import { lambdaContext } from '../../../../testing/lambda-context';
import { status } from '../../../../testing/kubernetes-api-server';
import { captureLogLines } from '../../../../testing/log-lines';
import { acceptBatches, digestOf, registryPackagePayload, serveWebhookSecret, webhookEvent } from '../../../../testing/deploy-events';
import { push, WorkerHarness } from '../worker-harness';
import { awsSecretStubs } from '../../../../testing/secret-values';

const sqs = mockClient(SQSClient);
// The one SSM stub of this process: the examples' sourced Secrets are read through it too.
const { ssm } = awsSecretStubs();
const STARTER = readFileSync(path.join(__dirname, '../../../../examples/starter/cluster.yaml'), 'utf8');
const WEB = 'ghcr.io/acme/web';

function workload(name: string, manifests: string): string {
  return [`  - name: ${name}`, `    manifests: ${manifests}`, '    images:', `      - repository: ${WEB}`, '        tags: [{ semver: ">=1.0.0" }]', ''].join(
    '\n',
  );
}

function manifests(namespace: string): string {
  return [
    'apiVersion: apps/v1',
    'kind: Deployment',
    'metadata: { name: web, namespace: ' + namespace + ' }',
    'spec:',
    '  replicas: 1',
    '  selector: { matchLabels: { app: web } }',
    '  template:',
    '    metadata: { labels: { app: web } }',
    `    spec: { containers: [{ name: web, image: "${WEB}:v1.0.0" }] }`,
    '',
  ].join('\n');
}

describe('a fleet with one broken workload', () => {
  const worker = new WorkerHarness();
  let dir: string;
  let spec: string;

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'deploy-fleet-'));
    for (const name of ['shop-a', 'shop-b']) {
      mkdirSync(path.join(dir, name));
      writeFileSync(path.join(dir, name, 'deployment.yaml'), manifests(name));
    }
    spec = path.join(dir, 'cluster.yaml');
    // shop-c's manifests folder was never committed
    writeFileSync(spec, `${STARTER}\nworkloads:\n${workload('shop-a', 'shop-a')}${workload('shop-b', 'shop-b')}${workload('shop-c', 'shop-c')}`);
    sqs.reset();
    ssm.reset();
    acceptBatches(sqs);
    serveWebhookSecret(ssm);
  });

  afterEach(async () => {
    jest.restoreAllMocks();
    await worker.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('names the missing manifests folder as a spec error with its file, line and field', async () => {
    // Prepare
    const specs = await loadSpecs([spec]);

    // Act
    const { targets, broken } = await fleetOf(specs);

    // Assess
    expect(targets.map((target) => target.workload.name)).toEqual(['shop-a', 'shop-b']);
    const line = readFileSync(spec, 'utf8').split('\n').indexOf('    manifests: shop-c') + 1;
    expect(broken).toEqual([
      expect.objectContaining({
        cluster: 'starter',
        workload: 'shop-c',
        repositories: [WEB],
        reason: `${spec}:${line}:16 workloads[2].manifests: no manifests folder shop-c next to the spec (${path.join(dir, 'shop-c')})`,
      }),
    ]);
  });

  it('skips the workloads of a spec file that does not validate, and loads the other files', async () => {
    // Prepare: a fleet folder with the good spec and one whose version YAML reads as the number 1.3
    writeFileSync(path.join(dir, 'broken.yaml'), STARTER.replace('name: starter', 'name: other').replace('version: "1.33"', 'version: 1.30'));

    // Act
    const { targets, broken } = await loadFleet([dir]);

    // Assess
    expect(targets.map((target) => target.workload.name)).toEqual(['shop-a', 'shop-b']);
    expect(broken.map((item) => [item.source, item.workload])).toEqual([
      [path.join(dir, 'broken.yaml'), undefined],
      [spec, 'shop-c'],
    ]);
    expect(broken[0]?.reason).toBe(
      `${path.join(dir, 'broken.yaml')}:6:10 version: expected a quoted version such as "1.31"; unquoted, YAML reads it as the number 1.3 (1.30 becomes 1.3)`,
    );
  });

  it('leaves the other two deploying: the webhook answers 202 naming the broken one, the worker deploys both and the drift check reports it', async () => {
    // Prepare
    const logs = captureLogLines();
    await worker.start(spec);
    process.env.EKS_PILOT_WEBHOOK_SECRET = 'ssm:/eks-pilot/test/github-webhook-secret';
    resetWebhookDeps();
    const body = JSON.stringify(registryPackagePayload('acme', 'web', 'v1.1.0', digestOf('web:v1.1.0')));

    // Act
    const answer = (await webhookHandler(
      webhookEvent('registry_package', body, { deliveryId: 'delivery-fleet' }),
      lambdaContext,
    )) as APIGatewayProxyStructuredResultV2;
    const entries = sqs.commandCalls(SendMessageBatchCommand).flatMap((call) => call.args[0].input.Entries ?? []);
    const response = await worker.deliver(entries.map((entry) => JSON.parse(entry.MessageBody ?? '{}') as QueueMessage));
    const drift = await worker.invoke<{ reports: DriftReport[] }>(scheduleEvent);

    // Assess
    expect(answer.statusCode).toBe(202);
    const json = JSON.parse(answer.body ?? '{}') as Record<string, unknown>;
    expect(json).toMatchObject({
      status: 'queued',
      queued: [
        { cluster: 'starter', workload: 'shop-a' },
        { cluster: 'starter', workload: 'shop-b' },
      ],
      broken: [
        {
          cluster: 'starter',
          workload: 'shop-c',
          source: spec,
          reason: expect.stringContaining('workloads[2].manifests: no manifests folder shop-c') as string,
        },
      ],
    });
    expect(response).toEqual({ batchItemFailures: [] });
    expect(worker.deploymentImage('web', 'shop-a')).toBe(`${WEB}:v1.1.0@${digestOf('web:v1.1.0')}`);
    expect(worker.deploymentImage('web', 'shop-b')).toBe(`${WEB}:v1.1.0@${digestOf('web:v1.1.0')}`);
    expect(drift.reports.map((report) => [report.workload, report.status])).toEqual([
      ['shop-a', 'Converged'],
      ['shop-b', 'Converged'],
      ['shop-c', 'Blocked'],
    ]);
    expect(logs.lines().some((line) => line.message === 'broken workload skipped' && line.workload === 'shop-c')).toBe(true);
  });

  it("returns only the failing message group's messages when one workload fails transiently", async () => {
    // Prepare: shop-a's API answers 500 on its release history
    captureLogLines();
    await worker.start(spec, {
      intercept: (request) => (request.path.includes('eks-pilot-releases-shop-a') ? status(500, 'InternalError', 'etcdserver: request timed out') : undefined),
    });
    const batch = [
      push('v1.1.0', { repository: WEB, cluster: 'starter', workload: 'shop-a', deliveryId: 'a-1' }),
      push('v1.1.0', { repository: WEB, cluster: 'starter', workload: 'shop-b', deliveryId: 'b-1' }),
      push('v1.2.0', { repository: WEB, cluster: 'starter', workload: 'shop-a', deliveryId: 'a-2' }),
      push('v1.2.0', { repository: WEB, cluster: 'starter', workload: 'shop-b', deliveryId: 'b-2' }),
    ];

    // Act
    const response = await worker.deliver(batch);

    // Assess: the harness numbers messages m-1, m-2, ... in the order delivered
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'm-1' }, { itemIdentifier: 'm-3' }]);
    expect(worker.releases('shop-b', 'shop-b').map((record) => [record.deliveryId, record.result])).toEqual([
      ['b-1', 'succeeded'],
      ['b-2', 'succeeded'],
    ]);
    expect(worker.deploymentImage('web', 'shop-b')).toContain(':v1.2.0@');
    expect(worker.deploymentImage('web', 'shop-a')).toBeUndefined();
  });
});
