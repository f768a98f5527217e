import type { SQSBatchResponse } from 'aws-lambda';
import type { ManualResponse, ScheduleResponse } from '../../../../functions/deploy/worker/invoke';
import { handleWorkerEvent } from '../../../../functions/deploy/worker/invoke';
import type { ManualInvoke } from '../../../../functions/deploy/worker/event';
import type { Budget, WorkerDeps } from '../../../../functions/deploy/worker/run';
import type { DeployMessage } from '../../../../functions/deploy/model/messages';
import { toFifo } from '../../../../functions/deploy/model/messages';
import type { ReleaseRecord } from '../../../../functions/deploy/model/releases';
import { RELEASES_KEY } from '../../../../functions/deploy/model/releases';
import { targetsOf } from '../../../../functions/deploy/model/targets';
import type { KubernetesObject } from '../../../../shared/ports/kubernetes';
import { loadSpecs } from '../../../../shared/model/cluster-spec/load';
import { startFakeCluster } from '../../../../testing/fake-k8s';
import { status } from '../../../../testing/kubernetes-api-server';
import type { FakeCluster, FakeClusterOptions } from '../../../../testing/fake-k8s';
import { RecordingNotifier } from '../../../../testing/fake-notifier';
import { digestOf } from '../../../../testing/deploy-events';
import { gatedCryptoOms } from '../../../../testing/gated-spec';
import type { GatedSpec } from '../../../../testing/gated-spec';
import { FakeSecretValues } from '../../../../testing/secret-values';

const ORDER_INGESTION = 'ghcr.io/crypto-oms/order-ingestion';
const OPS = 'arn:aws:sts::123456789012:assumed-role/ops/ana';
/** A Friday in November: London is on GMT, so 17:00 London is 17:00 UTC. */
const FRIDAY_FIVE_PM = Date.parse('2026-11-27T17:00:00Z');
const APPROVAL = ['  - name: prod', '    approval: required'];
const FRIDAY_FREEZE = ['  - name: prod', '    freeze:', '      - { days: [fri, sat], from: "16:00", to: "23:59", timeZone: Europe/London }'];

function push(tag: string, deliveryId = `delivery-${tag}`): DeployMessage {
  return {
    type: 'deploy',
    cluster: 'crypto-oms',
    workload: 'crypto-oms',
    image: { repository: ORDER_INGESTION, tag, digest: digestOf(`${ORDER_INGESTION}:${tag}`) },
    deliveryId,
    event: 'registry_package',
    receivedAt: '2026-11-27T17:00:00.000Z',
  };
}

function pinned(tag: string): string {
  return `${ORDER_INGESTION}:${tag}@${digestOf(`${ORDER_INGESTION}:${tag}`)}`;
}

// Each case rolls releases out against a fake API server: more than jest's default 5 s on a busy machine.
jest.setTimeout(30_000);

