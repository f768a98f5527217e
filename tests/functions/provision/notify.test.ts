import { createHash } from 'node:crypto';
import type { DriftMemory } from '../../../shared/ports/drift-memory';
import type { Notifier } from '../../../shared/ports/notifier';
import { SUBJECT_LIMIT, driftDigest, driftNotification, notifyNewDrift } from '../../../functions/provision/notify';
import type { ClusterReport, ClusterStatus } from '../../../functions/provision/run';
import type { RunLogger } from '../../../shared/reconcile/run-logger';
import { UpstreamError } from '../../../shared/errors';

const SCALING_MAX = 'nodegroup/jobs-ng scaling.max';
const SCALING_MIN = 'nodegroup/jobs-ng scaling.min';
const ADDON = 'addon/vpc-cni version';

function reportOf(status: ClusterStatus, drift: string[], overrides: Partial<ClusterReport> = {}): ClusterReport {
  return {
    cluster: 'payments',
    region: 'eu-west-1',
    source: 'specs/payments/cluster.yaml',
    mode: 'plan',
    status,
    summary: drift.length > 0 ? `drift: ${drift.join(', ')}` : 'matches the spec',
    drift,
    executed: [],
    deferred: [],
    blocked: [],
    ...overrides,
  };
}

/** Remembers in a map; records every call; fails a call the test names. */
class FakeMemory implements DriftMemory {
  readonly stored = new Map<string, string[]>();
  readonly calls: string[] = [];
  readonly failures = new Map<string, Error>();

  recall(region: string, cluster: string): Promise<string[] | null> {
    return this.call('recall', region, cluster, () => this.stored.get(`${region}/${cluster}`) ?? null);
  }

  remember(region: string, cluster: string, drift: string[]): Promise<void> {
    return this.call('remember', region, cluster, () => {
      this.stored.set(`${region}/${cluster}`, [...drift]);
    });
  }

  forget(region: string, cluster: string): Promise<void> {
    return this.call('forget', region, cluster, () => {
      this.stored.delete(`${region}/${cluster}`);
    });
  }

  private call<T>(kind: string, region: string, cluster: string, act: () => T): Promise<T> {
    const key = `${kind} ${region}/${cluster}`;
    this.calls.push(key);
    const failure = this.failures.get(key);
    return failure === undefined ? Promise.resolve(act()) : Promise.reject(failure);
  }
}

/** Records what was published; fails while `failure` is set. */
class FakeNotifier implements Notifier {
  readonly published: { subject: string; message: string }[] = [];
  failure: Error | undefined;

  publish(subject: string, message: string): Promise<void> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    this.published.push({ subject, message });
    return Promise.resolve();
  }
}

interface LogEntry {
  level: 'info' | 'warn' | 'error';
  message: string;
  facts: Record<string, unknown>;
}

function recordingLogger(): RunLogger & { entries: LogEntry[] } {
  const entries: LogEntry[] = [];
  const record =
    (level: LogEntry['level']) =>
    (message: string, facts: Record<string, unknown>): void => {
      entries.push({ level, message, facts });
    };
  return { info: record('info'), warn: record('warn'), error: record('error'), entries };
}

/** The `  + entry` lines of a message: what it highlights as new. */
function highlighted(message: string): string[] {
  return message
    .split('\n')
    .filter((line) => line.startsWith('  + '))
    .map((line) => line.slice(4));
}

