import { InvalidEventError, ThrottledError } from '../../../shared/errors';
import { parseFleetMessage } from '../../../shared/lambda/events';
import type { FanOutItem, FleetMessage } from '../../../shared/reconcile/fan-out';
import { ACCOUNT_REQUEST_BUDGET, fanOut, needsRetry, planFanOut, queuedSpec, runQueuedClusters } from '../../../shared/reconcile/fan-out';
import type { ClusterSpec } from '../../../shared/model/cluster-spec/schema';
import { FakeFleetQueue } from '../../../testing/fake-fleet-queue';

function recorder() {
  const logs: { level: string; message: string; facts: Record<string, unknown> }[] = [];
  const record = (level: string) => (message: string, facts: Record<string, unknown>) => logs.push({ level, message, facts });
  return { logs, logger: { info: record('info'), warn: record('warn'), error: record('error') } };
}

// Only the fields the fan-out reads: name, Region, the role whose account the run calls in.
const spec = (name: string, account: string, region = 'eu-west-1'): ClusterSpec =>
  ({ name, region, roleArn: `arn:aws:iam::${account}:role/${name}-cluster` }) as ClusterSpec;
const item = (name: string, account: string, cost = 14): FanOutItem => ({ spec: spec(name, account), file: `specs/${name}.yaml`, mode: 'plan', cost });
const TIME = '2026-12-01T10:00:00Z';

describe('planFanOut', () => {
  it('builds one message per cluster with its spec file, the schedule time and the mode', () => {
    // Prepare
    const items = [item('a', '111111111111'), item('b', '222222222222')];

    // Act
    const planned = planFanOut(items, { function: 'provision', time: TIME });

    // Assess
    expect(planned.map((message) => JSON.parse(message.body) as FleetMessage)).toEqual([
      { function: 'provision', cluster: 'a', region: 'eu-west-1', file: 'specs/a.yaml', time: TIME, mode: 'plan' },
      { function: 'provision', cluster: 'b', region: 'eu-west-1', file: 'specs/b.yaml', time: TIME, mode: 'plan' },
    ]);
    expect(planned.map((message) => message.delaySeconds)).toEqual([0, 0]);
  });

  it('builds identical messages for a redelivered schedule event', () => {
    // Prepare
    const items = [item('a', '111111111111'), item('b', '111111111111')];

    // Act
    const first = planFanOut(items, { function: 'provision', time: TIME });
    const again = planFanOut(items, { function: 'provision', time: TIME });

    // Assess
    expect(again).toEqual(first);
  });

  it("spaces one account's clusters so their reads stay within the account's bucket, and leaves other accounts alone", () => {
    // Prepare: 10 clusters of 14 reads in one account (140 reads), one elsewhere
    const items = [...Array.from({ length: 10 }, (_, index) => item(`a${String(index)}`, '111111111111')), item('b', '222222222222')];

    // Act
    const planned = planFanOut(items, { function: 'provision', time: TIME, budget: { burst: 50, perSecond: 10 } });

    // Assess: 3 clusters (42 reads) fit the burst; then one cluster per 1.4 s of refill
    const delays = Object.fromEntries(planned.map((message) => [message.cluster, message.delaySeconds]));
    expect(delays).toEqual({ a0: 0, a1: 0, a2: 0, a3: 1, a4: 2, a5: 4, a6: 5, a7: 7, a8: 8, a9: 9, b: 0 });
    expect(planned.map((message) => message.cluster).slice(0, 4)).toEqual(['a0', 'a1', 'a2', 'b']);
    expect(planned.find((message) => message.cluster === 'b')?.budgetKey).toBe('222222222222/eu-west-1');
  });

  it('counts a cluster reached through an assume-role against that role account, and cuts a delay to 900 s', () => {
    // Prepare
    const assumed = { ...spec('x', '111111111111'), assumeRoleArn: 'arn:aws:iam::999999999999:role/eks-pilot' } as ClusterSpec;
    const items: FanOutItem[] = [
      { spec: assumed, mode: 'apply', cost: 10 },
      { spec: spec('y', '999999999999'), mode: 'apply', cost: 100_000 },
    ];

    // Act
    const planned = planFanOut(items, { function: 'eip-manager', time: TIME });

    // Assess
    expect(planned.map((message) => [message.cluster, message.budgetKey, message.delaySeconds])).toEqual([
      ['x', '999999999999/eu-west-1', 0],
      ['y', '999999999999/eu-west-1', 900],
    ]);
    expect(ACCOUNT_REQUEST_BUDGET).toEqual({ burst: 50, perSecond: 10 });
  });
});

