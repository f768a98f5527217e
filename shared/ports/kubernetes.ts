/**
 * The narrow Kubernetes capability deploy and scale-watch work against: server-side apply, read,
 * merge patch and list, for the kinds in resources.ts. The HTTP adapter (adapter.ts, built by
 * `connectToCluster`) is the only implementation that talks to a cluster; `run.ts` tests use a
 * recording fake.
 *
 * Reads return `null` for an object that does not exist, never throw for it. Failures are the typed
 * errors of shared/ports/kubernetes-errors.ts: KubernetesConflictError (409), KubernetesNotFoundError (404 where
 * something had to exist), KubernetesAccessError (401/403), KubernetesUnreachableError (no answer),
 * else UpstreamError (RequestRejectedError for 400/422, ThrottledError for 429) with the status and
 * the API's `Status.message`.
 */

/** Object metadata as far as this layer reads it; everything else passes through untouched. */
export interface ObjectMeta {
  name: string;
  /** Required for namespaced kinds; absent for Namespace. */
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  [field: string]: unknown;
}

/** Any Kubernetes object: the manifest to apply, or what the API server answers. */
export interface KubernetesObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  [field: string]: unknown;
}

/** How a server-side apply is made. */
export interface ApplyOptions {
  /** Who owns the applied fields (`managedFields`); one name per function, e.g. `eks-pilot-deploy`. */
  fieldManager: string;
  /** Take fields other managers own instead of failing with a 409 (`force=true`): we are the sole owner. */
  force?: boolean;
  /** Validate and merge on the server without persisting (`dryRun=All`): the answer is what would be stored. */
  dryRun?: boolean;
  /**
   * `fieldValidation`: `Strict` refuses an object with a field its schema does not declare (a
   * misspelt field); without it the API server drops such a field with only a `Warning` header.
   */
  fieldValidation?: 'Strict' | 'Warn' | 'Ignore';
}

/** How a merge patch is made. */
export interface PatchOptions {
  /** Recorded in `managedFields` for the patched fields. */
  fieldManager?: string;
  dryRun?: boolean;
}

/** Which API server the port talks to, for logs: under `KUBECONFIG` it is not the EKS cluster asked for. */
export interface KubernetesTarget {
  /** The EKS cluster name, or the kubeconfig context name. */
  cluster: string;
  server: string;
  via: 'eks' | 'kubeconfig';
}

export interface KubernetesPort {
  readonly target: KubernetesTarget;

  /**
   * Server-side apply: `PATCH` of the whole object with `Content-Type: application/apply-patch+yaml`.
   * Creates the object or updates the fields this field manager owns. Answers the object as stored
   * (or as it would be, with `dryRun`).
   */
  apply(object: KubernetesObject, options: ApplyOptions): Promise<KubernetesObject>;

  /** The object, or `null` when it does not exist. `namespace` is `undefined` for cluster-scoped kinds. */
  get(apiVersion: string, kind: string, namespace: string | undefined, name: string): Promise<KubernetesObject | null>;

  /**
   * JSON merge patch (RFC 7386, `application/merge-patch+json`) of an existing object: objects merge,
   * `null` deletes a field, arrays are replaced whole. Throws KubernetesNotFoundError when it is gone.
   */
  patch(
    apiVersion: string,
    kind: string,
    namespace: string | undefined,
    name: string,
    mergePatch: Record<string, unknown>,
    options?: PatchOptions,
  ): Promise<KubernetesObject>;

  /**
   * Every object of a kind (all pages), in one namespace or, with `namespace` undefined, in all of
   * them; filtered by a label selector such as `app.kubernetes.io/managed-by=eks-pilot`. Each item has
   * its `apiVersion` and `kind` filled in.
   */
  list(apiVersion: string, kind: string, namespace?: string, labelSelector?: string): Promise<KubernetesObject[]>;

  /**
   * Deletes the object, its dependents in the background (`propagationPolicy=Background`, as kubectl
   * does). Answers false when it was already gone: deleting is idempotent.
   */
  delete(apiVersion: string, kind: string, namespace: string | undefined, name: string): Promise<boolean>;
}
