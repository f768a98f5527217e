/**
 * Deploy notifications, exactly one per release outcome. The release history is the outbox: each
 * record carries `notified`, the events already told of it. A write that gives a record a new
 * result writes that result first, then publishes its event, then writes the event into
 * `notified`; a read publishes what an earlier invocation wrote but could not tell (a failed
 * publish, a crash in between). So a redelivered SQS message, a replayed push or a re-run finds the
 * outcome already told and tells nothing; on a FIFO topic SNS also drops a second publish of the
 * same outcome within five minutes (MessageDeduplicationId), which covers a crash between the
 * publish and the mark. A failed publish never changes a release's result.
 *
 * Records written before notifications were configured carry no `notified` and are never told of
 * unless their result changes.
 */
import type { Notification, NotificationEvent } from '../../../shared/model/notification';
import { eksConsoleUrl, packageUrl } from '../../../shared/model/notification';
import type { EventNotifier } from '../../../shared/ports/notifier';
import { sendNotifications } from '../../../shared/reconcile/notify';
import type { RunLogger } from '../../../shared/reconcile/run-logger';
import { parsePinned, pinnedRef } from '../model/images';
import type { ReleaseRecord, ReleaseResult } from '../model/releases';
import type { DeployTarget } from '../model/targets';

/** The store operations the worker uses (model/releases.ts `ReleaseStore`). */
export interface ReleaseHistory {
  read(): Promise<ReleaseRecord[]>;
  write(records: readonly ReleaseRecord[]): Promise<void>;
}

/**
 * The event a release's result is told as, per kind; `undefined`: not told. Every result is listed,
 * so a new result cannot be added without deciding what it tells (`waiting` -> `deploy.waiting`).
 */
export const RESULT_EVENTS: Readonly<Record<ReleaseResult, Readonly<Record<ReleaseRecord['kind'], NotificationEvent | undefined>>>> = {
  // A rollback, and a restore after a rebuild, is told when it ends: "rolled back" already said a rollback started.
  progressing: { deploy: 'deploy.released', rollback: undefined, restore: undefined },
  succeeded: { deploy: 'deploy.succeeded', rollback: 'deploy.succeeded', restore: 'deploy.succeeded' },
  failed: { deploy: 'deploy.failed', rollback: 'deploy.failed', restore: 'deploy.failed' },
  'rolled-back': { deploy: 'deploy.rolled-back', rollback: 'deploy.rolled-back', restore: 'deploy.rolled-back' },
  // The newer release that took over is told instead.
  superseded: { deploy: undefined, rollback: undefined, restore: undefined },
  refused: { deploy: 'deploy.refused', rollback: 'deploy.refused', restore: 'deploy.refused' },
  // A held release: told once when it starts to wait.
  waiting: { deploy: 'deploy.waiting', rollback: undefined, restore: undefined },
  // A held release that was released: the release it became is told instead.
  released: { deploy: undefined, rollback: undefined, restore: undefined },
  // A held release a person rejected: told as refused, the rejection its reason.
  rejected: { deploy: 'deploy.refused', rollback: undefined, restore: undefined },
};

/** Only the newest records are looked at for outcomes left untold: an old failure is not told late. */
export const PENDING_WINDOW = 10;

/**
 * The event a record's present result is told as, or undefined.
 *
 * @example
 * releaseEvent({ ...record, kind: 'deploy', result: 'succeeded' }); // 'deploy.succeeded'
 */
export function releaseEvent(record: Pick<ReleaseRecord, 'kind' | 'result'>): NotificationEvent | undefined {
  return RESULT_EVENTS[record.result][record.kind];
}

/**
 * The key of one outcome of one release: the same release told twice has the same key.
 *
 * @example
 * releaseDedupeKey(target, record, 'deploy.failed'); // 'deploy/payments/web/4/2026-12-01T10:00:00.000Z/deploy.failed'
 */
