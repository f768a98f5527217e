/**
 * The offline plan of a push, for the CLI: given a webhook payload file (or an ECR push event), which workloads of the
 * specs would change and the objects they would be applied as, with no cluster and no AWS call.
 * What runs is taken from the manifests, so "only moves forward" is judged against them; each
 * decision is the worker's own planPush.
 */
import { ECR_IMAGE_ACTION, ecrImageActionSchema, parseEcrEvent } from '../../../shared/model/ecr-event';
import { isPackageEvent, parsePackageEvent } from '../../../shared/model/package-event';
import type { PlanReport } from './preview';
import { planReport, previewPush } from './preview';
import { pinnedRef } from './images';
import { publicationTime } from './messages';
import type { DeployTarget } from './targets';
import { matchRepository } from './targets';

export interface OfflinePushPlan {
  /** `ghcr.io/o/n:tag@sha256:...` (or an ECR repository URI), or undefined when the payload is not a push deploy reads. */
  image?: string;
  /** Why nothing changes, when nothing does. */
  reason?: string;
  plans: PlanReport[];
  skipped: { cluster: string; workload: string; reason: string }[];
}

/**
 * Plans a `registry_package` or `package` payload, or an `ECR Image Action` event, against the
 * targets, each workload through the worker's own planPush (via previewPush) with the push as the
 * worker would get it (its publication time, `source: 'push'`) and the manifests' images as what runs.
 *
 * @example
 * const plan = planPushOffline(targets, 'registry_package', JSON.parse(readFileSync('push.json', 'utf8')), new Date());
 * plan.plans.map((item) => `${item.cluster}/${item.workload}`); // ['crypto-oms/crypto-oms']
 */
export function planPushOffline(targets: readonly DeployTarget[], event: string, payload: unknown, now: Date): OfflinePushPlan {
  const read = readPush(event, payload);
  if ('reason' in read) return { reason: read.reason, plans: [], skipped: [] };
  const { push, publishedAt } = read;
  const trigger = { deliveryId: 'offline-plan', source: 'push' as const, ...(publishedAt === undefined ? {} : { publishedAt }) };
  const { matched, unused } = matchRepository(targets, push.repository);
  const skipped = unused.map((target) => ({ cluster: target.cluster, workload: target.workload.name, reason: `no container uses ${push.repository}` }));
  const plans: PlanReport[] = [];
  for (const { target } of matched) {
    const { decision, rendered } = previewPush(target, [], push, trigger, now);
    if (decision.action === 'release') plans.push(planReport(target, rendered, [], rendered.objects, decision));
    else skipped.push({ cluster: target.cluster, workload: target.workload.name, reason: decision.reason });
  }
  return { image: pinnedRef(push), ...(plans.length === 0 ? { reason: `no workload takes ${pinnedRef(push)}` } : {}), plans, skipped };
}

type ReadPush = { push: Parameters<typeof previewPush>[2]; publishedAt?: string } | { reason: string };

/** The push a GitHub payload or an ECR event carries, as the webhook and the worker read it; or why there is none. */
function readPush(event: string, payload: unknown): ReadPush {
  if (event === ECR_IMAGE_ACTION) {
    const checked = ecrImageActionSchema.safeParse(payload);
    if (!checked.success) {
      const issue = checked.error.issues[0];
      return { reason: `not an ECR Image Action event: ${issue ? `${issue.path.join('.') || '(event)'}: ${issue.message}` : 'unreadable'}` };
    }
    const parsed = parseEcrEvent(checked.data);
    return parsed.kind === 'ignored' ? { reason: parsed.reason } : { push: parsed.push, publishedAt: checked.data.time };
  }
  if (!isPackageEvent(event)) return { reason: `event ${event} is not handled (only registry_package, package and ${ECR_IMAGE_ACTION})` };
  const parsed = parsePackageEvent(event, payload);
  if (parsed.kind === 'ignored') return { reason: parsed.reason };
  const publishedAt = typeof payload === 'object' && payload !== null ? publicationTime(event, payload) : undefined;
  return { push: parsed.push, ...(publishedAt === undefined ? {} : { publishedAt }) };
}
