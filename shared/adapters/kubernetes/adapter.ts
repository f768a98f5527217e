import { RequestRejectedError, ThrottledError, UpstreamError } from '../../errors';
import type { KubernetesHttpClient, KubernetesHttpRequest, KubernetesHttpResponse } from './client';
import {
  InvalidObjectError,
  KubernetesAccessError,
  KubernetesConflictError,
  KubernetesNotFoundError,
  UnsupportedKindError,
} from '../../ports/kubernetes-errors';
import type { KubernetesCallContext } from '../../ports/kubernetes-errors';
import type { ApplyOptions, KubernetesObject, KubernetesPort, KubernetesTarget, PatchOptions } from '../../ports/kubernetes';
import { resourceFor, resourcePath } from '../../ports/kubernetes-resources';

/** Content types of the two kinds of PATCH this layer sends. */
export const APPLY_PATCH = 'application/apply-patch+yaml';
export const MERGE_PATCH = 'application/merge-patch+json';

/** Items per list page; the API server's own default is unlimited, which a big cluster makes costly. */
export const LIST_PAGE_SIZE = 500;

/** The API's error body (`kind: Status`), as far as we read it. */
interface ApiStatus {
  message?: string;
  reason?: string;
  details?: { name?: string };
}

type Verb = 'apply' | 'get' | 'patch' | 'list' | 'delete';

/** What one port call is about, for its request and its errors. */
interface Call {
  verb: Verb;
  kind: string;
  namespace: string | undefined;
  name: string | undefined;
}

/**
 * {@link KubernetesPort} over a {@link KubernetesHttpClient}: builds each call's path from the static
 * kind table, sends it, and turns the API's answers into objects, `null` or typed errors.
 *
 * @example
 * const k8s = new KubernetesAdapter(client, { cluster: 'payments', server, via: 'eks' }, 'check the access entry');
 * await k8s.apply(configMap, { fieldManager: 'eks-pilot-deploy', force: true });
 */
export class KubernetesAdapter implements KubernetesPort {
  readonly target: KubernetesTarget;
  private readonly client: KubernetesHttpClient;
  private readonly accessHint: string;

  /** `accessHint` ends every 401/403 message: what a person should check for this way of connecting. */
  constructor(client: KubernetesHttpClient, target: KubernetesTarget, accessHint: string) {
    this.client = client;
    this.target = target;
    this.accessHint = accessHint;
  }

  async apply(object: KubernetesObject, options: ApplyOptions): Promise<KubernetesObject> {
    const { apiVersion, kind, namespace, name } = identify(object);
    const call: Call = { verb: 'apply', kind, namespace, name };
    const query = new URLSearchParams({ fieldManager: options.fieldManager });
    if (options.force === true) query.set('force', 'true');
    if (options.dryRun === true) query.set('dryRun', 'All');
    if (options.fieldValidation !== undefined) query.set('fieldValidation', options.fieldValidation);
    const request: KubernetesHttpRequest = {
      method: 'PATCH',
      path: resourcePath(apiVersion, kind, namespace, name),
      query,
      contentType: APPLY_PATCH,
      // JSON is YAML: the API server takes an apply patch in either.
      body: JSON.stringify(object),
    };
    return this.object(request, call, await this.client.send(request));
  }

  async get(apiVersion: string, kind: string, namespace: string | undefined, name: string): Promise<KubernetesObject | null> {
    const call: Call = { verb: 'get', kind, namespace, name };
    const request: KubernetesHttpRequest = { method: 'GET', path: resourcePath(apiVersion, kind, namespace, name) };
    const response = await this.client.send(request);
    // A 404 is "no such object" only when the Status names it; else the resource itself is not served.
    if (response.status === 404 && readStatus(response)?.details?.name === name) return null;
    return this.object(request, call, response);
  }

