/**
 * Hostile input, refused: one case at least per rule of issue 17's "Hostile input refused", for
 * specs, manifests and each handler's events. Every case must end with a clean error (no `internal
 * error`, no stack), accepted by none; a file's error names the file and, where it is one place,
 * the line and column. Durations are recorded and the slowest printed; the per-case bound is a
 * hang guard only (jest's timeout), not a timing claim.
 */
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EC2Client } from '@aws-sdk/client-ec2';
import { EKSClient } from '@aws-sdk/client-eks';
import { SQSClient } from '@aws-sdk/client-sqs';
import { SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import eipRunning from '../../events/eip-manager/instance-running.json';
import scaleAlarm from '../../events/scale-watch/alarm-kianax-cpu.json';
import provisionSchedule from '../../events/provision/schedule.json';
import workerQueue from '../../events/deploy/worker-queue.json';
import { handler as deployHandler } from '../../functions/deploy/worker/handler';
import { loadManifests } from '../../functions/deploy/model/manifests';
import { fleetOf } from '../../functions/deploy/model/targets';
import { handler as webhookHandler, resetWebhookDeps } from '../../functions/deploy/webhook/handler';
import { handler as eipHandler } from '../../functions/eip-manager/handler';
import { handler as provisionHandler } from '../../functions/provision/handler';
import { handler as scaleWatchHandler } from '../../functions/scale-watch/handler';
import { resetAwsClients } from '../../shared/adapters/aws/clients';
import { formatSpecIssue } from '../../shared/errors';
import { loadSpecs, MAX_MANIFEST_BYTES, MAX_SPEC_BYTES, parseSpecFile } from '../../shared/model/cluster-spec/load';
import { lambdaContext } from '../../testing/lambda-context';
import { rejected } from '../../testing/answers';
import { captureLogLines } from '../../testing/log-lines';
import { CRYPTO_OMS, digestOf, registryPackagePayload, serveWebhookSecret, webhookEvent } from '../../testing/deploy-events';

const EXAMPLES = path.join(__dirname, '../../examples');
const VALID = readFileSync(path.join(__dirname, '../fixtures/specs/valid.yaml'), 'utf8');
const durations: { name: string; ms: number; cpuMs: number }[] = [];

/**
 * Runs `act`, recording its wall time and the CPU time this process spent on it: on a shared
 * machine the wall time also counts other processes' turns, the CPU time only this case's work.
 */
async function timed<T>(name: string, act: () => Promise<T> | T): Promise<T> {
  const started = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  const result = await act();
  const { user, system } = process.cpuUsage(cpu);
  durations.push({ name, ms: Number(process.hrtime.bigint() - started) / 1e6, cpuMs: (user + system) / 1e3 });
  return result;
}

afterAll(() => {
  const slowest = [...durations].sort((a, b) => b.cpuMs - a.cpuMs).slice(0, 5);
  const figures = slowest.map(({ name, ms, cpuMs }) => `${name} ${cpuMs.toFixed(1)} ms CPU (${ms.toFixed(1)} ms wall)`);
  process.stdout.write(`hostile corpus: ${durations.length} cases; slowest: ${figures.join(', ')}\n`);
});

/** What every refusal must not look like. */
function expectClean(text: string): void {
  expect(text).not.toMatch(/internal error/i);
  expect(text).not.toMatch(/\n\s+at .+:\d+:\d+\)?/);
  expect(text).not.toMatch(/ReferenceError|TypeError|RangeError/);
}

function aliasBomb(depth: number): string {
  const levels = Array.from({ length: depth }, (_, n) => `l${n + 1}: &l${n + 1} [${Array.from({ length: 9 }, () => `*l${n}`).join(', ')}]`);
  return ['l0: &l0 "lol"', ...levels, ''].join('\n');
}

/** `count` distinct short keys, one per line, indented under a map. */
function manyKeys(count: number, indent = '  '): string {
  return Array.from({ length: count }, (_, n) => `${indent}k${n.toString(36)}: v`).join('\n');
}

const withVpcLine = (line: string) =>
  VALID.replace(
    '  subnetIds: [subnet-0123456789abcdef0, subnet-0123456789abcdef1]',
    `  subnetIds: [subnet-0123456789abcdef0, subnet-0123456789abcdef1]\n${line}`,
  );
