import type { DriftReport } from '../../../../functions/deploy/worker/drift';
import type { ManualResponse } from '../../../../functions/deploy/worker/invoke';
import { MAX_REFUSALS } from '../../../../functions/deploy/model/releases';
import scheduleEvent from '../../../../events/deploy/schedule.json';
import { captureLogLines } from '../../../../testing/log-lines';
import { deadlineExceeded } from '../../../../testing/fake-k8s';
import { CRYPTO_OMS, digestOf } from '../../../../testing/deploy-events';
import { ORDER_INGESTION, push, WorkerHarness } from '../worker-harness';

const EVIL = `evil.example.com/miner:latest@${digestOf('miner')}`;
const RISK_ENGINE = 'ghcr.io/crypto-oms/risk-engine';

describe('the release history deploy keeps', () => {
  const worker = new WorkerHarness();

  afterEach(async () => {
    jest.restoreAllMocks();
    await worker.stop();
  });

  it('keeps the succeeded release running and known after 60 refusals, and the next drift check finds the workload in sync', async () => {
    // Prepare: v1.2.0 runs; then 30 older tags and 30 re-pushes of one older tag, each a new digest
    captureLogLines();
    await worker.start(CRYPTO_OMS);
    await worker.deliver([push('v1.2.0')]);
    const older = Array.from({ length: 30 }, (_, index) => push(`v1.1.${index}`, { deliveryId: `old-tag-${index}` }));
    const repushed = Array.from({ length: 30 }, (_, index) => push('v1.0.5', { digest: digestOf(`repush-${index}`), deliveryId: `repush-${index}` }));
    const refusals = [...older, ...repushed];

    // Act
    const answers = [];
    for (let index = 0; index < refusals.length; index += 10) answers.push(await worker.deliver(refusals.slice(index, index + 10)));
    const drift = await worker.invoke<{ reports: DriftReport[] }>(scheduleEvent);

    // Assess
    expect(answers.every((answer) => answer.batchItemFailures.length === 0)).toBe(true);
    const history = worker.releases();
    expect(history[0]).toMatchObject({ revision: 1, result: 'succeeded', image: { tag: 'v1.2.0' } });
    const refused = history.filter((record) => record.result === 'refused');
    expect(refused).toHaveLength(MAX_REFUSALS);
    expect(refused.find((record) => record.image?.tag === 'v1.0.5')).toMatchObject({
      count: 30,
      lastDeliveryId: 'repush-29',
      reason: 'v1.0.5 is older than v1.2.0, which runs: semver rules only move forward',
    });
    expect(worker.deploymentImage('order-ingestion')).toBe(`${ORDER_INGESTION}:v1.2.0@${digestOf(`${ORDER_INGESTION}:v1.2.0`)}`);
    expect(drift.reports).toEqual([{ cluster: 'crypto-oms', workload: 'crypto-oms', status: 'Converged', drift: [], orphans: [], pruned: [] }]);
  });

  it('refuses a drift remediation from a tampered history record, naming why, and changes nothing', async () => {
    // Prepare: release 1 runs; someone rewrites it so that risk-engine runs a miner
    captureLogLines();
    const fake = await worker.start(CRYPTO_OMS);
    await worker.deliver([push('v1.1.0')]);
    const [release] = worker.releases();
    worker.tamper([{ ...release, images: { ...release?.images, [RISK_ENGINE]: EVIL } }]);
    const appliedBefore = fake.appliedObjects().length;

    // Act: the drift check, and a push of another repository that would carry the miner over
    const drift = await worker.invoke<{ reports: DriftReport[] }>(scheduleEvent);
    const pushed = await worker.deliver([push('v1.2.0')]);

    // Assess
    expect(drift.reports[0]).toMatchObject({ status: 'Blocked' });
    expect(drift.reports[0]?.error).toBe(
      `release 1's images are not taken by the workload's image policies (${RISK_ENGINE}: ${EVIL} is not a pinned image of ${RISK_ENGINE}): not restored`,
    );
    expect(pushed.batchItemFailures).toEqual([]);
    expect(worker.releases().at(-1)).toMatchObject({ result: 'refused', image: { tag: 'v1.2.0' }, reason: expect.stringContaining(EVIL) as string });
    expect(fake.appliedObjects().slice(appliedBefore)).toEqual(['ConfigMap crypto-oms/eks-pilot-releases-crypto-oms']);
    expect(JSON.stringify([...fake.objects.values()].filter((object) => object.kind === 'Deployment'))).not.toContain('evil.example.com');
  });

  it('refuses a manual rollback to a tampered release, and one to a failed release unless forced', async () => {
    // Prepare: 1 succeeded (tampered below), 2 succeeded, 3 failed and rolled back by 4
    captureLogLines();
    let failing = true;
    await worker.start(CRYPTO_OMS, {
      rollout: {
        'order-ingestion': (object, reads) => (failing && JSON.stringify(object.spec).includes(':v1.3.0@') ? deadlineExceeded(object, reads) : undefined),
      },
    });
    await worker.deliver([push('v1.1.0')]);
    await worker.deliver([push('v1.2.0')]);
    await worker.deliver([push('v1.3.0')]);
    const history = worker.releases();
    worker.tamper(
      history.map((record) =>
        record.revision === 1 ? { ...record, images: { ...record.images, [ORDER_INGESTION]: `${ORDER_INGESTION}:latest@${digestOf('miner')}` } } : record,
      ),
    );
    failing = false;

    // Act
    const toTampered = await worker.invoke<ManualResponse>({ action: 'rollback', workload: 'crypto-oms', to: 1 });
    const toFailed = await worker.invoke<ManualResponse>({ action: 'rollback', workload: 'crypto-oms', to: 3 });
    const forced = await worker.invoke<ManualResponse>({ action: 'rollback', workload: 'crypto-oms', to: 3, force: true });

    // Assess
    expect(history.map((record) => [record.revision, record.kind, record.result])).toEqual([
      [1, 'deploy', 'succeeded'],
      [2, 'deploy', 'succeeded'],
      [3, 'deploy', 'rolled-back'],
      [4, 'rollback', 'succeeded'],
    ]);
    expect(toTampered).toMatchObject({
      action: 'rollback',
      result: {
        outcome: 'refused',
        reason: `rollback to release 1 refused: its images are not taken by the workload's image policies (${ORDER_INGESTION}:latest@${digestOf('miner')}: tag latest matches no current rule (semver >=1.0.0 (prod)))`,
      },
    });
    expect(toFailed).toMatchObject({
      action: 'rollback',
      result: {
        outcome: 'refused',
        reason: expect.stringMatching(/^release 3 was rolled back \(.*ProgressDeadlineExceeded.*\): rolling back to it needs "force": true$/) as string,
      },
    });
    expect(forced).toMatchObject({ action: 'rollback', result: { outcome: 'succeeded' } });
    expect(worker.releases().at(-1)).toMatchObject({ kind: 'rollback', result: 'succeeded', reason: 'manual rollback to release 3 (forced)' });
    expect(worker.deploymentImage('order-ingestion')).toContain(':v1.3.0@');
  });
});
