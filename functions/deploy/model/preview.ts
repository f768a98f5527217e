/**
 * What a plan shows, pure: a workload rendered at the images it would run (what runs, or `image`
 * deployed on top), and the report the CLI and the worker's manual plan print, Secret values
 * hidden. The drift against a cluster is the worker's (a dry-run apply); offline there is none.
 */
import type { KubernetesObject } from '../../../shared/k8s';
import { REDACTED } from '../../../shared/lambda/logger';
import type { PinnedImage } from './images';
import type { ReleaseRecord } from './releases';
import { currentImages, pinnedImages } from './releases';
import type { RenderedWorkload } from './render';
import { renderWorkload } from './render';
import type { DeployTarget } from './targets';

/** What a plan answers: the objects as deploy would apply them (Secret values hidden), the image changes and the drift. */
export interface PlanReport {
  cluster: string;
  workload: string;
  images: RenderedWorkload['images'];
  autoscaled: string[];
  drift: string[];
  objects: KubernetesObject[];
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
export function planReport(target: DeployTarget, rendered: RenderedWorkload, drift: readonly string[] = [], objects: readonly KubernetesObject[] = rendered.objects): PlanReport {
  return { cluster: target.cluster, workload: target.workload.name, images: rendered.images, autoscaled: rendered.autoscaled, drift: [...drift], objects: objects.map(hideSecretValues) };
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
