/**
 * Drift notifications for provision's scheduled check: tell people once when NEW drift appears on
 * a cluster, not on every five-minute run. "New" means a drift entry the last notification for that
 * cluster did not carry; a cluster that converges is forgotten, so a recurrence notifies again.
 * The memory lives behind a port (SSM Parameter Store in production) so it survives cold starts.
 */
import { createHash } from 'node:crypto';
import { errorFacts } from '../../shared/errors';
import type { RunLogger } from '../../shared/reconcile/run-logger';
import type { ClusterReport } from './run';
import type { DriftMemory } from '../../shared/ports/drift-memory';
import type { Notifier } from '../../shared/ports/notifier';

/** One notification: an SNS-safe subject (printable ASCII, at most {@link SUBJECT_LIMIT} characters) and a plain-text body. */
export interface DriftNotification {
  subject: string;
  message: string;
}

/** What {@link notifyNewDrift} needs. */
export interface NotifyDeps {
  memory: DriftMemory;
  notifier: Notifier;
  logger: RunLogger;
}

/** What one {@link notifyNewDrift} call did, in counts of clusters. */
export interface NotifySummary {
  /** Clusters a notification was published for. */
  notified: number;
  /** Converged clusters whose remembered drift was cleared. */
  forgotten: number;
  /** Clusters whose recall, publish, remember or forget failed (each logged). */
  failed: number;
}

/** SNS rejects a Subject longer than this. */
export const SUBJECT_LIMIT = 100;

/**
 * The key under which a size-limited {@link DriftMemory} may store an entry: the SHA-256 hex digest
 * of its UTF-8 text.
 *
 * @example
 * driftDigest('nodegroup/jobs-ng scaling.max'); // 64 lowercase hex characters
 */
export function driftDigest(entry: string): string {
  return createHash('sha256').update(entry, 'utf8').digest('hex');
}

/**
 * Decides whether a report deserves a notification, and writes it. Pure: no I/O, no clock.
 *
 * Answers `null` unless the report is Drifted and its drift holds an entry `previous` (the set last
 * notified, or `null` for none) does not, as itself or as its {@link driftDigest}. The message names
 * the cluster, Region, status and mode, lists the new entries and then the whole current set (both
 * sorted, without duplicates), and names the spec file. It carries nothing from the plan's requests.
 *
 * @example
 * const notification = driftNotification(report, ['nodegroup/jobs-ng scaling.min']);
 * // { subject: 'eks-pilot: new drift on payments (eu-west-1)', message: 'New drift on EKS cluster payments ...' }
 */
export function driftNotification(report: ClusterReport, previous: readonly string[] | null): DriftNotification | null {
  if (report.status !== 'Drifted') return null;
  const current = driftSet(report.drift);
  const known = new Set(previous ?? []);
  const fresh = current.filter((entry) => !known.has(entry) && !known.has(driftDigest(entry)));
  if (fresh.length === 0) return null;

  const subject = asSubject(`eks-pilot: new drift on ${report.cluster} (${report.region})`);
  const message = [
    `New drift on EKS cluster ${report.cluster} in ${report.region}.`,
    '',
    `Status: ${report.status} (mode: ${report.mode})`,
    `Spec: ${report.source ?? '(not recorded)'}`,
    '',
    `New since the last notification (${fresh.length}):`,
    ...fresh.map((entry) => `  + ${entry}`),
    '',
    `All drift now (${current.length}):`,
    ...current.map((entry) => `  - ${entry}`),
    '',
    'eks-pilot notifies again only when another entry drifts, or when drift returns after the cluster has converged.',
    '',
  ].join('\n');
  return { subject, message };
}

/**
 * Publishes a notification for each Drifted report with new drift, then remembers its drift set;
 * clears the memory of each Converged report that has one. Other statuses are left alone: an
 * InProgress or Blocked report (an observation failure reports no drift) says nothing about whether
 * the drift went away.
 *
 * Publishing comes before remembering, so a failed publish is retried by the next run. A failure on
 * one cluster is logged as `drift notification failed` and the others carry on; this never throws.
 * Clusters are handled one at a time, which keeps within Parameter Store's low write rate.
 *
 * @example
 * const summary = await notifyNewDrift(reports, { memory: createSsmDriftMemory(...), notifier: createSnsNotifier(...), logger });
 * summary.notified; // 1
 */
export async function notifyNewDrift(reports: readonly ClusterReport[], deps: NotifyDeps): Promise<NotifySummary> {
  const summary: NotifySummary = { notified: 0, forgotten: 0, failed: 0 };
  for (const report of reports) {
    if (report.status !== 'Drifted' && report.status !== 'Converged') continue;
    const where = { cluster: report.cluster, region: report.region };
    let step: 'recall' | 'publish' | 'remember' | 'forget' = 'recall';
    try {
      const previous = await deps.memory.recall(report.region, report.cluster);
      if (report.status === 'Converged') {
        if (previous === null) continue;
        step = 'forget';
        await deps.memory.forget(report.region, report.cluster);
        summary.forgotten += 1;
        deps.logger.info('drift memory cleared', where);
        continue;
      }
      const notification = driftNotification(report, previous);
      if (notification === null) continue;
      step = 'publish';
      await deps.notifier.publish(notification.subject, notification.message);
      summary.notified += 1;
      step = 'remember';
      const drift = driftSet(report.drift);
      await deps.memory.remember(report.region, report.cluster, drift);
      deps.logger.info('drift notification sent', { ...where, drift: drift.length, previous: previous?.length ?? 0 });
    } catch (error) {
      summary.failed += 1;
      deps.logger.error('drift notification failed', { ...where, step, error: errorFacts(error) });
    }
  }
  return summary;
}

/** Sorted and without duplicates: the order a plan lists actions in is not part of the drift. */
function driftSet(drift: readonly string[]): string[] {
  return [...new Set(drift)].sort();
}

/** Printable ASCII on one line, cut to {@link SUBJECT_LIMIT} characters with an ellipsis. */
function asSubject(text: string): string {
  const ascii = text.replace(/[^\x20-\x7e]/g, '?');
  return ascii.length <= SUBJECT_LIMIT ? ascii : `${ascii.slice(0, SUBJECT_LIMIT - 3)}...`;
}
