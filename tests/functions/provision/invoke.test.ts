import path from 'node:path';
import { handleProvisionEvent } from '../../../functions/provision/invoke';
import type { DriftMemory } from '../../../shared/ports/drift-memory';
import type { Notifier } from '../../../shared/ports/notifier';
import { UpstreamError } from '../../../shared/errors';
import { loadSpecs } from '../../../shared/model/cluster-spec/load';
import { FakeEks } from '../../../testing/fake-eks';

const KIANAX = path.join(__dirname, '../../../examples/kianax');
const schedule = { 'detail-type': 'Scheduled Event' as const, source: 'aws.events' as const, time: '2026-11-22T12:00:00Z', resources: [] };

function memoryFake(): DriftMemory & { stored: Map<string, string[]> } {
  const stored = new Map<string, string[]>();
  return {
    stored,
    recall: (region, cluster) => Promise.resolve(stored.get(`${region}/${cluster}`) ?? null),
    remember: (region, cluster, drift) => Promise.resolve(void stored.set(`${region}/${cluster}`, [...drift])),
    forget: (region, cluster) => Promise.resolve(void stored.delete(`${region}/${cluster}`)),
  };
}

describe('handleProvisionEvent with drift notifications', () => {
  it('publishes new drift once and stays quiet while the same drift remains', async () => {
    // Prepare
    const eks = new FakeEks({ region: 'us-east-1' });
    const published: { subject: string; message: string }[] = [];
    const notifier: Notifier = { publish: (subject, message) => Promise.resolve(void published.push({ subject, message })) };
    const memory = memoryFake();
    const logger = { info: jest.fn(), warn: jest.fn(), error: jest.fn() };
    const deps = { eksFor: () => eks, now: () => new Date('2026-11-22T12:00:00Z'), logger, specPaths: [KIANAX], notify: { notifier, memory } };

    // Act
    const first = await handleProvisionEvent(schedule, deps);
    const second = await handleProvisionEvent(schedule, deps);

    // Assess
    expect(first.reports[0]?.status).toBe('Drifted');
    expect(second.reports[0]?.status).toBe('Drifted');
    expect(published).toHaveLength(1);
    expect(published[0]?.subject).toBe('eks-pilot: new drift on kianax (us-east-1)');
    expect(published[0]?.message).toContain('cluster/kianax missing');
    expect(memory.stored.get('us-east-1/kianax')).toContain('cluster/kianax missing');
    expect(eks.writes()).toEqual([]);
  });

  it.each<[string, Partial<Notifier & DriftMemory>]>([
    [
      'SNS answers 503',
      {
        publish: () =>
          Promise.reject(
            new UpstreamError('Publish failed: ServiceUnavailable', {
              cause: Object.assign(new Error('try later'), { name: 'ServiceUnavailable', $metadata: { httpStatusCode: 503 } }),
            }),
          ),
      },
    ],
    [
      'SNS refuses the topic (403)',
      {
        publish: () =>
          Promise.reject(
            new UpstreamError('Publish failed: AuthorizationError', {
              cause: Object.assign(new Error('denied'), { name: 'AuthorizationError', $metadata: { httpStatusCode: 403 } }),
            }),
          ),
      },
    ],
    [
      'SSM throttles the recall',
      {
        recall: () =>
          Promise.reject(
            new UpstreamError('GetParameter failed: ThrottlingException', {
              cause: Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }),
            }),
          ),
      },
    ],
    [
      'SSM is unreachable (ECONNREFUSED)',
      {
        remember: () =>
          Promise.reject(new UpstreamError('PutParameter failed', { cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }) })),
      },
    ],
  ])('keeps a drifted report Drifted, never Blocked, when %s', async (_label, failing) => {
    // Prepare
    const eks = new FakeEks({ region: 'us-east-1' });
    const memory = { ...memoryFake(), ...pick(failing, ['recall', 'remember', 'forget']) };
    const notifier: Notifier = { publish: () => Promise.resolve(), ...pick(failing, ['publish']) };
    const logger = { info: jest.fn(), warn: jest.fn(), error: jest.fn() };
    const deps = { eksFor: () => eks, now: () => new Date('2026-11-22T12:00:00Z'), logger, specPaths: [KIANAX], notify: { notifier, memory } };

    // Act
    const response = await handleProvisionEvent(schedule, deps);

    // Assess
    expect(response.reports.map((report) => report.status)).toEqual(['Drifted']);
    expect(logger.error).toHaveBeenCalledWith('drift notification failed', expect.objectContaining({ cluster: 'kianax' }));
  });
});

function pick<T extends object>(value: T, keys: readonly string[]): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([key]) => keys.includes(key))) as Partial<T>;
}

describe("handleProvisionEvent and the access entries' detail", () => {
  const ADMINS = 'arn:aws:iam::777788889999:role/kianax-platform-admins';
  const at = (time: string) => ({ ...schedule, time });

  async function convergedKianax(): Promise<{ eks: FakeEks; deps: Parameters<typeof handleProvisionEvent>[1] }> {
    const eks = new FakeEks({ region: 'us-east-1' });
    const [loaded] = await loadSpecs([KIANAX]);
    if (loaded === undefined) throw new Error('no kianax spec');
    eks.seedFromSpec(loaded.spec);
    const logger = { info: jest.fn(), warn: jest.fn(), error: jest.fn() };
    return { eks, deps: { eksFor: () => eks, now: () => new Date('2026-11-22T12:05:00Z'), logger, specPaths: [KIANAX] } };
  }

  const detailReads = (eks: FakeEks): string[] =>
    eks
      .reads()
      .map((call) => call.name)
      .filter((name) => name === 'DescribeAccessEntry' || name === 'ListAssociatedAccessPolicies');

  it('lists the entries on a scheduled run off the hour, and reads their detail on the run at the top of the hour', async () => {
    // Prepare
    const { eks, deps } = await convergedKianax();

    // Act
    const offHour = await handleProvisionEvent(at('2026-11-22T12:05:00Z'), deps);
    const offHourReads = detailReads(eks);
    const onHour = await handleProvisionEvent(at('2026-11-22T13:00:00Z'), deps);

    // Assess
    expect(offHour.reports[0]?.status).toBe('Converged');
    expect(offHourReads).toEqual([]);
    expect(eks.reads().map((call) => call.name)).toContain('ListAccessEntries');
    expect(onHour.reports[0]?.status).toBe('Converged');
    expect(detailReads(eks)).toEqual(['DescribeAccessEntry', 'ListAssociatedAccessPolicies']);
  });

  it('finds a policy taken away by hand on the hourly check, and a deleted entry on any run', async () => {
    // Prepare
    const { eks, deps } = await convergedKianax();
    await eks.execute({
      kind: 'DisassociateAccessPolicy',
      request: { clusterName: 'kianax', principalArn: ADMINS, policyArn: 'arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy' },
    });

    // Act
    const offHour = await handleProvisionEvent(at('2026-11-22T12:10:00Z'), deps);
    const onHour = await handleProvisionEvent(at('2026-11-22T13:02:00Z'), deps);
    const manual = await handleProvisionEvent({ mode: 'plan', cluster: 'kianax' }, deps);

    // Assess
    expect(offHour.reports[0]?.status).toBe('Converged');
    expect(onHour.reports[0]?.drift).toEqual([`access-policy/${ADMINS}/AmazonEKSClusterAdminPolicy missing`]);
    expect(manual.reports[0]?.drift).toEqual(onHour.reports[0]?.drift);
  });
});
