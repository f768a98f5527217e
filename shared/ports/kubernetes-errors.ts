/**
 * The typed errors of the Kubernetes layer. API answers become subclasses of {@link UpstreamError}
 * (409 {@link KubernetesConflictError}, 404 {@link KubernetesNotFoundError}, 401/403
 * {@link KubernetesAccessError}, 400/422 `RequestRejectedError`, 429 `ThrottledError`, anything else
 * a plain `UpstreamError`); mistakes a person must fix before any request is sent (a kind we do not
 * know, a manifest without a name, an unusable kubeconfig) extend {@link EksPilotError}.
 *
 * Messages and contexts carry the API's own `Status.message`, never a request body: an applied
 * object may be a Secret.
 */
import { EksPilotError, UpstreamError } from '../errors';

/** Facts about one failed Kubernetes API call, for logs and CLI output. */
export type KubernetesCallContext = {
  /** The EKS cluster name, or the kubeconfig context under `KUBECONFIG`. */
  cluster: string;
  method: string;
  /** The request path without its query, e.g. `/apis/apps/v1/namespaces/shop/deployments/web`. */
  path: string;
  /** The HTTP status, or 0 when no answer came back. */
  status: number;
  /** `Status.reason` from the API (`Conflict`, `Forbidden`, `NotFound`, ...), when it sent one. */
  reason?: string;
};

interface CallErrorOptions {
  cause?: unknown;
  context: KubernetesCallContext;
}

/**
 * A Kubernetes API call that failed in a way callers branch on; `context` says which call and what
 * the API answered. Statuses without a class of their own are plain `UpstreamError`s with the same
 * context.
 *
 * @example
 * if (e instanceof KubernetesCallError) logger.error('kubernetes call failed', { ...e.context });
 */
export abstract class KubernetesCallError extends UpstreamError {
  override name = 'KubernetesCallError';

  declare readonly context: Readonly<KubernetesCallContext>;
  /** The HTTP status, or 0 when no answer came back. */
  readonly status: number;

  constructor(message: string, options: CallErrorOptions) {
    super(message, options);
    this.status = options.context.status;
  }
}

/**
 * 409: a server-side apply that would take a field another field manager owns (apply without
 * `force`), or an object changed under us. `Status.message` lists the conflicting fields.
 *
 * @example
 * try { await k8s.apply(deployment, { fieldManager: 'eks-pilot' }); }
 * catch (e) { if (e instanceof KubernetesConflictError) logger.warn('apply conflict', { ...e.context, message: e.message }); }
 */
export class KubernetesConflictError extends KubernetesCallError {
  override name = 'KubernetesConflictError';
}

/**
 * 404 where "not found" is not an answer: patching an object that does not exist, applying into a
 * namespace that does not exist, or a resource the cluster does not serve (a CRD such as KEDA's
 * `ScaledObject` not installed, an API version removed). `get` returns `null` for a missing object
 * instead.
 *
 * @example
 * if (e instanceof KubernetesNotFoundError) logger.warn('nothing to patch', e.context);
 */
export class KubernetesNotFoundError extends KubernetesCallError {
  override name = 'KubernetesNotFoundError';
}

/**
 * 401/403: the API server did not accept who we are (401) or what we asked (403). On EKS this almost
 * always means the function's IAM role has no access entry on the cluster, or its access policy
 * does not reach the namespace or verb.
 *
 * @example
 * if (e instanceof KubernetesAccessError) logger.error('no access to cluster', e.context);
 */
export class KubernetesAccessError extends KubernetesCallError {
  override name = 'KubernetesAccessError';
}

/**
 * No HTTP answer at all: connection refused or reset, DNS, TLS (a CA that does not match), or the
 * request timed out. The `cause` is Node's own error.
 *
 * @example
 * if (e instanceof KubernetesUnreachableError) return { retry: true };
 */
export class KubernetesUnreachableError extends KubernetesCallError {
  override name = 'KubernetesUnreachableError';
}

/**
 * The EKS cluster cannot be connected to: DescribeCluster found no such cluster, or the cluster has
 * no endpoint or CA yet (still CREATING).
 *
 * @example
 * throw new ClusterUnavailableError('EKS cluster "payments" not found in eu-west-1', { context: { cluster: 'payments', region: 'eu-west-1' } });
 */
export class ClusterUnavailableError extends UpstreamError {
  override name = 'ClusterUnavailableError';
}

/**
 * An object kind this layer has no REST mapping for (see `KNOWN_KINDS` in resources.ts), or a
 * known kind under the wrong API group (`apiVersion: v1` on a Deployment).
 *
 * @example
 * resourceFor('apps/v1', 'ReplicaSet'); // throws UnsupportedKindError
 */
export class UnsupportedKindError extends EksPilotError {
  override name = 'UnsupportedKindError';
}

/**
 * An object or reference that cannot be turned into a request: no `metadata.name`, no namespace
 * for a namespaced kind, a body that is not an object.
 *
 * @example
 * await k8s.apply({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } }, opts); // throws: no namespace
 */
export class InvalidObjectError extends EksPilotError {
  override name = 'InvalidObjectError';
}

/**
 * A `KUBECONFIG` that cannot be used: unreadable or invalid file, no current context, or a
 * credential type out of scope (exec plugins, auth-provider, basic auth, impersonation).
 *
 * @example
 * throw new KubeconfigError('user "eks-admin" uses an exec credential plugin, which eks-pilot does not run', { context: { file } });
 */
export class KubeconfigError extends EksPilotError {
  override name = 'KubeconfigError';
}
