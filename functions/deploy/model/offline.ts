/**
 * The offline plan of a push, for the CLI: given a webhook payload file, which workloads of the
 * specs would change and the objects they would be applied as, with no cluster and no AWS call.
 * What runs is taken from the manifests, so "only moves forward" is judged against them.
 */
import { isPackageEvent, parsePackageEvent } from '../../../shared/github/package-event';
import type { PlanReport } from './preview';
import { planReport, renderPlanned } from './preview';
import { parseImageRef, pinnedRef } from './images';
import { decide } from './policy';
import { manifestImages } from './releases';
import type { DeployTarget } from './targets';
import { matchRepository } from './targets';

export interface OfflinePushPlan {
  /** `ghcr.io/o/n:tag@sha256:...`, or undefined when the payload is not a push deploy reads. */
  image?: string;
  /** Why nothing changes, when nothing does. */
  reason?: string;
  plans: PlanReport[];
  skipped: { cluster: string; workload: string; reason: string }[];
}

/**
 * Plans a `registry_package` or `package` payload against the targets.
 *
 * @example
 * const plan = planPushOffline(targets, 'registry_package', JSON.parse(readFileSync('push.json', 'utf8')));
 * plan.plans.map((item) => `${item.cluster}/${item.workload}`); // ['crypto-oms/crypto-oms']
 */
export function planPushOffline(targets: readonly DeployTarget[], event: string, payload: unknown): OfflinePushPlan {
  if (!isPackageEvent(event)) return { reason: `event ${event} is not handled (only registry_package and package)`, plans: [], skipped: [] };
  const parsed = parsePackageEvent(event, payload);
  if (parsed.kind === 'ignored') return { reason: parsed.reason, plans: [], skipped: [] };
  const { push } = parsed;
  const { matched, unused } = matchRepository(targets, push.repository);
  const skipped = unused.map((target) => ({ cluster: target.cluster, workload: target.workload.name, reason: `no container uses ${push.repository}` }));
  const plans: PlanReport[] = [];
  for (const { target, policy } of matched) {
    const running = manifestImages(target)[push.repository];
    const decision = decide(policy, target.workload.environment, push.tag, running === undefined ? undefined : parseImageRef(running).tag);
    if (!decision.deploy) skipped.push({ cluster: target.cluster, workload: target.workload.name, reason: decision.reason });
    else plans.push(planReport(target, renderPlanned(target, [], push)));
  }
  return { image: pinnedRef(push), ...(plans.length === 0 ? { reason: `no workload takes ${pinnedRef(push)}` } : {}), plans, skipped };
}