const workload = (rule: string) =>
  `${VALID}workloads:\n  - name: web\n    manifests: manifests\n    images:\n      - repository: ghcr.io/acme/web\n        tags: [${rule}]\n`;

describe('hostile specs', () => {
  it.each<[string, () => Buffer, RegExp]>([
    ['a file over the size limit', () => Buffer.alloc(MAX_SPEC_BYTES + 1, 0x20), /^hostile\.yaml: the file is 262145 bytes; a spec may be at most 262144$/],
    ['a billion-laughs alias bomb (9 levels)', () => Buffer.from(aliasBomb(9)), /^hostile\.yaml:1:1: YAML aliases expand too far/],
    ['an alias bomb of more than 100 aliases', () => Buffer.from(aliasBomb(12)), /^hostile\.yaml:\d+:\d+ l\d+\[\d\]: more than 100 YAML aliases$/],
    [
      'nesting 40 levels deep',
      () => Buffer.from(`tags: ${'['.repeat(40)}${']'.repeat(40)}\n`),
      /^hostile\.yaml:1:\d+ tags(\[0\])+: nested deeper than 32 levels$/,
    ],
    [
      'a duplicate key',
      () => Buffer.from(VALID.replace('region: us-east-1', 'region: us-east-1\nregion: us-west-2')),
      /^hostile\.yaml:5:1 region: duplicate key "region" \(first at line 4\)$/,
    ],
    [
      '20,000 keys in one map with a duplicate at the end (quadratic in a pairwise check)',
      () => Buffer.from(`${VALID}tags:\n${manyKeys(20_000)}\n  k0: again\n`),
      /^hostile\.yaml:\d+:3 tags\.k0: duplicate key "k0"/,
    ],
    [
      'short unknown keys up to the size limit (the most a spec can make yaml parse)',
      () => Buffer.from(`${VALID}${Array.from({ length: Math.floor((MAX_SPEC_BYTES - VALID.length) / 10) - 1 }, (_, n) => `z${n}: v`).join('\n')}\n`),
      /^hostile\.yaml:\d+:1 z0: unknown field "z0"$/,
    ],
    [
      '10,000 unknown keys (one issue each, each located)',
      () => Buffer.from(`${VALID}${manyKeys(10_000, '')}\n`),
      /^hostile\.yaml:\d+:1 k0: unknown field "k0"$/,
    ],
    [
      'a regex tag rule that backtracks, (a+)+',
      () => Buffer.from(workload('{ regex: "(a+)+" }')),
      /^hostile\.yaml:18:25 workloads\[0\]\.images\[0\]\.tags\[0\]\.regex: nests a repetition inside a repetition/,
    ],
    [
      'a glob tag rule with a slash',
      () => Buffer.from(workload('{ glob: "feature/*" }')),
      /^hostile\.yaml:18:24 workloads\[0\]\.images\[0\]\.tags\[0\]\.glob: a tag glob takes letters/,
    ],
    [
      'an unknown Region',
      () => Buffer.from(VALID.replace('region: us-east-1', 'region: mars-north-1')),
      /^hostile\.yaml:4:9 region: unknown AWS Region "mars-north-1"/,
    ],
    [
      'an invalid CIDR',
      () => Buffer.from(withVpcLine('  publicAccessCidrs: ["10.0.0.0/33"]')),
      /^hostile\.yaml:9:\d+ vpc\.publicAccessCidrs\[0\]: expected an IPv4 CIDR/,
    ],
    [
      'a CIDR with host bits set',
      () => Buffer.from(withVpcLine('  publicAccessCidrs: ["203.0.113.9/24"]')),
      /^hostile\.yaml:9:\d+ vpc\.publicAccessCidrs\[0\]: 203\.0\.113\.9\/24 has host bits set/,
    ],
    [
      'a tag key with the aws: prefix',
      () => Buffer.from(`${VALID}tags: { "aws:cloudformation:stack": x }\n`),
      /^hostile\.yaml:13:\d+ tags\.aws:cloudformation:stack: the aws: prefix is reserved for AWS$/,
    ],
    [
      'more tags than EKS allows',
      () => Buffer.from(`${VALID}tags: { ${Array.from({ length: 51 }, (_, n) => `t${n}: x`).join(', ')} }\n`),
      /^hostile\.yaml:13:\d+ tags: at most 50 tags per resource$/,
    ],
    [
      'an access policy that does not exist',
      () =>
        Buffer.from(`${VALID}accessEntries:\n  - principalArn: arn:aws:iam::123456789012:role/admin\n    accessPolicies: [{ policy: AmazonEKSRootPolicy }]\n`),
      /^hostile\.yaml:15:\d+ accessEntries\[0\]\.accessPolicies\[0\]\.policy: no EKS access policy "AmazonEKSRootPolicy"/,
    ],
    [
      'a __proto__ key',
      () => Buffer.from(`${VALID}tags:\n  __proto__: { polluted: "yes" }\n`),
      /^hostile\.yaml:14:3 tags\.__proto__: "__proto__" is a reserved name and cannot be a key$/,
    ],
    [
      'a constructor key',
      () => Buffer.from(`${VALID}tags:\n  constructor: x\n`),
      /^hostile\.yaml:14:3 tags\.constructor: "constructor" is a reserved name and cannot be a key$/,
    ],
    [
      'bytes that are not UTF-8',
      () => Buffer.concat([Buffer.from(VALID.replace('name: test-cluster', 'name: caf')), Buffer.from([0xe9, 0x0a])]),
      /^hostile\.yaml:\d+:\d+: the file is not valid UTF-8$/,
    ],
  ])('refuses %s with file:line:column field: message', async (name, bytes, expected) => {
    // Prepare
    const input = bytes();

    // Act
    const result = await timed(`spec: ${name}`, () => parseSpecFile(input, 'hostile.yaml'));

    // Assess
    expect(result.ok).toBe(false);
    const messages = result.ok ? [] : result.issues.map(formatSpecIssue);
    expect(messages[0]).toMatch(expected);
    messages.forEach(expectClean);
  });

  it("refuses a scaling ceiling below the HPA's own maxReplicas, naming the spec file and the manifest", async () => {
    // Prepare
    const dir = mkdtempSync(path.join(tmpdir(), 'hostile-ceiling-'));
    cpSync(path.join(EXAMPLES, 'kianax'), dir, { recursive: true });
    const file = path.join(dir, 'cluster.yaml');
    writeFileSync(
      file,
      readFileSync(file, 'utf8').replace(
        'name: kianax-web\n        maxReplicas: { add: 5, ceiling: 20 }',
        'name: kianax-web\n        maxReplicas: { add: 5, ceiling: 3 }',
      ),
    );

    // Act
    const { targets, broken } = await timed('spec: a ceiling below the HPA', async () => fleetOf(await loadSpecs([file])));

    // Assess
    expect(targets).toEqual([]);
    expect(broken.map((item) => item.reason)).toEqual([
      expect.stringMatching(
        new RegExp(
          `^${escape(file)}:\\d+:41 scalingRules\\[0\\]\\.hpas\\[1\\]\\.maxReplicas\\.ceiling: ceiling \\(3\\) is below maxReplicas \\(\\d+\\) of HPA kianax/kianax-web in ${escape(path.join(dir, 'manifests', '50-hpa.yaml'))}:\\d+`,
        ),
      ),
    ]);
  });
});