describe('driftNotification', () => {
  it.each<[string, ClusterStatus, string[], string[] | null]>([
    ['a converged cluster', 'Converged', [], null],
    ['a cluster in progress, drift or not', 'InProgress', [SCALING_MAX], null],
    ['a blocked cluster, drift or not', 'Blocked', [SCALING_MAX], null],
    ['drift notified already', 'Drifted', [SCALING_MAX], [SCALING_MAX]],
    ['drift notified already, listed in another order', 'Drifted', [SCALING_MIN, SCALING_MAX], [SCALING_MAX, SCALING_MIN]],
    ['drift that shrank since the last notification', 'Drifted', [SCALING_MAX], [SCALING_MAX, SCALING_MIN]],
    ['drift remembered as digests', 'Drifted', [SCALING_MAX, ADDON], [driftDigest(SCALING_MAX), driftDigest(ADDON)]],
  ])('does not notify for %s', (_label, status, drift, previous) => {
    // Prepare
    const report = reportOf(status, drift);

    // Act
    const notification = driftNotification(report, previous);

    // Assess
    expect(notification).toBeNull();
  });

  it.each<[string, string[], string[] | null, string[]]>([
    ['first drift', [SCALING_MAX, SCALING_MIN], null, [SCALING_MAX, SCALING_MIN]],
    ['first drift after an empty memory', [SCALING_MAX], [], [SCALING_MAX]],
    ['one entry added to what was notified', [SCALING_MIN, ADDON, SCALING_MAX], [SCALING_MAX, SCALING_MIN], [ADDON]],
    ['an entry that replaced another', [SCALING_MIN], [SCALING_MAX], [SCALING_MIN]],
    ['an entry added to drift remembered as digests', [SCALING_MAX, ADDON], [driftDigest(SCALING_MAX)], [ADDON]],
    ['entries listed twice, once each', [SCALING_MAX, SCALING_MAX], null, [SCALING_MAX]],
  ])('notifies %s, highlighting only the new entries', (_label, drift, previous, fresh) => {
    // Prepare
    const report = reportOf('Drifted', drift);

    // Act
    const notification = driftNotification(report, previous);

    // Assess
    expect(notification).not.toBeNull();
    expect(highlighted(notification?.message ?? '')).toEqual(fresh);
  });

  it('writes a message naming the cluster, region, status, spec, new entries and the whole current set', () => {
    // Prepare
    const report = reportOf('Drifted', [SCALING_MIN, ADDON, SCALING_MAX]);

    // Act
    const notification = driftNotification(report, [SCALING_MAX]);

    // Assess
    expect(notification).toEqual({
      subject: 'eks-pilot: new drift on payments (eu-west-1)',
      message: [
        'New drift on EKS cluster payments in eu-west-1.',
        '',
        'Status: Drifted (mode: plan)',
        'Spec: specs/payments/cluster.yaml',
        '',
        'New since the last notification (2):',
        `  + ${ADDON}`,
        `  + ${SCALING_MIN}`,
        '',
        'All drift now (3):',
        `  - ${ADDON}`,
        `  - ${SCALING_MAX}`,
        `  - ${SCALING_MIN}`,
        '',
        'eks-pilot notifies again only when another entry drifts, or when drift returns after the cluster has converged.',
        '',
      ].join('\n'),
    });
  });

  it('says so when the report does not record its spec file', () => {
    // Prepare
    const report = reportOf('Drifted', [SCALING_MAX]);
    delete report.source;

    // Act
    const notification = driftNotification(report, null);

    // Assess
    expect(notification?.message).toContain('Spec: (not recorded)');
  });

  it('leaves the plan and its requests out of the message', () => {
    // Prepare
    const report = reportOf('Drifted', [SCALING_MAX], {
      plan: { subject: { cluster: 'payments', region: 'eu-west-1' }, actions: [{ request: { roleArn: 'arn:aws:iam::123456789012:role/do-not-print' } }] },
    } as unknown as Partial<ClusterReport>);

    // Act
    const notification = driftNotification(report, null);

    // Assess
    expect(notification?.message).not.toContain('do-not-print');
  });

  it.each([
    ['a long cluster name', 'c'.repeat(100), 'eu-west-1'],
    ['a name with characters outside ASCII', 'paiements-é\n', 'eu-west-1'],
  ])('keeps the subject within what SNS accepts for %s', (_label, cluster, region) => {
    // Prepare
    const report = reportOf('Drifted', [SCALING_MAX], { cluster, region });

    // Act
    const subject = driftNotification(report, null)?.subject ?? '';

    // Assess
    expect(subject.length).toBeGreaterThan(0);
    expect(subject.length).toBeLessThanOrEqual(SUBJECT_LIMIT);
    expect(subject).toMatch(/^[\x20-\x7e]+$/);
  });
});