  async patch(
    apiVersion: string,
    kind: string,
    namespace: string | undefined,
    name: string,
    mergePatch: Record<string, unknown>,
    options: PatchOptions = {},
  ): Promise<KubernetesObject> {
    const call: Call = { verb: 'patch', kind, namespace, name };
    const query = new URLSearchParams();
    if (options.fieldManager !== undefined) query.set('fieldManager', options.fieldManager);
    if (options.dryRun === true) query.set('dryRun', 'All');
    const request: KubernetesHttpRequest = {
      method: 'PATCH',
      path: resourcePath(apiVersion, kind, namespace, name),
      query,
      contentType: MERGE_PATCH,
      body: JSON.stringify(mergePatch),
    };
    return this.object(request, call, await this.client.send(request));
  }

  async delete(apiVersion: string, kind: string, namespace: string | undefined, name: string): Promise<boolean> {
    const call: Call = { verb: 'delete', kind, namespace, name };
    const request: KubernetesHttpRequest = {
      method: 'DELETE',
      path: resourcePath(apiVersion, kind, namespace, name),
      query: new URLSearchParams({ propagationPolicy: 'Background' }),
    };
    const response = await this.client.send(request);
    if (response.status === 404 && readStatus(response)?.details?.name === name) return false;
    this.object(request, call, response);
    return true;
  }

  async list(apiVersion: string, kind: string, namespace?: string, labelSelector?: string): Promise<KubernetesObject[]> {
    const call: Call = { verb: 'list', kind, namespace, name: undefined };
    const path = resourcePath(apiVersion, kind, namespace);
    const items: KubernetesObject[] = [];
    let continueToken: string | undefined;
    do {
      const query = new URLSearchParams({ limit: String(LIST_PAGE_SIZE) });
      if (labelSelector !== undefined && labelSelector !== '') query.set('labelSelector', labelSelector);
      if (continueToken !== undefined) query.set('continue', continueToken);
      const request: KubernetesHttpRequest = { method: 'GET', path, query };
      const page = this.json(request, call, await this.client.send(request));
      const pageItems: unknown = page.items;
      if (!Array.isArray(pageItems)) throw this.malformed(request, call, 'a list without items');
      for (const item of pageItems as unknown[]) {
        if (!isRecord(item) || !isRecord(item.metadata)) throw this.malformed(request, call, 'a list item without metadata');
        // The API leaves apiVersion and kind off list items; callers compare and re-apply them.
        items.push({ ...item, apiVersion, kind, metadata: item.metadata as KubernetesObject['metadata'] });
      }
      const metadata = page.metadata;
      const next = isRecord(metadata) ? metadata.continue : undefined;
      continueToken = typeof next === 'string' && next !== '' ? next : undefined;
    } while (continueToken !== undefined);
    return items;
  }

  private object(request: KubernetesHttpRequest, call: Call, response: KubernetesHttpResponse): KubernetesObject {
    const body = this.json(request, call, response);
    if (typeof body.apiVersion !== 'string' || typeof body.kind !== 'string' || !isRecord(body.metadata)) {
      throw this.malformed(request, call, 'an answer that is not a Kubernetes object');
    }
    return body as KubernetesObject;
  }

  /** The 2xx answer's JSON object, or the typed error for any other status. */
  private json(request: KubernetesHttpRequest, call: Call, response: KubernetesHttpResponse): Record<string, unknown> {
    if (response.status < 200 || response.status > 299) throw this.failure(request, call, response);
    let body: unknown;
    try {
      body = JSON.parse(response.body);
    } catch (error) {
      throw this.malformed(request, call, `${response.contentType ?? 'no content type'} instead of JSON`, error);
    }
    if (!isRecord(body)) throw this.malformed(request, call, 'JSON that is not an object');
    return body;
  }