export function releaseDedupeKey(
  target: Pick<DeployTarget, 'cluster' | 'workload'>,
  record: Pick<ReleaseRecord, 'revision' | 'startedAt'>,
  event: NotificationEvent,
): string {
  return ['deploy', target.cluster, target.workload.name, String(record.revision), record.startedAt, event].join('/');
}

/**
 * The notification of one release outcome, pure: the workload, the release, its image and the
 * image it replaced, the reason, and links to the cluster and the image's package page.
 *
 * @example
 * const notification = releaseNotification(target, record, 'deploy.succeeded');
 * notification.summary; // 'release 4 of web succeeded: ghcr.io/acme/web:v1.3.0 runs'
 */
export function releaseNotification(target: DeployTarget, record: ReleaseRecord, event: NotificationEvent): Notification {
  const name = target.workload.name;
  const release = `${record.kind === 'rollback' ? 'rollback release' : 'release'} ${record.revision} of ${name}`;
  const image = record.image === undefined ? undefined : pinnedRef(record.image);
  const shown = record.image === undefined ? Object.values(record.images).join(', ') : `${record.image.repository}:${record.image.tag}`;
  const summaries: Partial<Record<NotificationEvent, string>> = {
    'deploy.released': `${release} applied: ${shown} rolling out`,
    'deploy.succeeded': `${release} succeeded: ${shown} runs`,
    'deploy.failed': `${release} failed`,
    'deploy.rolled-back': `${release} failed and was rolled back${record.rolledBackTo === undefined ? '' : ` (rollback release ${record.rolledBackTo})`}`,
    'deploy.refused': `${shown} refused for ${name}`,
    'deploy.waiting': `${release} waits for approval: ${shown}`,
  };
  const defaults: Partial<Record<NotificationEvent, string>> = {
    'deploy.released': 'applied to the cluster; the rollout is watched',
    'deploy.succeeded': 'the rollout completed',
    'deploy.waiting': 'the environment requires an approval',
  };
  const repositories = record.image === undefined ? Object.keys(record.images) : [record.image.repository];
  const packages = repositories.flatMap((repository) => {
    const url = packageUrl(repository);
    return url === undefined ? [] : [{ label: `package ${repository}`, url }];
  });
  const digests = Object.values(record.images).flatMap((ref) => {
    const pinned = parsePinned(ref);
    return pinned === undefined ? [] : [pinned.digest];
  });
  return {
    event,
    function: 'deploy-worker',
    cluster: target.cluster,
    region: target.region,
    subject: { kind: 'workload', name },
    summary: summaries[event] ?? `${release}: ${event}`,
    reason: record.reason ?? defaults[event] ?? record.result,
    at: record.finishedAt ?? record.lastAt ?? record.startedAt,
    dedupeKey: releaseDedupeKey(target, record, event),
    facts: {
      revision: record.revision,
      kind: record.kind,
      result: record.result,
      ...(target.workload.environment === undefined ? {} : { environment: target.workload.environment }),
      ...(image === undefined ? { images: Object.values(record.images).join(', ') } : { image, digest: record.image?.digest ?? '' }),
      ...(image === undefined && digests.length > 0 ? { digests: digests.join(', ') } : {}),
      ...(record.replaced === undefined ? {} : { replaced: record.replaced }),
      ...(record.rollbackOf === undefined ? {} : { rollbackOf: record.rollbackOf }),
      ...(record.rolledBackTo === undefined ? {} : { rolledBackTo: record.rolledBackTo }),
      ...(record.count === undefined ? {} : { count: record.count }),
      deliveryId: record.deliveryId,
      spec: target.source,
    },
    links: [{ label: `EKS cluster ${target.cluster}`, url: eksConsoleUrl(target.region, target.cluster) }, ...packages],
  };
}

/**
 * A release history that tells each outcome once (see the module comment). Without a notifier,
 * use the plain store: nothing is told and no record carries `notified`.
 *
 * @example
 * const store = new NotifyingReleaseHistory(new ReleaseStore(k8s, target), target, { notifier, logger });
 * const records = await store.read(); // also tells what an earlier run left untold
 * await store.write(upsert(records, { ...record, result: 'succeeded' })); // writes, tells, marks
 */
