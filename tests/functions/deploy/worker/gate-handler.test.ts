import approveEvent from '../../../../events/deploy/approve.json';
import rejectEvent from '../../../../events/deploy/reject.json';
import type { ManualResponse } from '../../../../functions/deploy/worker/invoke';
import { lambdaContext } from '../../../../testing/lambda-context';
import { rejected } from '../../../../testing/answers';
import { captureLogLines } from '../../../../testing/log-lines';
import { gatedCryptoOms } from '../../../../testing/gated-spec';
import type { GatedSpec } from '../../../../testing/gated-spec';
import { push, WorkerHarness } from '../worker-harness';

// A release rolls out through the real handler and a fake API server: more than jest's default 5 s on a busy machine.
jest.setTimeout(30_000);

describe('deploy-worker approve and reject through the real handler', () => {
  const worker = new WorkerHarness();
  let gated: GatedSpec | undefined;

  afterEach(async () => {
    await worker.stop();
    gated?.remove();
    gated = undefined;
  });

  it('approves the waiting release with events/deploy/approve.json, recording lambda-invoke and the request id as the caller', async () => {
    // Prepare
    gated = gatedCryptoOms(['  - name: prod', '    approval: required']);
    await worker.start(gated.file);
    await worker.deliver([push('v1.1.0')]);

    // Act
    const answer = await worker.invoke<ManualResponse>(approveEvent);

    // Assess
    expect(answer).toMatchObject({ action: 'approve', cluster: 'crypto-oms', workload: 'crypto-oms', result: { outcome: 'succeeded', revision: 2 } });
    expect(worker.releases().at(-1)).toMatchObject({
      result: 'succeeded',
      heldAs: 1,
      approval: { by: 'lambda-invoke', requestId: lambdaContext.awsRequestId },
    });
  });

  it('rejects release 1 with events/deploy/reject.json, and answers a second reject as a no-op', async () => {
    // Prepare
    gated = gatedCryptoOms(['  - name: prod', '    approval: required']);
    await worker.start(gated.file);
    await worker.deliver([push('v1.1.0')]);

    // Act
    const first = await worker.invoke<ManualResponse>(rejectEvent);
    const second = await worker.invoke<ManualResponse>(rejectEvent);

    // Assess
    expect(first).toMatchObject({ action: 'reject', result: { outcome: 'rejected', revision: 1, reason: 'rejected by lambda-invoke' } });
    expect(second).toMatchObject({ action: 'reject', result: { outcome: 'unchanged' } });
    expect(worker.releases()).toEqual([expect.objectContaining({ revision: 1, result: 'rejected' })]);
  });

  it('answers an approve naming release 0 with an error object naming the field, without a stack', async () => {
    // Prepare
    captureLogLines();
    gated = gatedCryptoOms(['  - name: prod', '    approval: required']);
    await worker.start(gated.file);

    // Act
    const answer = await worker.invoke<unknown>({ action: 'approve', workload: 'crypto-oms', release: 0 });

    // Assess
    expect(rejected(answer)).toMatchObject({ name: 'InvalidEventError', field: 'release' });
    expect(JSON.stringify(answer)).not.toMatch(/\n\s+at /);
  });
});
