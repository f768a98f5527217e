import scheduleEvent from '../../../events/deploy/schedule.json';
import type { DriftReport } from '../../../functions/deploy/drift';
import type { KubernetesObject } from '../../../shared/k8s';
import { captureLogLines } from '../../helpers/log-lines';
import { CRYPTO_OMS } from './support';
import { push, WorkerHarness } from './worker-harness';

const SECRET_PATH = '/api/v1/namespaces/crypto-oms/secrets/crypto-oms-secret';
/** The credentials an operator put in the cluster by hand (kubectl create secret), as the API server stores them. */
const FOREIGN: KubernetesObject = {
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name: 'crypto-oms-secret', namespace: 'crypto-oms', uid: 'secret-1', resourceVersion: '7' },
  type: 'Opaque',
  data: { DATABASE_URL: Buffer.from('postgres://oms:real-password@db.internal/oms').toString('base64') },
};

describe('Secrets deploy does not own', () => {
  const worker = new WorkerHarness();

  afterEach(async () => {
    jest.restoreAllMocks();
    await worker.stop();
  });

  it('never overwrites an existing Secret without its ownership label, nor reports it as drift', async () => {
    // Prepare
    const logs = captureLogLines();
    const fake = await worker.start(CRYPTO_OMS, { seed: { [SECRET_PATH]: structuredClone(FOREIGN) } });

    // Act
    const response = await worker.deliver([push('v1.1.0')]);
    const drift = await worker.invoke<{ reports: DriftReport[] }>({ ...scheduleEvent });

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    expect(worker.releases()).toEqual([expect.objectContaining({ result: 'succeeded' })]);
    expect(fake.objects.get(SECRET_PATH)).toEqual(FOREIGN);
    expect(fake.server.requests.filter((request) => request.path === SECRET_PATH).map((request) => request.method)).toEqual(['GET', 'GET']);
    expect(drift.reports[0]).toMatchObject({ status: 'in-sync', drift: [] });
    expect(logs.lines().find((line) => line.message === "secret exists and is not deploy's: not applied")).toMatchObject({ object: 'Secret crypto-oms/crypto-oms-secret' });
    expect(logs.raw()).not.toContain('real-password');
    expect(logs.raw()).not.toContain(FOREIGN.data ? (FOREIGN.data as Record<string, string>).DATABASE_URL : 'x');
  });
});
