/**
 * What a plan shows, pure: a workload rendered at the images it would run (what runs, or what
 * {@link planPush} releases for a pushed image), and the report the CLI and the worker's manual
 * plan print, Secret values hidden. A planned image goes through the worker's own planPush, so a
 * plan says what the worker would do: skip (and why), refuse (and why), or release. The drift
 * against a cluster is the worker's (a dry-run apply); offline there is none.
 */
import type { KubernetesObject } from '../../../shared/ports/kubernetes';
import { REDACTED } from '../../../shared/lambda/logger';
import type { PinnedImage } from './images';
import type { DeployPlan, DeployTrigger } from './plan';
import { planPush } from './plan';
import type { ReleaseRecord } from './releases';
import { currentImages, pinnedImages } from './releases';
import type { RenderedWorkload } from './render';
import { renderWorkload } from './render';
import { plannedSecrets, withSecrets } from './secret-values';
import type { DeployTarget } from './targets';

/** What a plan answers: the objects as deploy would apply them (Secret values hidden), the image changes and the drift. */
export interface PlanReport {
  cluster: string;
  workload: string;
  images: RenderedWorkload['images'];
  autoscaled: string[];
  drift: string[];
  objects: KubernetesObject[];
  /** For a planned image: what the worker would do with it (the rendering is what it would apply, or what runs when it would not). */
  decision?: PlanDecision;
}

/** The worker's decision on a planned image, as a plan reports it (a refusal's record is the worker's to write, not the plan's). */
export type PlanDecision =
  | { action: 'skip'; outcome: 'ignored' | 'duplicate' | 'unchanged'; reason: string }
  | { action: 'refuse'; reason: string }
  | { action: 'release'; images: Record<string, string> }
  /** The environment's gate would hold it: it would wait, with why (approval required, frozen until ...). */
  | { action: 'hold'; reason: string; images: Record<string, string> };

/**
 * What the worker would do with `image` given the history (planPush, the same call the worker
 * makes), and the rendering that goes with it: the release's images, or what runs when nothing
 * would be released.
 *
 * @example
 * const { decision, rendered } = previewPush(target, history, image, { deliveryId: 'plan', source: 'manual' }, now);
 * decision; // { action: 'refuse', reason: 'tag v0.9.0 is older than v1.0.0 that runs ...' }
 */
export function previewPush(
  target: DeployTarget,
  records: readonly ReleaseRecord[],
  image: PinnedImage,
  trigger: DeployTrigger,
  now: Date,
): { decision: PlanDecision; rendered: RenderedWorkload } {
  const plan: DeployPlan = planPush(target, records, image, trigger, now);
  switch (plan.action) {
    case 'release':
      return {
        decision: { action: 'release', images: plan.draft.images },
        rendered: renderWorkload(target.workload.name, target.objects, pinnedImages(plan.draft.images)),
      };
    case 'skip':
      return { decision: { action: 'skip', outcome: plan.outcome, reason: plan.reason }, rendered: renderPlanned(target, records) };
    case 'refuse':
      return { decision: { action: 'refuse', reason: plan.reason }, rendered: renderPlanned(target, records) };
    case 'hold':
      return { decision: { action: 'hold', reason: plan.reason, images: plan.record.images }, rendered: renderPlanned(target, records) };
    default:
      throw new Error(`unknown plan action ${(plan satisfies never as { action: string }).action}`);
  }
}

/**
 * How a plan's decision reads in one line.
 *
 * @example
 * describeDecision({ action: 'skip', outcome: 'unchanged', reason: '... already runs' }); // 'skip (unchanged): ... already runs'
 */
export function describeDecision(decision: PlanDecision): string {
  switch (decision.action) {
    case 'release':
      return `release: ${Object.values(decision.images).join(', ')}`;
    case 'skip':
      return `skip (${decision.outcome}): ${decision.reason}`;
    case 'refuse':
      return `refuse: ${decision.reason}`;
    case 'hold':
      return `hold it (waiting: ${decision.reason}): ${Object.values(decision.images).join(', ')}`;
    default:
      throw new Error(`unknown decision ${(decision satisfies never as { action: string }).action}`);
  }
}

/**
 * The workload rendered at what runs (per `records`; the manifests' images when there are none),
 * with `image` deployed on top when given.
 *
 * @example
 * const rendered = renderPlanned(target, history, { repository: 'ghcr.io/acme/web', tag: 'v1.3.0', digest });
 */
export function renderPlanned(target: DeployTarget, records: readonly ReleaseRecord[], image?: PinnedImage): RenderedWorkload {
  const images = pinnedImages(currentImages(records, target));
  if (image !== undefined) images[image.repository] = image;
  return renderWorkload(target.workload.name, target.objects, images);
}

/**
 * The report of a rendering: `objects` (default: the rendering's own) with every Secret value hidden.
 *
 * @example
 * planReport(target, rendered); // offline: no drift
 */
export function planReport(
  target: DeployTarget,
  rendered: RenderedWorkload,
  drift: readonly string[] = [],
  objects: readonly KubernetesObject[] = rendered.objects,
  decision?: PlanDecision,
): PlanReport {
  return {
    cluster: target.cluster,
    workload: target.workload.name,
    images: rendered.images,
    autoscaled: rendered.autoscaled,
    drift: [...drift],
    // Sourced Secrets by name and source only: a plan never reads their values.
    objects: withSecrets(objects, plannedSecrets(target)).map(hideSecretValues),
    ...(decision === undefined ? {} : { decision }),
  };
}

/**
 * A Secret's values replaced by the redaction marker: a plan is printed and logged.
 *
 * @example
 * hideSecretValues(secret).data; // { password: '[REDACTED]' }
 */
export function hideSecretValues(object: KubernetesObject): KubernetesObject {
  if (object.kind !== 'Secret') return object;
  const hide = (values: unknown): Record<string, string> | undefined =>
    typeof values === 'object' && values !== null ? Object.fromEntries(Object.keys(values).map((key) => [key, REDACTED])) : undefined;
  const data = hide(object.data);
  const stringData = hide(object.stringData);
  return { ...object, ...(data ? { data } : {}), ...(stringData ? { stringData } : {}) };
}
