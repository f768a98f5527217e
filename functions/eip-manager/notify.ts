/**
 * eip-manager's notifications. What it did is told once because it is done once: an address
 * allocated (`eip.allocated`) or released (`eip.released`) is not allocated or released again by the
 * next run. What it cannot fix lasts from run to run, so it is told when it appears and again only
 * when it changes: the Elastic IP quota stopping a pool (`eip.quota-reached`) and addresses beyond a
 * pool's count (`eip.surplus`). Those conditions are remembered per cluster behind the drift memory
 * port (SSM in production), as provision remembers the drift it told of, and forgotten when they go.
 */
import { errorFacts } from '../../shared/errors';
import type { Notification } from '../../shared/model/notification';
import { eksConsoleUrl, elasticIpConsoleUrl, elasticIpQuotaUrl } from '../../shared/model/notification';
import type { DriftMemory } from '../../shared/ports/drift-memory';
import type { EventNotifier } from '../../shared/ports/notifier';
import { sendNotifications } from '../../shared/reconcile/notify';
import type { RunLogger } from '../../shared/reconcile/run-logger';
import type { EipClusterReport, PoolReport } from './run';

/** What {@link notifyEipReports} needs. */
export interface EipNotifyDeps {
  notifier?: EventNotifier;
  /** The conditions told per cluster; without it, only allocations and releases are told. */
  memory?: DriftMemory;
  logger: RunLogger;
  now(): Date;
}

/**
 * The conditions of a report that last from run to run, one entry each: `quota-reached <pool>` and
 * `surplus <pool> <n>`.
 *
 * @example
 * eipConditions(report); // ['quota-reached nat-egress', 'surplus partners 2']
 */
export function eipConditions(report: EipClusterReport): string[] {
  return report.pools
    .flatMap((pool) => [...(pool.quotaExhausted ? [`quota-reached ${pool.pool}`] : []), ...(pool.surplus > 0 ? [`surplus ${pool.pool} ${pool.surplus}`] : [])])
    .sort();
}

/**
 * The notifications of one apply run, pure: one per address allocated or released, and one per
 * condition not in `previous` (the conditions told last time; `null` when none are remembered).
 *
 * @example
 * eipNotifications(report, null, now).map((item) => item.event); // ['eip.allocated', 'eip.quota-reached']
 */
export function eipNotifications(report: EipClusterReport, previous: readonly string[] | null, now: Date): Notification[] {
  if (report.mode !== 'apply') return [];
  const at = now.toISOString();
  const out: Notification[] = [];
  const cluster = { label: `EKS cluster ${report.cluster}`, url: eksConsoleUrl(report.region, report.cluster) };
  for (const action of report.executed) {
    if (action.alreadyDone === true || (action.kind !== 'AllocateAddress' && action.kind !== 'ReleaseAddress')) continue;
    const allocated = action.kind === 'AllocateAddress';
    const address = `${action.publicIp ?? '?'} (${action.allocationId ?? '?'})`;
    const pool = report.pools.find((item) => item.pool === action.pool);
    out.push({
      event: allocated ? 'eip.allocated' : 'eip.released',
      function: 'eip-manager',
      cluster: report.cluster,
      region: report.region,
      subject: { kind: 'pool', name: action.pool },
      summary: `pool ${action.pool} ${allocated ? 'allocated' : 'released'} ${address}`,
      reason: allocated
        ? `the pool held fewer addresses than its count${pool === undefined ? '' : ` (${pool.count})`}`
        : `the pool's release rule allows it${pool === undefined ? '' : ` (${pool.summary})`}`,
      at,
      dedupeKey: ['eip', report.cluster, action.pool, allocated ? 'allocated' : 'released', action.allocationId ?? action.target].join('/'),
      facts: {
        ...(action.allocationId === undefined ? {} : { allocationId: action.allocationId }),
        ...(action.publicIp === undefined ? {} : { publicIp: action.publicIp }),
        target: action.target,
        ...(pool === undefined ? {} : { parameter: pool.parameter }),
      },
      links: [cluster, { label: `Elastic IP ${action.allocationId ?? ''}`.trim(), url: elasticIpConsoleUrl(report.region, action.allocationId) }],
    });
  }
  const told = new Set(previous ?? []);
  for (const condition of eipConditions(report)) {
    if (told.has(condition)) continue;
    const [kind, name = ''] = condition.split(' ');
    const pool = report.pools.find((item) => item.pool === name);
    if (pool === undefined) continue;
    out.push(kind === 'quota-reached' ? quotaNotification(report, pool, at, cluster) : surplusNotification(report, pool, at, cluster));
  }
  return out;
}