describe('approvals and freeze windows in deploy-worker', () => {
  let cluster: FakeCluster | undefined;
  let gated: GatedSpec | undefined;
  let clock: number;
  let sequence: number;

  async function setUp(gate: readonly string[], options: FakeClusterOptions = {}): Promise<{ deps: WorkerDeps; budget: Budget; fake: FakeCluster }> {
    gated = gatedCryptoOms(gate);
    const fake = await startFakeCluster(options);
    cluster = fake;
    const targets = await targetsOf(await loadSpecs([gated.file]));
    const quiet = (): void => undefined;
    const deps: WorkerDeps = {
      targets: () => Promise.resolve(targets),
      connect: () => Promise.resolve(fake.port),
      queue: { send: (messages) => Promise.resolve(messages.map((_, index) => `m${index}`)) },
      now: () => new Date(clock),
      sleep: (ms) => {
        clock += ms;
        return Promise.resolve();
      },
      logger: { info: quiet, warn: quiet, error: quiet },
      secretValues: new FakeSecretValues(),
      pollMs: 5_000,
      reserveMs: 20_000,
    };
    return { deps, budget: { remainingMs: () => 900_000 }, fake };
  }

  async function deliver(deps: WorkerDeps, budget: Budget, ...messages: DeployMessage[]): Promise<SQSBatchResponse> {
    const records = messages.map((message) => {
      sequence += 1;
      const fifo = toFifo(message);
      return { messageId: `m-${sequence}`, body: fifo.body, eventSource: 'aws:sqs' as const, attributes: { MessageGroupId: fifo.groupId } };
    });
    return (await handleWorkerEvent({ trigger: 'queue', event: { Records: records } }, deps, budget, `request-${sequence}`)) as SQSBatchResponse;
  }

  async function invoke(deps: WorkerDeps, budget: Budget, event: ManualInvoke, requestId = 'c6af9ac6'): Promise<ManualResponse> {
    return (await handleWorkerEvent({ trigger: 'manual', event }, deps, budget, requestId)) as ManualResponse;
  }

  async function schedule(deps: WorkerDeps, budget: Budget): Promise<ScheduleResponse> {
    const event = {
      version: '0',
      id: 'schedule-1',
      'detail-type': 'Scheduled Event' as const,
      source: 'aws.events' as const,
      account: '123456789012',
      time: new Date(clock).toISOString(),
      region: 'us-east-1',
      resources: [],
      detail: {},
    };
    return (await handleWorkerEvent({ trigger: 'schedule', event }, deps, budget, 'schedule-1')) as ScheduleResponse;
  }

  function history(fake: FakeCluster): ReleaseRecord[] {
    const configMap = fake.objects.get('/api/v1/namespaces/crypto-oms/configmaps/eks-pilot-releases-crypto-oms');
    return JSON.parse((configMap?.data as Record<string, string> | undefined)?.[RELEASES_KEY] ?? '[]') as ReleaseRecord[];
  }

  function runningImage(fake: FakeCluster): string | undefined {
    const deployment = fake.objects.get('/apis/apps/v1/namespaces/crypto-oms/deployments/order-ingestion') as
      (KubernetesObject & { spec: { template: { spec: { containers: { image: string }[] } } } }) | undefined;
    return deployment?.spec.template.spec.containers[0]?.image;
  }

  function result(response: ManualResponse): unknown {
    if (!('result' in response)) throw new Error(`no result in ${JSON.stringify(response)}`);
    return response.result;
  }

  beforeEach(() => {
    clock = FRIDAY_FIVE_PM;
    sequence = 0;
  });

  afterEach(async () => {
    await cluster?.close();
    cluster = undefined;
    gated?.remove();
    gated = undefined;
  });

  it('holds a push under approval: required as waiting, rolls it out once a manual invoke approves it, and answers a second approve as a no-op', async () => {
    // Prepare
    const { deps, budget, fake } = await setUp(APPROVAL);

    // Act
    const queued = await deliver(deps, budget, push('v1.1.0'));
    const held = history(fake);
    const appliedWhileHeld = fake.appliedObjects().filter((object) => object.startsWith('Deployment'));
    const approved = await invoke(deps, budget, { action: 'approve', workload: 'crypto-oms' }, 'req-approve-1');
    const again = await invoke(deps, budget, { action: 'approve', workload: 'crypto-oms', release: 1 }, 'req-approve-2');

    // Assess
    expect(queued.batchItemFailures).toEqual([]);
    expect(held).toEqual([
      expect.objectContaining({
        revision: 1,
        result: 'waiting',
        reason: 'approval required',
        hold: { approval: true },
        images: expect.any(Object) as Record<string, string>,
      }),
    ]);
    expect(appliedWhileHeld).toEqual([]);
    expect(result(approved)).toMatchObject({ outcome: 'succeeded', revision: 2 });
    expect(runningImage(fake)).toBe(pinned('v1.1.0'));
    const approval = { by: 'lambda-invoke', at: new Date(FRIDAY_FIVE_PM).toISOString(), requestId: 'req-approve-1' };
    expect(history(fake)).toEqual([
      expect.objectContaining({ revision: 1, result: 'released', releasedAs: 2, approval }),
      expect.objectContaining({ revision: 2, result: 'succeeded', heldAs: 1, approval, reason: 'held release 1 released: approved by lambda-invoke' }),
    ]);
    expect(result(again)).toEqual({
      outcome: 'unchanged',
      reason: expect.stringMatching(/^release 1 was already released as release 2 \(approved by lambda-invoke at /) as string,
    });
    expect(history(fake)).toHaveLength(2);
  });

  it('records a held release the cluster refuses at apply time as refused and why, not as released, and tells deploy.refused once', async () => {
    // Prepare: the workload's Deployments are forbidden to deploy-worker's role (its access policy no longer reaches them).
    const forbidDeployments = (request: { method: string; path: string }) =>
      request.method === 'PATCH' && request.path.includes('/deployments/')
        ? status(403, 'Forbidden', 'deployments.apps "order-ingestion" is forbidden: User "deploy" cannot patch resource "deployments"', {
            name: 'order-ingestion',
            group: 'apps',
            kind: 'deployments',
          })
        : undefined;
    const { deps, budget, fake } = await setUp(APPROVAL, { intercept: forbidDeployments });
    const notifier = new RecordingNotifier();
    deps.notifier = notifier;
    await deliver(deps, budget, push('v1.1.0'));

    // Act
    const approved = await invoke(deps, budget, { action: 'approve', workload: 'crypto-oms', by: OPS }, 'req-approve-1');
    const again = await invoke(deps, budget, { action: 'approve', workload: 'crypto-oms', release: 1, by: OPS }, 'req-approve-2');

    // Assess: one record, the held one, refused with the approval and the apply-time reason; nothing reads "released as".
    expect(result(approved)).toMatchObject({
      outcome: 'refused',
      revision: 1,
      reason: expect.stringContaining('forbidden: deploy lacks the permission to patch') as unknown,
    });
    const records = history(fake);
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ revision: 1, result: 'refused', approval: expect.objectContaining({ by: OPS }) as unknown });
    expect(records[0]?.releasedAs).toBeUndefined();
    expect(records[0]?.reason).toMatch(
      /^held release 1 released: approved by .+, then refused at apply time: forbidden: deploy lacks the permission to patch /,
    );
    expect(JSON.stringify(records)).not.toContain('released as');
    expect(notifier.events()).toEqual(['deploy.waiting', 'deploy.refused']);
    expect(result(again)).toMatchObject({ outcome: 'refused', revision: 1 });
    expect(notifier.events()).toEqual(['deploy.waiting', 'deploy.refused']);
  });

  it('releases exactly the images a held release was approved for when a manual rollback came between the push and the approval', async () => {
    // Prepare: v1.1.0 and v1.2.0 approved in turn, v1.3.0 held, then a person rolls back to v1.1.0.
    const { deps, budget, fake } = await setUp(APPROVAL);
    await deliver(deps, budget, push('v1.1.0'));
    await invoke(deps, budget, { action: 'approve', workload: 'crypto-oms', by: OPS }, 'req-approve-1');
    await deliver(deps, budget, push('v1.2.0'));
    await invoke(deps, budget, { action: 'approve', workload: 'crypto-oms', by: OPS }, 'req-approve-2');
    await deliver(deps, budget, push('v1.3.0'));
    const held = history(fake).find((record) => record.result === 'waiting');
    const rolledBack = await invoke(deps, budget, { action: 'rollback', workload: 'crypto-oms' }, 'req-rollback');
    const afterRollback = runningImage(fake);

    // Act
    const approved = await invoke(deps, budget, { action: 'approve', workload: 'crypto-oms', by: OPS }, 'req-approve-3');

    // Assess
    expect(result(rolledBack)).toMatchObject({ outcome: 'succeeded' });
    expect(afterRollback).toBe(pinned('v1.1.0'));
    expect(Object.values(held?.images ?? {})).toContain(pinned('v1.3.0'));
    expect(result(approved)).toMatchObject({ outcome: 'succeeded' });
    expect(runningImage(fake)).toBe(pinned('v1.3.0'));
    const released = history(fake).at(-1);
    expect(released).toMatchObject({ kind: 'deploy', result: 'succeeded', heldAs: held?.revision });
    expect(released?.images).toEqual(held?.images);
  });

  it('drops a rejected release, records who rejected it, and refuses to approve it afterwards', async () => {
    // Prepare
    const { deps, budget, fake } = await setUp(APPROVAL);
    await deliver(deps, budget, push('v1.1.0'));

    // Act
    const rejected = await invoke(deps, budget, { action: 'reject', workload: 'crypto-oms', by: OPS });
    const approved = await invoke(deps, budget, { action: 'approve', workload: 'crypto-oms', release: 1, by: OPS });

    // Assess
    expect(result(rejected)).toEqual({ outcome: 'rejected', revision: 1, reason: `rejected by ${OPS}` });
    expect(history(fake)).toEqual([
      expect.objectContaining({ revision: 1, result: 'rejected', rejection: { by: OPS, at: new Date(FRIDAY_FIVE_PM).toISOString(), requestId: 'c6af9ac6' } }),
    ]);
    expect(result(approved)).toEqual({
      outcome: 'refused',
      revision: 1,
      reason: expect.stringMatching(/^release 1 was rejected \(by arn:aws:sts::.* push it again/) as string,
    });
    expect(fake.appliedObjects().filter((object) => object.startsWith('Deployment'))).toEqual([]);
  });

  it('supersedes a waiting release with a newer push, refuses to approve the older one, and rolls out the newer on approval', async () => {
    // Prepare
    const { deps, budget, fake } = await setUp(APPROVAL);
    await deliver(deps, budget, push('v1.1.0'));

    // Act
    await deliver(deps, budget, push('v1.2.0'));
    const older = await invoke(deps, budget, { action: 'approve', workload: 'crypto-oms', release: 1, by: OPS });
    const newer = await invoke(deps, budget, { action: 'approve', workload: 'crypto-oms', by: OPS });

    // Assess
    expect(result(older)).toEqual({ outcome: 'refused', revision: 1, reason: 'release 1 was superseded (superseded by release 2): release 2 waits instead' });
    expect(result(newer)).toMatchObject({ outcome: 'succeeded', revision: 3 });
    expect(runningImage(fake)).toBe(pinned('v1.2.0'));
    expect(history(fake).map((record) => [record.revision, record.result])).toEqual([
      [1, 'superseded'],
      [2, 'released'],
      [3, 'succeeded'],
    ]);
  });

  it('keeps one waiting release when SQS delivers the same push again, under its own or a new delivery id', async () => {
    // Prepare
    const { deps, budget, fake } = await setUp(APPROVAL);
    await deliver(deps, budget, push('v1.1.0'));

    // Act
    const redelivered = await deliver(deps, budget, push('v1.1.0'), push('v1.1.0', 'delivery-redelivered'));

    // Assess
    expect(redelivered.batchItemFailures).toEqual([]);
    expect(history(fake)).toEqual([expect.objectContaining({ revision: 1, result: 'waiting', deliveryId: 'delivery-v1.1.0' })]);
  });

  it('holds a push during a weekly freeze until the window ends, and the first scheduled run after it releases the push', async () => {
    // Prepare
    const { deps, budget, fake } = await setUp(FRIDAY_FREEZE);

    // Act
    await deliver(deps, budget, push('v1.1.0'));
    const held = history(fake);
    clock = Date.parse('2026-11-27T23:45:00Z');
    const during = await schedule(deps, budget);
    const imageDuring = runningImage(fake);
    // Saturday's window starts at 16:00: just after midnight nothing freezes.
    clock = Date.parse('2026-11-28T00:15:00Z');
    const after = await schedule(deps, budget);

    // Assess
    expect(held).toEqual([
      expect.objectContaining({
        result: 'waiting',
        reason: 'frozen until 2026-11-28T00:00:00.000Z (fri, sat 16:00-23:59 (Europe/London))',
        hold: { approval: false, frozenUntil: '2026-11-28T00:00:00.000Z', window: 'fri, sat 16:00-23:59 (Europe/London)' },
      }),
    ]);
    expect(during.held).toBeUndefined();
    expect(imageDuring).not.toBe(pinned('v1.1.0'));
    expect(after.held).toEqual([
      { cluster: 'crypto-oms', workload: 'crypto-oms', result: expect.objectContaining({ outcome: 'succeeded', revision: 2 }) as unknown },
    ]);
    expect(runningImage(fake)).toBe(pinned('v1.1.0'));
    expect(history(fake)).toEqual([
      expect.objectContaining({ revision: 1, result: 'released', releasedAs: 2, reason: 'released as release 2: the freeze ended' }),
      expect.objectContaining({ revision: 2, result: 'succeeded', heldAs: 1 }),
    ]);
  });

  it('releases a manual deploy with force during a freeze at once, and records who forced it', async () => {
    // Prepare
    const { deps, budget, fake } = await setUp(FRIDAY_FREEZE);

    // Act
    const forced = await invoke(deps, budget, { action: 'deploy', workload: 'crypto-oms', image: pinned('v1.1.0'), force: true, by: OPS }, 'req-force');

    // Assess
    expect(result(forced)).toMatchObject({ outcome: 'succeeded', revision: 1 });
    expect(history(fake)).toEqual([
      expect.objectContaining({
        revision: 1,
        result: 'succeeded',
        forced: { by: OPS, at: new Date(FRIDAY_FIVE_PM).toISOString(), requestId: 'req-force' },
        reason: `released during a freeze: forced by ${OPS}`,
      }),
    ]);
  });

  it('records an approval given during a freeze, keeps the release waiting, and releases it when the approver forces it', async () => {
    // Prepare
    const { deps, budget, fake } = await setUp([...APPROVAL, '    freeze:', '      - { from: 2026-11-27, to: 2026-11-27, timeZone: Europe/London }']);
    await deliver(deps, budget, push('v1.1.0'));
    await deliver(deps, budget, push('v1.2.0'));

    // Act
    const approvedFrozen = await invoke(deps, budget, { action: 'approve', workload: 'crypto-oms', by: OPS });
    const waiting = history(fake).at(-1);
    const forced = await invoke(deps, budget, { action: 'approve', workload: 'crypto-oms', force: true, by: 'arn:aws:iam::123456789012:user/oncall' });

    // Assess
    expect(result(approvedFrozen)).toEqual({
      outcome: 'waiting',
      revision: 2,
      approval: false,
      frozenUntil: '2026-11-28T00:00:00.000Z',
      reason: `approved by ${OPS}; frozen until 2026-11-28T00:00:00.000Z (2026-11-27 to 2026-11-27 (Europe/London))`,
    });
    expect(waiting).toMatchObject({ result: 'waiting', approval: { by: OPS } });
    expect(result(forced)).toMatchObject({ outcome: 'succeeded', revision: 3 });
    expect(history(fake).at(-1)).toMatchObject({
      result: 'succeeded',
      heldAs: 2,
      approval: { by: OPS },
      forced: { by: 'arn:aws:iam::123456789012:user/oncall' },
      reason: `held release 2 released: approved by ${OPS} (forced by arn:aws:iam::123456789012:user/oncall)`,
    });
  });

  it('releases an approval given during a freeze at the first scheduled run after the window, with the approval recorded', async () => {
    // Prepare
    const { deps, budget, fake } = await setUp([...APPROVAL, '    freeze:', '      - { from: 2026-11-27, to: 2026-11-27, timeZone: Europe/London }']);
    await deliver(deps, budget, push('v1.1.0'));
    const unapproved = await schedule(deps, budget);
    await invoke(deps, budget, { action: 'approve', workload: 'crypto-oms', by: OPS });

    // Act
    clock = Date.parse('2026-11-27T23:59:00Z');
    const during = await schedule(deps, budget);
    clock = Date.parse('2026-11-28T00:00:00Z');
    const after = await schedule(deps, budget);

    // Assess
    expect(unapproved.held).toBeUndefined();
    expect(during.held).toBeUndefined();
    expect(after.held).toEqual([
      { cluster: 'crypto-oms', workload: 'crypto-oms', result: expect.objectContaining({ outcome: 'succeeded', revision: 2 }) as unknown },
    ]);
    expect(history(fake)).toEqual([
      expect.objectContaining({ revision: 1, result: 'released', reason: `released as release 2: approved by ${OPS}; the freeze ended` }),
      expect.objectContaining({ revision: 2, result: 'succeeded', approval: expect.objectContaining({ by: OPS }) as unknown }),
    ]);
    expect(runningImage(fake)).toBe(pinned('v1.1.0'));
  });
});