describe('fanOut', () => {
  it('sends the planned messages and says what it queued', async () => {
    // Prepare
    const queue = new FakeFleetQueue();
    const { logger, logs } = recorder();

    // Act
    const summary = await fanOut([item('a', '111111111111'), item('b', '222222222222')], { queue, logger, function: 'provision', time: TIME });

    // Assess
    expect(summary).toEqual({ queued: 2, budgets: 2, lastDelaySeconds: 0, clusters: ['a', 'b'] });
    expect(queue.sent.map((message) => (JSON.parse(message.body) as FleetMessage).cluster)).toEqual(['a', 'b']);
    expect(logs).toEqual([{ level: 'info', message: 'fleet fanned out', facts: { queued: 2, budgets: 2, lastDelaySeconds: 0 } }]);
  });
});

describe('needsRetry', () => {
  it.each<[string, Parameters<typeof needsRetry>[0], boolean]>([
    ['a run that could not read its cluster', { status: 'InProgress' }, true],
    ['a run that threw for good', { status: 'Blocked' }, true],
    ['a cluster with nothing to reconcile', { status: 'Converged' }, false],
    ['a plan that waits', { status: 'InProgress', plan: {} }, false],
    ['a refused plan', { status: 'Blocked', plan: {} }, false],
  ])('answers %s: %s', (_label, report, expected) => {
    // Act
    const answer = needsRetry(report);

    // Assess
    expect(answer).toBe(expected);
  });
});

describe('runQueuedClusters', () => {
  const body = (cluster: string): string => JSON.stringify({ function: 'provision', cluster, region: 'eu-west-1', time: TIME, mode: 'plan' });

  it('answers only the records to receive again: a body it cannot read, a run with no plan, a run that threw', async () => {
    // Prepare
    const { logger, logs } = recorder();
    const records = [
      { messageId: 'ok', body: body('a') },
      { messageId: 'not-json', body: '{' },
      { messageId: 'unread', body: body('b') },
      { messageId: 'threw', body: body('c') },
      { messageId: 'gone', body: body('d') },
    ];

    // Act
    const response = await runQueuedClusters(records, {
      parse: parseFleetMessage,
      logger,
      run: (message) => {
        switch (message.cluster) {
          case 'a':
            return Promise.resolve({ status: 'Converged' as const, plan: {} });
          case 'b':
            return Promise.resolve({ status: 'InProgress' as const });
          case 'c':
            return Promise.reject(new ThrottledError('DescribeCluster throttled'));
          default:
            return Promise.resolve(undefined);
        }
      },
    });

    // Assess
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: 'not-json' }, { itemIdentifier: 'unread' }, { itemIdentifier: 'threw' }] });
    expect(logs.map((line) => [line.level, line.message, line.facts.messageId])).toEqual([
      ['error', 'fleet message refused', 'not-json'],
      ['warn', 'fleet message returned to the queue', 'unread'],
      ['error', 'fleet message failed', 'threw'],
    ]);
  });
});

describe('parseFleetMessage', () => {
  it.each([
    ['{', 'fleet message body is not JSON'],
    ['{"function":"provision","cluster":"a","region":"eu-west-1","time":"t"}', 'unexpected fleet message: mode:'],
    ['{"function":"scale-watch","cluster":"a","region":"eu-west-1","time":"t","mode":"plan"}', 'unexpected fleet message: function:'],
  ])('refuses %s, naming what is wrong', (text, expected) => {
    // Act
    const parse = () => parseFleetMessage(text);

    // Assess
    expect(parse).toThrow(InvalidEventError);
    expect(parse).toThrow(expected);
  });
});

describe('queuedSpec', () => {
  const all = [{ file: 'specs/a.yaml', spec: spec('a', '111111111111') }];
  const message: FleetMessage = { function: 'provision', cluster: 'a', region: 'eu-west-1', time: TIME, mode: 'plan' };

  it('finds the spec by cluster name and Region, and drops a message whose cluster the specs no longer name', () => {
    // Prepare
    const { logger, logs } = recorder();

    // Act
    const found = queuedSpec(all, message, 'provision', logger);
    const gone = queuedSpec(all, { ...message, cluster: 'b' }, 'provision', logger);

    // Assess
    expect(found?.file).toBe('specs/a.yaml');
    expect(gone).toBeUndefined();
    expect(logs.map((line) => line.message)).toEqual(['fleet message names no spec; dropped']);
  });

  it("refuses another function's message", () => {
    // Prepare
    const { logger } = recorder();

    // Act
    const find = () => queuedSpec(all, message, 'eip-manager', logger);

    // Assess
    expect(find).toThrow('fleet message for provision reached eip-manager');
  });
});
