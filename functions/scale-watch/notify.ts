/**
 * scale-watch's notifications, pure: a rule that moved bounds is told as `scale.stepped` (a step
 * up, a renewal, a step after the cooldown) or `scale.returned` (back to the spec's values), with
 * each bound's old and new value and a link to the alarm it rests on. Only apply runs that moved
 * something are told: the next run finds the bounds moved and tells nothing.
 */
import type { Notification } from '../../shared/model/notification';
import { cloudWatchAlarmUrl, eksConsoleUrl } from '../../shared/model/notification';
import type { RuleReport } from './run';

/**
 * The notification of a rule's run, or undefined when it moved no bound.
 *
 * @example
 * ruleNotification(report, new Date())?.event; // 'scale.stepped'
 */
export function ruleNotification(report: RuleReport, now: Date): Notification | undefined {
  if (report.mode !== 'apply' || report.boundChanges.length === 0) return undefined;
  const event = report.decision === 'return' ? 'scale.returned' : 'scale.stepped';
  const changes = report.boundChanges.map((change) => `${change.target} ${change.field} ${String(change.from)} -> ${String(change.to)}`);
  const at = now.toISOString();
  return {
    event,
    function: 'scale-watch',
    cluster: report.cluster,
    region: report.region,
    subject: { kind: 'rule', name: report.rule },
    summary: `rule ${report.rule} ${event === 'scale.returned' ? 'returned bounds to the spec' : 'stepped bounds'}: ${changes.join('; ')}`,
    reason: report.summary,
    at,
    dedupeKey: ['scale', report.cluster, report.rule, event, report.trigger, ...changes].join('/'),
    facts: {
      decision: report.decision,
      trigger: report.trigger,
      ...(report.alarm === undefined ? {} : { alarm: report.alarm }),
      ...Object.fromEntries(report.boundChanges.map((change) => [`${change.target} ${change.field}`, `${String(change.from)} -> ${String(change.to)}`])),
    },
    links: [
      { label: `EKS cluster ${report.cluster}`, url: eksConsoleUrl(report.region, report.cluster) },
      ...(report.alarm === undefined ? [] : [{ label: `alarm ${report.alarm}`, url: cloudWatchAlarmUrl(report.region, report.alarm) }]),
    ],
  };
}
