import { eipNotifications, notifyEipReports } from '../../../functions/eip-manager/notify';
import type { EipClusterReport, PoolReport } from '../../../functions/eip-manager/run';
import type { DriftMemory } from '../../../shared/ports/drift-memory';
import { RecordingNotifier } from '../../../testing/fake-notifier';

const NOW = new Date('2026-12-01T10:00:00Z');
const quiet = (): undefined => undefined;
const logger = { info: quiet, warn: quiet, error: quiet };

function pool(overrides: Partial<PoolReport>): PoolReport {
  return {
    pool: 'nat-egress',
    status: 'Converged',
    summary: '2 of 2 held',
    count: 2,
    held: 2,
    attached: 2,
    missing: 0,
    surplus: 0,
    unserved: 0,
    publicIps: ['198.51.100.1', '198.51.100.2'],
    parameter: '/eks-pilot/dev/eu-west-1/kianax/eip-pools/nat-egress',
    published: 'unchanged',
    quotaExhausted: false,
    ...overrides,
  };
}

function report(pools: PoolReport[], executed: EipClusterReport['executed'] = []): EipClusterReport {
  return { cluster: 'kianax', region: 'eu-west-1', mode: 'apply', status: 'Converged', summary: '', pools, executed, deferred: [], blocked: [] };
}

class MemoryDouble implements DriftMemory {
  readonly entries = new Map<string, string[]>();
  recall(region: string, cluster: string): Promise<string[] | null> {
    return Promise.resolve(this.entries.get(`${region}/${cluster}`) ?? null);
  }
  remember(region: string, cluster: string, drift: string[]): Promise<void> {
    this.entries.set(`${region}/${cluster}`, drift);
    return Promise.resolve();
  }
  forget(region: string, cluster: string): Promise<void> {
    this.entries.delete(`${region}/${cluster}`);
    return Promise.resolve();
  }
}

describe('eip-manager notifications', () => {
  it.each([
    {
      event: 'eip.allocated',
      report: report(
        [pool({})],
        [{ kind: 'AllocateAddress', pool: 'nat-egress', target: 'natgateway/nat-0a1', allocationId: 'eipalloc-1', publicIp: '198.51.100.2' }],
      ),
      summary: 'pool nat-egress allocated 198.51.100.2 (eipalloc-1)',
      link: 'https://console.aws.amazon.com/ec2/home?region=eu-west-1#ElasticIpDetails:AllocationId=eipalloc-1',
    },
    {
      event: 'eip.released',
      report: report(
        [pool({})],
        [{ kind: 'ReleaseAddress', pool: 'nat-egress', target: 'pool/nat-egress', allocationId: 'eipalloc-3', publicIp: '198.51.100.3' }],
      ),
      summary: 'pool nat-egress released 198.51.100.3 (eipalloc-3)',
      link: 'https://console.aws.amazon.com/ec2/home?region=eu-west-1#ElasticIpDetails:AllocationId=eipalloc-3',
    },
    {
      event: 'eip.quota-reached',
      report: report([pool({ held: 1, missing: 1, quotaExhausted: true, status: 'Blocked' })]),
      summary: 'pool nat-egress lacks 1 address(es): the Elastic IP quota of eu-west-1 is used up',
      link: 'https://eu-west-1.console.aws.amazon.com/servicequotas/home/services/ec2/quotas/L-0263D0A3',
    },
    {
      event: 'eip.surplus',
      report: report([pool({ held: 3, surplus: 1, status: 'Drifted' })]),
      summary: 'pool nat-egress holds 1 address(es) beyond its count of 2',
      link: 'https://console.aws.amazon.com/ec2/home?region=eu-west-1#Addresses:',
    },
  ])('tells $event once with the cluster, the pool, the reason and the links', ({ event, report: given, summary, link }) => {
    // Act
    const notifications = eipNotifications(given, null, NOW);

    // Assess
    expect(notifications.map((item) => item.event)).toEqual([event]);
    expect(notifications[0]).toMatchObject({
      function: 'eip-manager',
      cluster: 'kianax',
      region: 'eu-west-1',
      subject: { kind: 'pool', name: 'nat-egress' },
      summary,
    });
    expect(notifications[0]?.reason.length).toBeGreaterThan(0);
    expect(notifications[0]?.links[0]?.url).toBe('https://console.aws.amazon.com/eks/home?region=eu-west-1#/clusters/kianax');
    expect(notifications[0]?.links.map((item) => item.url)).toContain(link);
  });

  it('tells a lasting quota once over several runs, again when it returns after it went', async () => {
    // Prepare
    const notifier = new RecordingNotifier();
    const memory = new MemoryDouble();
    const blocked = report([pool({ held: 1, missing: 1, quotaExhausted: true, status: 'Blocked' })]);
    const deps = { notifier, memory, logger, now: () => NOW };

    // Act
    await notifyEipReports([blocked], deps);
    await notifyEipReports([blocked], deps);
    await notifyEipReports([report([pool({})])], deps);
    await notifyEipReports([blocked], deps);

    // Assess
    expect(notifier.events()).toEqual(['eip.quota-reached', 'eip.quota-reached']);
    expect(memory.entries.get('eu-west-1/kianax')).toEqual(['quota-reached nat-egress']);
  });

  it('tells the quota again on the next run when its publish failed, and never throws', async () => {
    // Prepare
    const notifier = new RecordingNotifier();
    notifier.failWith = new Error('throttled');
    const memory = new MemoryDouble();
    const blocked = report([pool({ held: 1, missing: 1, quotaExhausted: true, status: 'Blocked' })]);
    const deps = { notifier, memory, logger, now: () => NOW };

    // Act
    await notifyEipReports([blocked], deps);
    notifier.failWith = undefined;
    await notifyEipReports([blocked], deps);

    // Assess
    expect(notifier.events()).toEqual(['eip.quota-reached']);
  });
});