describe('driftDigest', () => {
  it('is the SHA-256 hex digest of the entry’s UTF-8 text', () => {
    // Prepare
    const expected = createHash('sha256').update(Buffer.from(SCALING_MAX, 'utf8')).digest('hex');

    // Act
    const digest = driftDigest(SCALING_MAX);

    // Assess
    expect(digest).toBe(expected);
    expect(digest).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('notifyNewDrift', () => {
  let memory: FakeMemory;
  let notifier: FakeNotifier;
  let logger: ReturnType<typeof recordingLogger>;

  beforeEach(() => {
    memory = new FakeMemory();
    notifier = new FakeNotifier();
    logger = recordingLogger();
  });

  it('notifies the first drift of a cluster and remembers its sorted drift set', async () => {
    // Prepare
    const reports = [reportOf('Drifted', [SCALING_MIN, SCALING_MAX])];

    // Act
    const summary = await notifyNewDrift(reports, { memory, notifier, logger });

    // Assess
    expect(summary).toEqual({ notified: 1, forgotten: 0, failed: 0 });
    expect(notifier.published).toHaveLength(1);
    expect(memory.calls).toEqual(['recall eu-west-1/payments', 'remember eu-west-1/payments']);
    expect(memory.stored.get('eu-west-1/payments')).toEqual([SCALING_MAX, SCALING_MIN]);
    expect(logger.entries).toEqual([
      { level: 'info', message: 'drift notification sent', facts: { cluster: 'payments', region: 'eu-west-1', drift: 2, previous: 0 } },
    ]);
  });

  it('does not notify or write again when the same drift is found on the next run', async () => {
    // Prepare
    const deps = { memory, notifier, logger };
    await notifyNewDrift([reportOf('Drifted', [SCALING_MAX, SCALING_MIN])], deps);
    memory.calls.length = 0;

    // Act
    const summary = await notifyNewDrift([reportOf('Drifted', [SCALING_MIN, SCALING_MAX])], deps);

    // Assess
    expect(summary).toEqual({ notified: 0, forgotten: 0, failed: 0 });
    expect(notifier.published).toHaveLength(1);
    expect(memory.calls).toEqual(['recall eu-west-1/payments']);
  });

  it('notifies a new entry, highlighting only it, and remembers the whole current set', async () => {
    // Prepare
    memory.stored.set('eu-west-1/payments', [SCALING_MAX]);

    // Act
    await notifyNewDrift([reportOf('Drifted', [SCALING_MAX, ADDON])], { memory, notifier, logger });

    // Assess
    expect(notifier.published).toHaveLength(1);
    expect(highlighted(notifier.published[0]?.message ?? '')).toEqual([ADDON]);
    expect(notifier.published[0]?.message).toContain(`  - ${SCALING_MAX}`);
    expect(memory.stored.get('eu-west-1/payments')).toEqual([ADDON, SCALING_MAX]);
  });

  it('forgets the drift of a cluster that converged, so a recurrence notifies again', async () => {
    // Prepare
    const deps = { memory, notifier, logger };
    await notifyNewDrift([reportOf('Drifted', [SCALING_MAX])], deps);

    // Act
    const summary = await notifyNewDrift([reportOf('Converged', [])], deps);
    await notifyNewDrift([reportOf('Drifted', [SCALING_MAX])], deps);

    // Assess
    expect(summary).toEqual({ notified: 0, forgotten: 1, failed: 0 });
    expect(memory.calls).toContain('forget eu-west-1/payments');
    expect(logger.entries).toContainEqual({ level: 'info', message: 'drift memory cleared', facts: { cluster: 'payments', region: 'eu-west-1' } });
    expect(notifier.published).toHaveLength(2);
  });

  it('only reads the memory of a converged cluster that has nothing remembered', async () => {
    // Prepare
    const reports = [reportOf('Converged', [])];

    // Act
    const summary = await notifyNewDrift(reports, { memory, notifier, logger });

    // Assess
    expect(summary).toEqual({ notified: 0, forgotten: 0, failed: 0 });
    expect(memory.calls).toEqual(['recall eu-west-1/payments']);
  });

  it.each<ClusterStatus>(['InProgress', 'Blocked'])('leaves the memory of a cluster reported %s alone', async (status) => {
    // Prepare
    memory.stored.set('eu-west-1/payments', [SCALING_MAX]);

    // Act
    await notifyNewDrift([reportOf(status, [])], { memory, notifier, logger });

    // Assess
    expect(memory.calls).toEqual([]);
    expect(memory.stored.get('eu-west-1/payments')).toEqual([SCALING_MAX]);
  });

  it('does not remember drift whose notification failed, logs the failure, and notifies on the next run', async () => {
    // Prepare
    const deps = { memory, notifier, logger };
    notifier.failure = new UpstreamError('Publish failed: ThrottledException: Rate exceeded', { context: { action: 'Publish' } });

    // Act
    const failed = await notifyNewDrift([reportOf('Drifted', [SCALING_MAX])], deps);
    notifier.failure = undefined;
    const retried = await notifyNewDrift([reportOf('Drifted', [SCALING_MAX])], deps);

    // Assess
    expect(failed).toEqual({ notified: 0, forgotten: 0, failed: 1 });
    expect(retried).toEqual({ notified: 1, forgotten: 0, failed: 0 });
    expect(memory.calls).toEqual(['recall eu-west-1/payments', 'recall eu-west-1/payments', 'remember eu-west-1/payments']);
    expect(logger.entries[0]).toEqual({
      level: 'error',
      message: 'drift notification failed',
      facts: {
        cluster: 'payments',
        region: 'eu-west-1',
        step: 'publish',
        error: { name: 'UpstreamError', message: 'Publish failed: ThrottledException: Rate exceeded', context: { action: 'Publish' } },
      },
    });
  });

  it('carries on with the other clusters when one cluster fails', async () => {
    // Prepare
    memory.failures.set('recall eu-west-1/payments', new Error('socket hang up'));
    memory.stored.set('us-east-1/ledger', [SCALING_MAX]);
    const reports = [
      reportOf('Drifted', [SCALING_MAX]),
      reportOf('Drifted', [ADDON], { cluster: 'search', region: 'eu-west-1' }),
      reportOf('Converged', [], { cluster: 'ledger', region: 'us-east-1' }),
    ];

    // Act
    const summary = await notifyNewDrift(reports, { memory, notifier, logger });

    // Assess
    expect(summary).toEqual({ notified: 1, forgotten: 1, failed: 1 });
    expect(notifier.published.map((notification) => notification.subject)).toEqual(['eks-pilot: new drift on search (eu-west-1)']);
    expect(memory.stored.has('us-east-1/ledger')).toBe(false);
    expect(logger.entries.filter((entry) => entry.level === 'error')).toEqual([
      {
        level: 'error',
        message: 'drift notification failed',
        facts: { cluster: 'payments', region: 'eu-west-1', step: 'recall', error: { name: 'Error', message: 'socket hang up' } },
      },
    ]);
  });

  it('logs a failure to remember after the notification went out, naming that step', async () => {
    // Prepare
    memory.failures.set('remember eu-west-1/payments', new Error('AccessDeniedException'));

    // Act
    const summary = await notifyNewDrift([reportOf('Drifted', [SCALING_MAX])], { memory, notifier, logger });

    // Assess
    expect(summary).toEqual({ notified: 1, forgotten: 0, failed: 1 });
    expect(logger.entries).toEqual([expect.objectContaining({ level: 'error', facts: expect.objectContaining({ step: 'remember' }) as unknown })]);
  });
});
