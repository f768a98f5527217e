/** Step 7 of provision's plan, tags: the spec's tags on the cluster, node groups, add-ons and access entries. */
import type { TargetId } from '../../../shared/model/plan/plan';
import type { ProvisionAction } from '../actions';

/**
 * Adds and corrects the spec's tags. Tags the spec does not name are left alone: AWS services and
 * other tools tag clusters too, and the scaling-override tags belong to scale-watch.
 *
 * @example
 * planTags('cluster/kianax', cluster.arn, { team: 'platform' }, { team: 'ops', owner: 'someone' }).map((action) => action.request);
 * // [{ resourceArn: cluster.arn, tags: { team: 'platform' } }]: owner is left alone
 */
export function planTags(
  targetIdText: TargetId,
  resourceArn: string | undefined,
  wanted: Readonly<Record<string, string>>,
  current: Readonly<Record<string, string>> | undefined,
): ProvisionAction[] {
  if (resourceArn === undefined) return [];
  const missing = Object.fromEntries(Object.entries(wanted).filter(([key, value]) => current?.[key] !== value));
  const keys = Object.keys(missing).sort();
  if (keys.length === 0) return [];
  const slash = targetIdText.indexOf('/');
  return [
    {
      kind: 'TagResource',
      classification: 'update',
      target: { kind: targetIdText.slice(0, slash), name: targetIdText.slice(slash + 1) },
      reason: 'tags differ from the spec',
      changes: keys.map((key) => ({ field: `tags.${key}`, from: current?.[key], to: missing[key] })),
      request: { resourceArn, tags: missing },
    },
  ];
}
