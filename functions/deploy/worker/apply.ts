/**
 * Server-side apply of a rendering, in order, with deploy's one field manager and `force`, and the
 * line between errors a retry can get past and errors a person must fix.
 */
import { ResourceBusyError, ThrottledError } from '../../../shared/errors';
import type { KubernetesObject, KubernetesPort } from '../../../shared/ports/kubernetes';
import { ClusterUnavailableError, KubernetesAccessError, KubernetesCallError, KubernetesUnreachableError } from '../../../shared/ports/kubernetes-errors';
import { OWNER_LABEL } from '../../../shared/model/cluster-spec/runtime';
import { ApplyError } from '../model/errors';
import { withLiveOverride } from './honour-override';
import { containerImages, describeObject } from '../model/manifests';
import { APPLY_OPTIONS } from '../model/render';
import type { RunLogger } from '../../../shared/reconcile/run-logger';
import type { DeployTarget } from '../model/targets';

/**
 * Errors a retry of the same message can get past: the message fails and SQS delivers it again. A
 * 401 (a token the API server did not take yet) is; a 403 is not: the access policy says no, and
 * asking again says no again ({@link forbidden}).
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
    (error instanceof KubernetesAccessError && error.status !== 403)
  );
}

/** A 403 from the API server: the permission deploy lacks, and the API's own words. */
export interface Forbidden {
  /** `patch networkpolicies.networking.k8s.io in namespace shared`, `patch namespaces (cluster scope)`. */
  permission: string;
  message: string;
}

/**
 * The 403 somewhere along an error's `cause` chain, with the permission it shows missing (read
 * from the request's method and path, as RBAC sees them), or undefined.
 *
 * @example
 * forbidden(applyError)?.permission; // 'patch ingresses.networking.k8s.io in namespace crypto-oms'
 */
export function forbidden(error: unknown): Forbidden | undefined {
  for (let current: unknown = error, depth = 0; current instanceof Error && depth <= 10; current = current.cause, depth += 1) {
    if (current instanceof KubernetesAccessError && current.status === 403)
      return { permission: permissionOf(current.context.method, current.context.path), message: current.message };
  }
  return undefined;
}

const PATH = /^\/(?:api\/[^/]+|apis\/([^/]+)\/[^/]+)(?:\/namespaces\/([^/]+))?\/([^/]+)(?:\/([^/]+))?$/;

function permissionOf(method: string, path: string): string {
  // `/api/v1/namespaces/<name>` matches as the cluster-scoped `namespaces` resource, as RBAC sees it.
  const [, group, namespace, plural, name] = PATH.exec(path) ?? [];
  const resource = `${plural ?? path}${group === undefined ? '' : `.${group}`}`;
  const verbs: Record<string, string> = { PATCH: 'patch', DELETE: 'delete', POST: 'create', PUT: 'update' };
  const verb = verbs[method] ?? (name === undefined ? 'list' : 'get');
  return namespace === undefined ? `${verb} ${resource} (cluster scope)` : `${verb} ${resource} in namespace ${namespace}`;
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
      if (object.kind === 'Namespace' && (await k8s.get(object.apiVersion, object.kind, undefined, object.metadata.name)) !== null) {
        // Creating and changing namespaces is the platform's job (a cluster-scoped write a namespace-scoped access policy refuses).
        if (options.dryRun !== true) logger.info('namespace exists: not applied', { ...facts, object: describeObject(object) });
        continue;
      }
      if (object.kind === 'Secret' && (await foreignSecret(k8s, object, target))) {
        // Real credentials someone else put there (kubectl, an operator, External Secrets) are never overwritten.
        if (options.dryRun !== true) logger.warn("secret exists and is not deploy's: not applied", { ...facts, object: describeObject(object) });
        continue;
      }
      const honoured = await withLiveOverride(k8s, object, options.now);
      answers.push(await k8s.apply(honoured.object, { ...APPLY_OPTIONS, ...(options.dryRun === true ? { dryRun: true } : {}) }));
      const kept = honoured.override;
      if (kept !== undefined && options.dryRun !== true) {
        logger.info('scale-watch override kept', {
          ...facts,
          object: describeObject(object),
          minReplicas: kept.min,
          maxReplicas: kept.max,
          expires: kept.expires.toISOString(),
          alarm: kept.alarm,
        });
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

/**
 * Whether a Secret of the rendering exists in the cluster without deploy's ownership label for this
 * workload: then it belongs to someone else and deploy leaves it alone.
 *
 * @example
 * if (await foreignSecret(k8s, secret, target)) return; // not applied, not compared
 */
export async function foreignSecret(k8s: KubernetesPort, object: KubernetesObject, target: DeployTarget): Promise<boolean> {
  const live = await k8s.get(object.apiVersion, object.kind, object.metadata.namespace, object.metadata.name);
  return live !== null && live.metadata.labels?.[OWNER_LABEL] !== target.workload.name;
}

/** A Job of the rendering whose live pod template runs other images: its template is immutable. */
export interface ImmutableJob {
  object: KubernetesObject;
  from: string[];
  to: string[];
}

/**
 * The existing Jobs whose images the rendering changes: a real API server refuses that apply with a
 * 422 (`spec.template: field is immutable`), so the release must delete and recreate them, or not happen.
 *
 * @example
 * const jobs = await immutableJobs(k8s, rendered.objects); // [{ object, from: ['...:v1'], to: ['...:v2@sha256:...'] }]
 */
export async function immutableJobs(k8s: KubernetesPort, objects: readonly KubernetesObject[]): Promise<ImmutableJob[]> {
  const changed: ImmutableJob[] = [];
  for (const object of objects.filter((item) => item.kind === 'Job')) {
    const live = await k8s.get(object.apiVersion, object.kind, object.metadata.namespace, object.metadata.name);
    if (live === null) continue;
    const from = containerImages(live).map((item) => item.image);
    const to = containerImages(object).map((item) => item.image);
    if (JSON.stringify(from) !== JSON.stringify(to)) changed.push({ object, from, to });
  }
  return changed;
}
