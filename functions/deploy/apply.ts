/**
 * Server-side apply of a rendering, in order, with deploy's one field manager and `force`, and the
 * line between errors a retry can get past and errors a person must fix.
 */
import { ResourceBusyError, ThrottledError } from '../../shared/errors';
import type { KubernetesObject, KubernetesPort } from '../../shared/k8s';
import { ClusterUnavailableError, KubernetesAccessError, KubernetesCallError, KubernetesUnreachableError } from '../../shared/k8s/errors';
import { ApplyError } from './errors';
import { withLiveOverride } from './honour-override';
import { describeObject } from './manifests';
import { FIELD_MANAGER } from './render';
import type { RunLogger } from './run-logger';
import type { DeployTarget } from './targets';

/**
 * Errors a retry of the same message can get past: the message fails and SQS delivers it again.
 *
 * @example
 * if (isTransient(error)) throw error; // SQS delivers the message again
 */
export function isTransient(error: unknown): boolean {
  return (
    error instanceof KubernetesUnreachableError ||
    error instanceof ThrottledError ||
    error instanceof ResourceBusyError ||
    error instanceof ClusterUnavailableError ||
    error instanceof KubernetesAccessError
  );
}

/**
 * Server-side apply of every object, in order, with deploy's field manager and force; stops at the
 * first failure (an ApplyError naming the object, or the transient error itself). An HPA or
 * ScaledObject is read first: while scale-watch's override on it is active (as of `now`), its
 * raised bounds are applied instead of the manifest's (honour-override.ts).
 *
 * @example
 * await applyAll(k8s, rendered.objects, target, logger, { cluster, workload }, { now: deps.now() });
 */
export async function applyAll(
  k8s: KubernetesPort,
  objects: readonly KubernetesObject[],
  target: DeployTarget,
  logger: RunLogger,
  facts: Record<string, unknown>,
  options: { now: Date; dryRun?: boolean },
): Promise<KubernetesObject[]> {
  const answers: KubernetesObject[] = [];
  for (const object of objects) {
    try {
      const honoured = await withLiveOverride(k8s, object, options.now);
      answers.push(await k8s.apply(honoured.object, { fieldManager: FIELD_MANAGER, force: true, ...(options.dryRun === true ? { dryRun: true } : {}) }));
      const kept = honoured.override;
      if (kept !== undefined && options.dryRun !== true) {
        logger.info('scale-watch override kept', { ...facts, object: describeObject(object), minReplicas: kept.min, maxReplicas: kept.max, expires: kept.expires.toISOString(), alarm: kept.alarm });
      }
    } catch (error) {
      if (isTransient(error)) throw error;
      const status = error instanceof KubernetesCallError ? error.status : undefined;
      throw new ApplyError(`${describeObject(object)}: ${error instanceof Error ? error.message : String(error)}`, {
        cause: error,
        context: { cluster: target.cluster, workload: target.workload.name, object: describeObject(object), ...(status === undefined ? {} : { status }) },
      });
    }
    if (options.dryRun !== true) logger.info('object applied', { ...facts, object: describeObject(object) });
  }
  return answers;
}