  private failure(request: KubernetesHttpRequest, call: Call, response: KubernetesHttpResponse): Error {
    const status = readStatus(response);
    const context: KubernetesCallContext = { cluster: this.target.cluster, method: request.method, path: request.path, status: response.status };
    if (status?.reason !== undefined) context.reason = status.reason;
    const what = describe(call);
    const said = status?.message === undefined ? '' : `: ${status.message}`;
    const options = { context };
    switch (response.status) {
      case 401:
        return new KubernetesAccessError(
          `Kubernetes API of cluster ${this.target.cluster} did not accept our credentials (401 Unauthorized) to ${what}${said}. ${this.accessHint}`,
          options,
        );
      case 403:
        return new KubernetesAccessError(
          `Kubernetes API of cluster ${this.target.cluster} forbids us to ${what} (403 Forbidden)${said}. ${this.accessHint}`,
          options,
        );
      case 404:
        return new KubernetesNotFoundError(
          call.name !== undefined && status?.details?.name === call.name
            ? `cannot ${what} on cluster ${this.target.cluster}: it does not exist (404)${said}`
            : `cannot ${what} on cluster ${this.target.cluster}: not found (404)${said || ': the cluster does not serve this resource (is its CRD installed, its API version served?)'}`,
          options,
        );
      case 409:
        return new KubernetesConflictError(`cannot ${what} on cluster ${this.target.cluster}: conflict (409)${said}`, options);
      case 400:
      case 422:
        return new RequestRejectedError(`cluster ${this.target.cluster} rejected the request to ${what} (${response.status})${said}`, options);
      case 429:
        return new ThrottledError(`cluster ${this.target.cluster} throttled the request to ${what} (429)${said}`, options);
      default:
        return new UpstreamError(`cannot ${what} on cluster ${this.target.cluster}: HTTP ${response.status}${said}`, options);
    }
  }

  private malformed(request: KubernetesHttpRequest, call: Call, what: string, cause?: unknown): UpstreamError {
    const context: KubernetesCallContext = { cluster: this.target.cluster, method: request.method, path: request.path, status: 200 };
    return new UpstreamError(`Kubernetes API of cluster ${this.target.cluster} answered the request to ${describe(call)} with ${what}`, {
      cause,
      context,
    });
  }
}

/** apiVersion, kind, namespace and name of a manifest, checked before anything is sent. */
function identify(object: KubernetesObject): { apiVersion: string; kind: string; namespace: string | undefined; name: string } {
  const candidate: unknown = object;
  if (!isRecord(candidate)) throw new InvalidObjectError('cannot apply something that is not an object');
  const { apiVersion, kind, metadata } = candidate;
  if (typeof apiVersion !== 'string' || apiVersion === '' || typeof kind !== 'string' || kind === '') {
    throw new InvalidObjectError('cannot apply an object without apiVersion and kind', { context: { apiVersion, kind } });
  }
  const name = isRecord(metadata) ? metadata.name : undefined;
  if (typeof name !== 'string' || name === '') {
    throw new InvalidObjectError(`cannot apply a ${kind} without metadata.name`, { context: { apiVersion, kind } });
  }
  const namespace = isRecord(metadata) && typeof metadata.namespace === 'string' && metadata.namespace !== '' ? metadata.namespace : undefined;
  const resource = resourceFor(apiVersion, kind);
  if (resource.readOnly) throw new UnsupportedKindError(`eks-pilot only reads ${kind} objects; it never applies one`, { context: { apiVersion, kind, name } });
  if (namespace === undefined && resource.namespaced) {
    throw new InvalidObjectError(`cannot apply ${kind} "${name}" without metadata.namespace: ${kind} is a namespaced kind`, {
      context: { apiVersion, kind, name },
    });
  }
  return { apiVersion, kind, namespace, name };
}

function readStatus(response: KubernetesHttpResponse): ApiStatus | undefined {
  try {
    const body: unknown = JSON.parse(response.body);
    if (!isRecord(body) || body.kind !== 'Status') return undefined;
    const status: ApiStatus = {};
    if (typeof body.message === 'string') status.message = body.message;
    if (typeof body.reason === 'string') status.reason = body.reason;
    if (isRecord(body.details) && typeof body.details.name === 'string') status.details = { name: body.details.name };
    return status;
  } catch {
    return undefined;
  }
}

function describe(call: Call): string {
  const where = call.namespace === undefined ? '' : `${call.namespace}/`;
  if (call.name === undefined) return `${call.verb} ${call.kind} objects${call.namespace === undefined ? '' : ` in namespace ${call.namespace}`}`;
  return `${call.verb} ${call.kind} ${where}${call.name}`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