function quotaNotification(report: EipClusterReport, pool: PoolReport, at: string, cluster: { label: string; url: string }): Notification {
  return {
    event: 'eip.quota-reached',
    function: 'eip-manager',
    cluster: report.cluster,
    region: report.region,
    subject: { kind: 'pool', name: pool.pool },
    summary: `pool ${pool.pool} lacks ${pool.missing} address(es): the Elastic IP quota of ${report.region} is used up`,
    reason: 'AllocateAddress failed with AddressLimitExceeded; ask for a higher "EC2-VPC Elastic IPs" quota or release unused addresses',
    at,
    dedupeKey: ['eip', report.cluster, pool.pool, 'quota-reached', String(pool.missing)].join('/'),
    facts: { count: pool.count, held: pool.held, missing: pool.missing, parameter: pool.parameter },
    links: [cluster, { label: 'Elastic IP quota', url: elasticIpQuotaUrl(report.region) }, { label: 'Elastic IPs', url: elasticIpConsoleUrl(report.region) }],
  };
}

function surplusNotification(report: EipClusterReport, pool: PoolReport, at: string, cluster: { label: string; url: string }): Notification {
  return {
    event: 'eip.surplus',
    function: 'eip-manager',
    cluster: report.cluster,
    region: report.region,
    subject: { kind: 'pool', name: pool.pool },
    summary: `pool ${pool.pool} holds ${pool.surplus} address(es) beyond its count of ${pool.count}`,
    reason: `${pool.summary}; eip-manager releases only what the pool's release rule allows: a person decides about the rest`,
    at,
    dedupeKey: ['eip', report.cluster, pool.pool, 'surplus', String(pool.surplus)].join('/'),
    facts: { count: pool.count, held: pool.held, surplus: pool.surplus, publicIps: pool.publicIps.join(', '), parameter: pool.parameter },
    links: [cluster, { label: 'Elastic IPs', url: elasticIpConsoleUrl(report.region) }],
  };
}

/**
 * Tells each apply report's news (see {@link eipNotifications}) and remembers the conditions told.
 * A condition whose publish failed is not remembered, so the next run tells it. Never throws: a
 * failure is logged and the report stays as it was.
 *
 * @example
 * await notifyEipReports(reports, { notifier, memory, logger, now: () => new Date() });
 */
export async function notifyEipReports(reports: readonly EipClusterReport[], deps: EipNotifyDeps): Promise<void> {
  if (deps.notifier === undefined) return;
  for (const report of reports) {
    if (report.mode !== 'apply') continue;
    const where = { cluster: report.cluster, region: report.region };
    try {
      const previous = deps.memory === undefined ? null : await deps.memory.recall(report.region, report.cluster);
      const all = eipNotifications(report, previous, deps.now());
      // Without a memory, a lasting condition would be told every run: only what was done is told.
      const notifications = deps.memory === undefined ? all.filter((item) => item.event === 'eip.allocated' || item.event === 'eip.released') : all;
      const { failed } = await sendNotifications(deps.notifier, notifications, deps.logger);
      if (deps.memory === undefined) continue;
      const current = eipConditions(report);
      const unsent = new Set(notifications.filter((item) => failed.includes(item.dedupeKey)).map((item) => conditionOf(item)));
      const remembered = current.filter((condition) => !unsent.has(condition));
      if (remembered.length === 0) {
        if (previous !== null) await deps.memory.forget(report.region, report.cluster);
      } else if (previous === null || remembered.join('\n') !== [...previous].sort().join('\n')) {
        await deps.memory.remember(report.region, report.cluster, remembered);
      }
    } catch (error) {
      deps.logger.error('elastic IP notification failed', { ...where, error: errorFacts(error) });
    }
  }
}

function conditionOf(notification: Notification): string {
  return notification.event === 'eip.quota-reached'
    ? `quota-reached ${notification.subject.name}`
    : `surplus ${notification.subject.name} ${String(notification.facts.surplus)}`;
}