export class NotifyingReleaseHistory implements ReleaseHistory {
  private readonly inner: ReleaseHistory;
  private readonly target: DeployTarget;
  private readonly notifier: EventNotifier;
  private readonly logger: RunLogger;
  /** Per release (revision and start), the result last read or written. */
  private readonly known = new Map<string, ReleaseResult>();
  /** Per release, the events told, including those the caller's copy of the history lacks. */
  private readonly told = new Map<string, Set<string>>();

  constructor(inner: ReleaseHistory, target: DeployTarget, options: { notifier: EventNotifier; logger: RunLogger }) {
    this.inner = inner;
    this.target = target;
    this.notifier = options.notifier;
    this.logger = options.logger;
  }

  async read(): Promise<ReleaseRecord[]> {
    const records = await this.inner.read();
    this.remember(records);
    const pending = this.due(records, false);
    if (pending.length === 0) return records;
    return this.tell(records, pending);
  }

  async write(records: readonly ReleaseRecord[]): Promise<void> {
    const merged = records.map((record) => this.withTold(record));
    const due = this.due(merged, true);
    const dueRecords = new Set(due.map((item) => item.record));
    const tracked = merged.map((record) => (dueRecords.has(record) && record.notified === undefined ? { ...record, notified: [] } : record));
    await this.inner.write(tracked);
    this.remember(tracked);
    if (due.length > 0)
      await this.tell(
        tracked,
        due.map((item) => ({ ...item, record: tracked[merged.indexOf(item.record)] ?? item.record })),
      );
  }

  /** Publishes each due event, then writes the told events into `notified` (once, for all). */
  private async tell(records: ReleaseRecord[], due: readonly { record: ReleaseRecord; event: NotificationEvent }[]): Promise<ReleaseRecord[]> {
    const notifications = due.map(({ record, event }) => releaseNotification(this.target, record, event));
    const { sent } = await sendNotifications(this.notifier, notifications, this.logger);
    if (sent.length === 0) return records;
    for (const { record, event } of due) {
      if (sent.includes(releaseDedupeKey(this.target, record, event))) this.toldSet(record).add(event);
    }
    const marked = records.map((record) => this.withTold(record));
    await this.inner.write(marked);
    return marked;
  }

  /**
   * The events to tell: a record's present event when not told yet and either tracked (it has
   * `notified`) or, when `changed` counts, new or with a new result since it was last seen.
   */
  private due(records: readonly ReleaseRecord[], changed: boolean): { record: ReleaseRecord; event: NotificationEvent }[] {
    const window = new Set(records.slice(-PENDING_WINDOW));
    return records.flatMap((record) => {
      const event = releaseEvent(record);
      if (event === undefined || record.notified?.includes(event)) return [];
      const isNew = changed && this.known.get(keyOf(record)) !== record.result;
      const pending = record.notified !== undefined && window.has(record);
      return isNew || pending ? [{ record, event }] : [];
    });
  }

  private remember(records: readonly ReleaseRecord[]): void {
    for (const record of records) {
      this.known.set(keyOf(record), record.result);
      for (const event of record.notified ?? []) this.toldSet(record).add(event);
    }
  }

  private withTold(record: ReleaseRecord): ReleaseRecord {
    const told = this.told.get(keyOf(record));
    if (told === undefined || told.size === 0) return record;
    const notified = [...new Set([...(record.notified ?? []), ...told])];
    return notified.length === record.notified?.length ? record : { ...record, notified };
  }

  private toldSet(record: ReleaseRecord): Set<string> {
    const key = keyOf(record);
    let set = this.told.get(key);
    if (set === undefined) {
      set = new Set();
      this.told.set(key, set);
    }
    return set;
  }
}

function keyOf(record: Pick<ReleaseRecord, 'revision' | 'startedAt'>): string {
  return `${record.revision}@${record.startedAt}`;
}