describe('hostile manifests', () => {
  const CONFIGMAP = 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: c, namespace: default }\n';

  it.each<[string, () => Buffer, RegExp]>([
    [
      'a file over the size limit',
      () => Buffer.alloc(MAX_MANIFEST_BYTES + 1, 0x20),
      /objects\.yaml: the file is 1048577 bytes; a manifest file may be at most 1048576$/,
    ],
    [
      'a billion-laughs alias bomb',
      () =>
        Buffer.from(
          `${CONFIGMAP}data:\n${aliasBomb(9)
            .split('\n')
            .map((line) => `  ${line}`)
            .join('\n')}\n`,
        ),
      /objects\.yaml:1:1: YAML aliases expand too far/,
    ],
    [
      'more than 100 aliases',
      () =>
        Buffer.from(
          `${CONFIGMAP}data:\n${aliasBomb(12)
            .split('\n')
            .map((line) => `  ${line}`)
            .join('\n')}\n`,
        ),
      /objects\.yaml:\d+:\d+ data\.l\d+\[\d\]: more than 100 YAML aliases$/,
    ],
    [
      'nesting 40 levels deep',
      () => Buffer.from(`${CONFIGMAP}spec: ${'['.repeat(40)}${']'.repeat(40)}\n`),
      /objects\.yaml:4:\d+ spec(\[0\])+: nested deeper than 32 levels$/,
    ],
    ['a duplicate key', () => Buffer.from(`${CONFIGMAP}data:\n  a: "1"\n  a: "2"\n`), /objects\.yaml:6:3 data\.a: duplicate key "a" \(first at line 5\)$/],
    [
      '20,000 keys with a duplicate at the end',
      () => Buffer.from(`${CONFIGMAP}data:\n${manyKeys(20_000)}\n  k0: again\n`),
      /objects\.yaml:\d+:3 data\.k0: duplicate key "k0"/,
    ],
    [
      'a __proto__ key',
      () => Buffer.from(`${CONFIGMAP}data:\n  __proto__: { polluted: "yes" }\n`),
      /objects\.yaml:5:3 data\.__proto__: "__proto__" is a reserved name/,
    ],
    [
      'bytes that are not UTF-8',
      () => Buffer.concat([Buffer.from(`${CONFIGMAP}data:\n  city: S`), Buffer.from([0xe3]), Buffer.from('o Paulo\n')]),
      /objects\.yaml:5:10: the file is not valid UTF-8$/,
    ],
    ['a YAML syntax error', () => Buffer.from(`${CONFIGMAP}data: [unclosed\n`), /objects\.yaml:5:1: YAML syntax:/],
  ])('refuses %s with file:line:column: message', async (name, bytes, expected) => {
    // Prepare
    const folder = mkdtempSync(path.join(tmpdir(), 'hostile-manifests-'));
    writeFileSync(path.join(folder, 'objects.yaml'), bytes());

    // Act
    const error = await timed(`manifest: ${name}`, () =>
      loadManifests(folder).then(
        () => undefined,
        (caught: unknown) => caught,
      ),
    );

    // Assess
    expect(error).toBeInstanceOf(Error);
    const message = (error as Error).message;
    expect(message.split('\n')[1]).toMatch(new RegExp(`^${escape(folder)}/${expected.source}`));
    expectClean(message);
  });
});

