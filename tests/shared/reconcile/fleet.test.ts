import { RequestRejectedError, ThrottledError } from '../../../shared/errors';
import type { FleetItem, ReportHead } from '../../../shared/reconcile/fleet';
import { finishReport, runFleet } from '../../../shared/reconcile/fleet';
import type { Status } from '../../../shared/reconcile/status';
import type { MetricsSink } from '../../../shared/reconcile/metrics';
import { publishCounts } from '../../../shared/reconcile/metrics';
import type { ClusterSpec } from '../../../shared/model/cluster-spec/schema';

type Report = ReportHead & { executed: string[] };

function recorder() {
  const logs: { level: string; message: string; facts: Record<string, unknown> }[] = [];
  const record = (level: string) => (message: string, facts: Record<string, unknown>) => logs.push({ level, message, facts });
  return { logs, logger: { info: record('info'), warn: record('warn'), error: record('error') } };
}

// Only the fields the runner reads: a cluster's name and Region.
const item = (name: string): FleetItem => ({ spec: { name, region: 'eu-west-1' } as ClusterSpec, file: `specs/${name}.yaml`, mode: 'apply' });

describe('runFleet', () => {
  it('runs at most `concurrency` clusters at once and reports in input order', async () => {
    // Prepare
    const { logger } = recorder();
    let running = 0;
    let peak = 0;

    // Act
    const reports = await runFleet([item('a'), item('b'), item('c'), item('d'), item('e')], {
      run: async ({ spec, mode }): Promise<Report> => {
        running += 1;
        peak = Math.max(peak, running);
        await new Promise((resolve) => setTimeout(resolve, spec.name === 'a' ? 20 : 2));
        running -= 1;
        return { cluster: spec.name, region: spec.region, mode, status: 'Converged', summary: 'matches the spec', executed: [] };
      },
      failed: (head) => ({ ...head, executed: [] }),
      logger,
      failure: 'cluster run failed',
      concurrency: 2,
    });

    // Assess
    expect(reports.map((report) => report.cluster)).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(peak).toBe(2);
  });

  it.each<[string, Error, Status]>([
    ['a transient failure', new ThrottledError('DescribeCluster throttled'), 'InProgress'],
    ['anything else', new RequestRejectedError('DescribeCluster rejected: AccessDenied'), 'Blocked'],
  ])('reports a cluster whose run throws on %s as %s, logged once, and the others carry on', async (_label, error, status) => {
    // Prepare
    const { logger, logs } = recorder();

    // Act
    const reports = await runFleet([item('a'), item('b')], {
      run: ({ spec, mode }): Promise<Report> =>
        spec.name === 'a'
          ? Promise.reject(error)
          : Promise.resolve({ cluster: spec.name, region: spec.region, mode, status: 'Converged', summary: 'matches the spec', executed: [] }),
      failed: (head) => ({ ...head, executed: [] }),
      logger,
      failure: 'cluster run failed',
    });

    // Assess
    expect(reports).toEqual([
      {
        cluster: 'a',
        region: 'eu-west-1',
        source: 'specs/a.yaml',
        mode: 'apply',
        status,
        summary: `run failed: ${error.name}: ${error.message}`,
        executed: [],
      },
      { cluster: 'b', region: 'eu-west-1', mode: 'apply', status: 'Converged', summary: 'matches the spec', executed: [] },
    ]);
    expect(logs).toEqual([
      { level: 'error', message: 'cluster run failed', facts: expect.objectContaining({ cluster: 'a', region: 'eu-west-1', status }) as unknown },
    ]);
  });
});

describe('finishReport', () => {
  it.each([
    ['Converged', 'info'],
    ['Drifted', 'info'],
    ['InProgress', 'info'],
    ['Blocked', 'warn'],
  ] as const)('sets %s with its summary and logs it at %s level', (status, level) => {
    // Prepare
    const { logger, logs } = recorder();
    const report: Report = { cluster: 'a', region: 'eu-west-1', mode: 'plan', status: 'Converged', summary: '', executed: ['x'] };

    // Act
    const finished = finishReport(report, status, 'why', logger, 'cluster reconciled');

    // Assess
    expect(finished).toMatchObject({ status, summary: 'why' });
    expect(logs).toEqual([
      { level, message: 'cluster reconciled', facts: { cluster: 'a', region: 'eu-west-1', mode: 'plan', status, summary: 'why', executed: 1 } },
    ]);
  });
});

describe('publishCounts', () => {
  it('publishes each count as its own metric with exactly the dimensions given', () => {
    // Prepare
    const published: { dimensions: Record<string, string>; name: string; unit: string; value: number }[] = [];
    const metrics: MetricsSink = {
      singleMetric: () => {
        const dimensions: Record<string, string> = {};
        const metric = {
          addDimension: (name: string, value: string) => {
            dimensions[name] = value;
            return metric;
          },
          addMetric: (name: string, unit: string, value: number) => {
            published.push({ dimensions: { ...dimensions }, name, unit, value });
            return metric;
          },
        };
        // Safe: the two methods publishCounts calls, recorded.
        return metric as unknown as ReturnType<MetricsSink['singleMetric']>;
      },
    };

    // Act
    publishCounts(metrics, { Cluster: 'kianax', Pool: 'egress' }, [['ElasticIpsHeld', 2]]);
    publishCounts(metrics, {}, [['AddressLimitExceeded', 1]]);
    publishCounts(undefined, { Cluster: 'kianax' }, [['Ignored', 1]]);

    // Assess
    expect(published).toEqual([
      { dimensions: { Cluster: 'kianax', Pool: 'egress' }, name: 'ElasticIpsHeld', unit: 'Count', value: 2 },
      { dimensions: {}, name: 'AddressLimitExceeded', unit: 'Count', value: 1 },
    ]);
  });
});