describe('hostile events', () => {
  const originalEnv = process.env;
  const ssm = mockClient(SSMClient);
  const sqs = mockClient(SQSClient);
  const clients = [mockClient(EKSClient), mockClient(EC2Client), sqs, ssm, mockClient(CloudWatchClient), mockClient(DynamoDBClient)];

  beforeEach(() => {
    process.env = {
      ...originalEnv,
      AWS_REGION: 'us-east-1',
      POWERTOOLS_METRICS_DISABLED: 'true',
      EKS_PILOT_DEPLOY_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/eks-pilot-test-deploy.fifo',
      EKS_PILOT_WEBHOOK_SECRET: 'ssm:/eks-pilot/test/github-webhook-secret',
    };
    for (const client of clients) client.reset();
    resetAwsClients();
    resetWebhookDeps();
    serveWebhookSecret(ssm);
    captureLogLines();
  });

  afterEach(() => {
    process.env = originalEnv;
    jest.restoreAllMocks();
  });

  const push = (tag: string) => JSON.stringify(registryPackagePayload('crypto-oms', 'order-ingestion', tag, digestOf(tag)));

  it.each<[string, () => unknown, number, RegExp]>([
    ['an unsigned push', () => webhookEvent('registry_package', push('v1.2.0'), { secret: null }), 401, /signature/i],
    ['a push signed with another secret', () => webhookEvent('registry_package', push('v1.2.0'), { secret: 'not the secret' }), 401, /signature/i],
    ['a signed body that is not JSON', () => webhookEvent('registry_package', '{"action": "published", '), 400, /JSON/],
    ['a push whose tag is 200 characters (over the OCI 128)', () => webhookEvent('registry_package', push('a'.repeat(200))), 202, /not a valid OCI tag/],
    ['a push whose tag is made to backtrack a regex', () => webhookEvent('registry_package', push(`${'a'.repeat(127)}!`)), 202, /not a valid OCI tag/],
  ])('deploy-webhook answers %s with its status and the reason, queueing nothing', async (name, event, statusCode, reason) => {
    // Prepare
    process.env.EKS_PILOT_SPECS = CRYPTO_OMS;

    // Act
    const response = (await timed(`webhook: ${name}`, () => webhookHandler(event(), lambdaContext))) as APIGatewayProxyStructuredResultV2;

    // Assess
    expect(response.statusCode).toBe(statusCode);
    expect(response.body ?? '').toMatch(reason);
    expectClean(response.body ?? '');
    expect(sqs.calls()).toHaveLength(0);
  });

  it.each<[string, string, () => unknown, RegExp]>([
    ['deploy-worker', 'a manual invoke with an unknown action', () => ({ action: 'explode', workload: 'crypto-oms' }), /action/],
    [
      'deploy-worker',
      'a manual deploy of an image without a digest',
      () => ({ action: 'deploy', workload: 'crypto-oms', image: 'ghcr.io/crypto-oms/order-ingestion:v1.2.0' }),
      /image: expected a pinned image, ghcr\.io\/<owner>\/<name>:<tag>@sha256:<64 hex>/,
    ],
    ['provision', 'a manual invoke with an unknown mode', () => ({ mode: 'destroy' }), /mode: expected one of "plan"\|"apply"/],
    [
      'provision',
      'a scheduled event of another detail-type',
      () => ({ ...provisionSchedule, 'detail-type': 'Something Else' }),
      /detail-type: expected "Scheduled Event"/,
    ],
    [
      'eip-manager',
      'an EC2 state change with an unknown state',
      () => ({ ...eipRunning, detail: { 'instance-id': 'i-0a1b2c3d4e5f60789', state: 'exploded' } }),
      /detail\.state: expected one of/,
    ],
    ['eip-manager', 'an EC2 state change without an instance id', () => ({ ...eipRunning, detail: { state: 'running' } }), /instance-id/],
    [
      'scale-watch',
      'an alarm event with an unknown state',
      () => ({ ...scaleAlarm, detail: { ...scaleAlarm.detail, state: { ...scaleAlarm.detail.state, value: 'BROKEN' } } }),
      /detail\.state\.value: expected one of "OK"\|"ALARM"\|"INSUFFICIENT_DATA"/,
    ],
    ['scale-watch', 'a manual invoke with a 10,000-character key', () => ({ action: 'alarms', mode: 'plan', ['k'.repeat(10_000)]: true }), /characters\)/],
  ])('%s answers %s with an error object naming the field, before any AWS call', async (fn, name, event, reason) => {
    // Prepare
    const specs =
      { 'deploy-worker': 'crypto-oms/cluster.yaml', provision: 'kianax', 'eip-manager': 'financial-move/cluster.yaml', 'scale-watch': 'kianax/cluster.yaml' }[
        fn
      ] ?? '';
    process.env.EKS_PILOT_SPECS = path.join(EXAMPLES, specs);
    const handlers: Record<string, (input: never, context: typeof lambdaContext) => Promise<unknown>> = {
      'deploy-worker': deployHandler,
      provision: provisionHandler,
      'eip-manager': eipHandler,
      'scale-watch': scaleWatchHandler,
    };
    const handler = handlers[fn];
    if (handler === undefined) throw new Error(`no handler ${fn}`);

    // Act
    const answer = await timed(`${fn}: ${name}`, () => handler(event() as never, lambdaContext));

    // Assess
    const error = rejected(answer);
    expect(error.name).toBe('InvalidEventError');
    expect(error.message).toMatch(reason);
    expectClean(JSON.stringify(error));
    for (const client of clients) expect(client.calls()).toHaveLength(0);
  });

  it('deploy-worker drops an SQS record whose body is not JSON instead of retrying it, before any AWS call', async () => {
    // Prepare
    process.env.EKS_PILOT_SPECS = CRYPTO_OMS;
    const logs = captureLogLines();
    const batch = { Records: [{ ...workerQueue.Records[0], body: '{"type": "deploy", ' }] };

    // Act
    const response = await timed('deploy-worker: an SQS record that is not JSON', () => deployHandler(batch as never, lambdaContext));

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    expect(logs.lines().some((line) => String(line.message).startsWith('queue message dropped'))).toBe(true);
    for (const client of clients) expect(client.calls()).toHaveLength(0);
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
