import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { RequestRejectedError, ThrottledError, UpstreamError } from '../../../../shared/errors';
import { KubernetesAdapter } from '../../../../shared/adapters/kubernetes/adapter';
import { KubernetesHttpClient } from '../../../../shared/adapters/kubernetes/client';
import type { BearerTokenSource } from '../../../../shared/adapters/kubernetes/client';
import {
  InvalidObjectError,
  KubernetesAccessError,
  KubernetesConflictError,
  KubernetesNotFoundError,
  KubernetesUnreachableError,
  UnsupportedKindError,
} from '../../../../shared/ports/kubernetes-errors';
import type { KubernetesObject } from '../../../../shared/ports/kubernetes';
import { startFakeApiServer, status } from '../../../../testing/kubernetes-api-server';
import type { FakeApiServer, Handler } from '../../../../testing/kubernetes-api-server';

const ACCESS_HINT = 'The EKS access entry for the role may be missing on cluster payments.';

const deployment: KubernetesObject = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'shop', labels: { 'app.kubernetes.io/managed-by': 'eks-pilot' } },
  spec: { template: { spec: { containers: [{ name: 'web', image: 'ghcr.io/acme/web:v1.2.3@sha256:abc' }] } } },
};

function stored(object: KubernetesObject): KubernetesObject {
  return { ...object, metadata: { ...object.metadata, uid: 'uid-1', resourceVersion: '42', generation: 3 } };
}

describe('KubernetesAdapter', () => {
  const originalEnv = process.env;
  let server: FakeApiServer | undefined;
  let client: KubernetesHttpClient | undefined;

  beforeEach(() => {
    process.env = { ...originalEnv };
  });

  afterEach(async () => {
    process.env = originalEnv;
    client?.close();
    client = undefined;
    await server?.close();
    server = undefined;
  });

  /** An adapter over plain HTTP to a fake API server answering with `handler`. */
  async function adapterFor(handler: Handler, auth: BearerTokenSource = { token: () => Promise.resolve('test-token') }, timeoutMs?: number) {
    server = await startFakeApiServer(handler);
    client = new KubernetesHttpClient({ cluster: 'payments', server: server.url }, auth, timeoutMs === undefined ? {} : { timeoutMs });
    const k8s = new KubernetesAdapter(client, { cluster: 'payments', server: server.url, via: 'eks' }, ACCESS_HINT);
    return { k8s, requests: server.requests };
  }

  describe('apply', () => {
    it('asks for strict field validation when told to, so a misspelt field is refused rather than dropped', async () => {
      // Prepare
      const { k8s, requests } = await adapterFor(() => ({ status: 200, body: stored(deployment) }));

      // Act
      await k8s.apply(deployment, { fieldManager: 'eks-pilot-deploy', force: true, fieldValidation: 'Strict' });

      // Assess
      expect(Object.fromEntries(requests[0]?.query ?? [])).toEqual({ fieldManager: 'eks-pilot-deploy', force: 'true', fieldValidation: 'Strict' });
    });

    it('sends a server-side apply: PATCH, apply-patch+yaml, the field manager, force and the object as body', async () => {
      // Prepare
      const { k8s, requests } = await adapterFor(() => ({ status: 200, body: stored(deployment) }));

      // Act
      const result = await k8s.apply(deployment, { fieldManager: 'eks-pilot-deploy', force: true });

      // Assess
      expect(requests).toHaveLength(1);
      const [request] = requests;
      expect(request?.method).toBe('PATCH');
      expect(request?.path).toBe('/apis/apps/v1/namespaces/shop/deployments/web');
      expect(Object.fromEntries(request?.query ?? [])).toEqual({ fieldManager: 'eks-pilot-deploy', force: 'true' });
      expect(request?.headers['content-type']).toBe('application/apply-patch+yaml');
      expect(request?.headers.accept).toBe('application/json');
      expect(request?.headers.authorization).toBe('Bearer test-token');
      expect(JSON.parse(request?.body ?? '')).toEqual(deployment);
      expect(result.metadata.resourceVersion).toBe('42');
    });

    it('asks for a dry run with dryRun=All and leaves force off unless asked', async () => {
      // Prepare
      const { k8s, requests } = await adapterFor(() => ({ status: 200, body: stored(deployment) }));

      // Act
      await k8s.apply(deployment, { fieldManager: 'eks-pilot-deploy', dryRun: true });

      // Assess
      expect(Object.fromEntries(requests[0]?.query ?? [])).toEqual({ fieldManager: 'eks-pilot-deploy', dryRun: 'All' });
    });

    it.each([
      ['a Namespace, cluster-scoped', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } }, '/api/v1/namespaces/shop'],
      [
        'a KEDA ScaledObject',
        { apiVersion: 'keda.sh/v1alpha1', kind: 'ScaledObject', metadata: { name: 'web', namespace: 'shop' } },
        '/apis/keda.sh/v1alpha1/namespaces/shop/scaledobjects/web',
      ],
      [
        'an autoscaling/v2 HorizontalPodAutoscaler',
        { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'web', namespace: 'shop' } },
        '/apis/autoscaling/v2/namespaces/shop/horizontalpodautoscalers/web',
      ],
    ])('applies %s at its REST path', async (_what, object: KubernetesObject, path) => {
      // Prepare
      const { k8s, requests } = await adapterFor(() => ({ status: 201, body: stored(object) }));

      // Act
      await k8s.apply(object, { fieldManager: 'eks-pilot-deploy', force: true });

      // Assess
      expect(requests[0]?.path).toBe(path);
    });

    it('refuses a kind it has no mapping for, before sending anything', async () => {
      // Prepare
      const { k8s, requests } = await adapterFor(() => ({ status: 200, body: {} }));
      const replicaSet: KubernetesObject = { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'web-1', namespace: 'shop' } };

      // Act
      const applying = k8s.apply(replicaSet, { fieldManager: 'eks-pilot-deploy' });

      // Assess
      await expect(applying).rejects.toThrow(UnsupportedKindError);
      await expect(applying).rejects.toThrow(/ReplicaSet/);
      expect(requests).toHaveLength(0);
    });

    it('refuses a namespaced object without a namespace, before sending anything', async () => {
      // Prepare
      const { k8s, requests } = await adapterFor(() => ({ status: 200, body: {} }));
      const configMap: KubernetesObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings' } };

      // Act
      const applying = k8s.apply(configMap, { fieldManager: 'eks-pilot-deploy' });

      // Assess
      await expect(applying).rejects.toThrow(InvalidObjectError);
      await expect(applying).rejects.toThrow('cannot apply ConfigMap "settings" without metadata.namespace');
      expect(requests).toHaveLength(0);
    });

    it('never puts the applied body in an error, since it may be a Secret', async () => {
      // Prepare
      const { k8s } = await adapterFor(() => status(500, 'InternalError', 'etcdserver: request timed out'));
      const secret: KubernetesObject = {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'db', namespace: 'shop' },
        stringData: { password: 'hunter2-do-not-leak' },
      };

      // Act
      const error = await k8s.apply(secret, { fieldManager: 'eks-pilot-deploy', force: true }).catch((e: unknown) => e);

      // Assess
      expect(error).toBeInstanceOf(UpstreamError);
      const { message, context } = error as UpstreamError;
      expect(message).toContain('etcdserver: request timed out');
      expect(`${message} ${JSON.stringify(context)} ${JSON.stringify(error)}`).not.toContain('hunter2');
    });
  });

  describe('patch', () => {
    it('sends a JSON merge patch with its content type, field manager and body', async () => {
      // Prepare
      const hpa: KubernetesObject = {
        apiVersion: 'autoscaling/v2',
        kind: 'HorizontalPodAutoscaler',
        metadata: { name: 'web', namespace: 'shop' },
        spec: { minReplicas: 2, maxReplicas: 8 },
      };
      const { k8s, requests } = await adapterFor(() => ({ status: 200, body: hpa }));

      // Act
      const result = await k8s.patch(
        'autoscaling/v2',
        'HorizontalPodAutoscaler',
        'shop',
        'web',
        { spec: { maxReplicas: 8 } },
        {
          fieldManager: 'eks-pilot-scale-watch',
        },
      );

      // Assess
      const [request] = requests;
      expect(request?.method).toBe('PATCH');
      expect(request?.path).toBe('/apis/autoscaling/v2/namespaces/shop/horizontalpodautoscalers/web');
      expect(Object.fromEntries(request?.query ?? [])).toEqual({ fieldManager: 'eks-pilot-scale-watch' });
      expect(request?.headers['content-type']).toBe('application/merge-patch+json');
      expect(JSON.parse(request?.body ?? '')).toEqual({ spec: { maxReplicas: 8 } });
      expect(result.spec).toEqual({ minReplicas: 2, maxReplicas: 8 });
    });

    it('throws KubernetesNotFoundError when the object to patch is gone', async () => {
      // Prepare
      const { k8s } = await adapterFor(() =>
        status(404, 'NotFound', 'scaledobjects.keda.sh "web" not found', { name: 'web', group: 'keda.sh', kind: 'scaledobjects' }),
      );

      // Act
      const patching = k8s.patch('keda.sh/v1alpha1', 'ScaledObject', 'shop', 'web', { spec: { maxReplicaCount: 12 } });

      // Assess
      await expect(patching).rejects.toThrow(KubernetesNotFoundError);
      await expect(patching).rejects.toThrow(
        'cannot patch ScaledObject shop/web on cluster payments: it does not exist (404): scaledobjects.keda.sh "web" not found',
      );
    });
  });

  describe('get', () => {
    it('reads an object with a GET of its path', async () => {
      // Prepare
      const { k8s, requests } = await adapterFor(() => ({ status: 200, body: stored(deployment) }));

      // Act
      const found = await k8s.get('apps/v1', 'Deployment', 'shop', 'web');

      // Assess
      expect(requests[0]?.method).toBe('GET');
      expect(requests[0]?.path).toBe('/apis/apps/v1/namespaces/shop/deployments/web');
      expect(requests[0]?.body).toBe('');
      expect(found?.metadata.uid).toBe('uid-1');
    });

    it('answers null for an object that does not exist', async () => {
      // Prepare
      const { k8s } = await adapterFor(() => status(404, 'NotFound', 'deployments.apps "web" not found', { name: 'web', group: 'apps', kind: 'deployments' }));

      // Act
      const found = await k8s.get('apps/v1', 'Deployment', 'shop', 'web');

      // Assess
      expect(found).toBeNull();
    });

    it('throws KubernetesNotFoundError, not null, when the cluster does not serve the resource (KEDA not installed)', async () => {
      // Prepare
      const { k8s } = await adapterFor(() => ({ status: 404, body: '404 page not found', contentType: 'text/plain; charset=utf-8' }));

      // Act
      const getting = k8s.get('keda.sh/v1alpha1', 'ScaledObject', 'shop', 'web');

      // Assess
      await expect(getting).rejects.toThrow(KubernetesNotFoundError);
      await expect(getting).rejects.toThrow(/does not serve this resource/);
    });
  });

  describe('delete', () => {
    it('sends a DELETE of the object path with background propagation', async () => {
      // Prepare
      const { k8s, requests } = await adapterFor(() => ({ status: 200, body: stored(deployment) }));

      // Act
      const deleted = await k8s.delete('v1', 'ConfigMap', 'shop', 'old-config');

      // Assess
      expect(deleted).toBe(true);
      expect(requests.map((request) => [request.method, request.path, request.query.get('propagationPolicy')])).toEqual([
        ['DELETE', '/api/v1/namespaces/shop/configmaps/old-config', 'Background'],
      ]);
    });

    it('answers false, not an error, for an object already gone', async () => {
      // Prepare
      const { k8s } = await adapterFor(() => status(404, 'NotFound', 'configmaps "old-config" not found', { name: 'old-config', kind: 'configmaps' }));

      // Act
      const deleted = await k8s.delete('v1', 'ConfigMap', 'shop', 'old-config');

      // Assess
      expect(deleted).toBe(false);
    });

    it('throws KubernetesAccessError when the role may not delete', async () => {
      // Prepare
      const { k8s } = await adapterFor(() => status(403, 'Forbidden', 'configmaps "old-config" is forbidden'));

      // Act
      const deleting = k8s.delete('v1', 'ConfigMap', 'shop', 'old-config');

      // Assess
      await expect(deleting).rejects.toThrow(KubernetesAccessError);
    });
  });

  describe('list', () => {
    it('follows every page with the label selector and fills in apiVersion and kind on each item', async () => {
      // Prepare
      const { k8s, requests } = await adapterFor((request) =>
        request.query.get('continue') === null
          ? { status: 200, body: { kind: 'DeploymentList', apiVersion: 'apps/v1', metadata: { continue: 'page-2' }, items: [{ metadata: { name: 'web' } }] } }
          : { status: 200, body: { kind: 'DeploymentList', apiVersion: 'apps/v1', metadata: {}, items: [{ metadata: { name: 'worker' } }] } },
      );

      // Act
      const items = await k8s.list('apps/v1', 'Deployment', 'shop', 'app.kubernetes.io/managed-by=eks-pilot');

      // Assess
      expect(requests.map((r) => [r.method, r.path, Object.fromEntries(r.query)])).toEqual([
        ['GET', '/apis/apps/v1/namespaces/shop/deployments', { limit: '500', labelSelector: 'app.kubernetes.io/managed-by=eks-pilot' }],
        ['GET', '/apis/apps/v1/namespaces/shop/deployments', { limit: '500', labelSelector: 'app.kubernetes.io/managed-by=eks-pilot', continue: 'page-2' }],
      ]);
      expect(items).toEqual([
        { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' } },
        { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'worker' } },
      ]);
    });

    it('lists across all namespaces when no namespace is given', async () => {
      // Prepare
      const { k8s, requests } = await adapterFor(() => ({ status: 200, body: { kind: 'HorizontalPodAutoscalerList', metadata: {}, items: [] } }));

      // Act
      const items = await k8s.list('autoscaling/v2', 'HorizontalPodAutoscaler');

      // Assess
      expect(requests[0]?.path).toBe('/apis/autoscaling/v2/horizontalpodautoscalers');
      expect(Object.fromEntries(requests[0]?.query ?? [])).toEqual({ limit: '500' });
      expect(items).toEqual([]);
    });
  });

  describe('errors', () => {
    it.each([
      [401, 'Unauthorized', 'Unauthorized', KubernetesAccessError, /did not accept our credentials \(401 Unauthorized\).*access entry/],
      [
        403,
        'Forbidden',
        'deployments.apps "web" is forbidden: User "arn:aws:sts::1:assumed-role/x" cannot patch resource',
        KubernetesAccessError,
        /forbids us to apply Deployment shop\/web \(403 Forbidden\).*access entry/,
      ],
      [404, 'NotFound', 'namespaces "shop" not found', KubernetesNotFoundError, /cannot apply Deployment shop\/web on cluster payments: not found \(404\)/],
      [
        409,
        'Conflict',
        'Apply failed with 1 conflict: conflict with "kubectl" using apps/v1: .spec.replicas',
        KubernetesConflictError,
        /conflict \(409\): Apply failed/,
      ],
      [
        422,
        'Invalid',
        'Deployment.apps "web" is invalid: spec.template.spec.containers: Required value',
        RequestRejectedError,
        /rejected the request.*\(422\)/,
      ],
      [429, 'TooManyRequests', 'too many requests', ThrottledError, /throttled/],
      [500, 'InternalError', 'Internal error occurred: failed calling webhook', UpstreamError, /HTTP 500: Internal error occurred: failed calling webhook/],
    ])('maps a %i answer to its typed error with the status, reason and Status.message', async (code, reason, message, type, pattern) => {
      // Prepare
      const { k8s } = await adapterFor(() => status(code, reason, message));

      // Act
      const error = await k8s.apply(deployment, { fieldManager: 'eks-pilot-deploy', force: true }).catch((e: unknown) => e);

      // Assess
      expect(error).toBeInstanceOf(type);
      expect((error as Error).message).toMatch(pattern);
      expect((error as Error).message).toContain(message);
      expect((error as UpstreamError).context).toEqual({
        cluster: 'payments',
        method: 'PATCH',
        path: '/apis/apps/v1/namespaces/shop/deployments/web',
        status: code,
        reason,
      });
    });

    it('keeps a plain UpstreamError for a 500 rather than a more specific class', async () => {
      // Prepare
      const { k8s } = await adapterFor(() => status(500, 'InternalError', 'boom'));

      // Act
      const error = await k8s.get('v1', 'ConfigMap', 'shop', 'settings').catch((e: unknown) => e);

      // Assess
      expect((error as Error).constructor).toBe(UpstreamError);
    });

    it('says what came back when an error answer is not a Status', async () => {
      // Prepare
      const { k8s } = await adapterFor(() => ({ status: 502, body: '<html>Bad Gateway</html>', contentType: 'text/html' }));

      // Act
      const error = await k8s.get('v1', 'ConfigMap', 'shop', 'settings').catch((e: unknown) => e);

      // Assess
      expect(error).toBeInstanceOf(UpstreamError);
      expect((error as Error).message).toBe('cannot get ConfigMap shop/settings on cluster payments: HTTP 502');
    });

    it('signs a new token and retries once after a 401, when the token source can make a new one', async () => {
      // Prepare
      let issued = 0;
      const tokens: BearerTokenSource = {
        token: () => Promise.resolve(`token-${issued}`),
        invalidate: () => {
          issued += 1;
        },
      };
      const { k8s, requests } = await adapterFor(
        (request) =>
          request.headers.authorization === 'Bearer token-0' ? status(401, 'Unauthorized', 'Unauthorized') : { status: 200, body: stored(deployment) },
        tokens,
      );

      // Act
      const found = await k8s.get('apps/v1', 'Deployment', 'shop', 'web');

      // Assess
      expect(found?.metadata.name).toBe('web');
      expect(requests.map((r) => r.headers.authorization)).toEqual(['Bearer token-0', 'Bearer token-1']);
    });

    it('does not retry a 401 when the token cannot change', async () => {
      // Prepare
      const { k8s, requests } = await adapterFor(() => status(401, 'Unauthorized', 'Unauthorized'));

      // Act
      const getting = k8s.get('apps/v1', 'Deployment', 'shop', 'web');

      // Assess
      await expect(getting).rejects.toThrow(KubernetesAccessError);
      expect(requests).toHaveLength(1);
    });

    it('throws KubernetesUnreachableError when nothing listens at the server', async () => {
      // Prepare
      const closed = await startFakeApiServer(() => ({ status: 200 }));
      await closed.close();
      client = new KubernetesHttpClient({ cluster: 'payments', server: closed.url });
      const k8s = new KubernetesAdapter(client, { cluster: 'payments', server: closed.url, via: 'eks' }, ACCESS_HINT);

      // Act
      const error = await k8s.get('v1', 'ConfigMap', 'shop', 'settings').catch((e: unknown) => e);

      // Assess
      expect(error).toBeInstanceOf(KubernetesUnreachableError);
      expect((error as Error).message).toMatch(/could not reach the Kubernetes API of cluster payments at 127\.0\.0\.1:\d+ \(ECONNREFUSED\)/);
      expect((error as KubernetesUnreachableError).status).toBe(0);
      expect((error as Error).cause).toMatchObject({ code: 'ECONNREFUSED' });
    });

    it('gives up with KubernetesUnreachableError when the server does not answer in time', async () => {
      // Prepare
      const silent = createServer(() => undefined);
      await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
      const { port } = silent.address() as AddressInfo;
      client = new KubernetesHttpClient({ cluster: 'payments', server: `http://127.0.0.1:${port}` }, undefined, { timeoutMs: 100 });
      const k8s = new KubernetesAdapter(client, { cluster: 'payments', server: `http://127.0.0.1:${port}`, via: 'eks' }, ACCESS_HINT);

      // Act
      const error = await k8s.get('v1', 'ConfigMap', 'shop', 'settings').catch((e: unknown) => e);

      // Assess
      silent.closeAllConnections();
      await new Promise((resolve) => silent.close(resolve));
      expect(error).toBeInstanceOf(KubernetesUnreachableError);
      expect((error as Error).message).toBe('Kubernetes API of cluster payments did not answer GET /api/v1/namespaces/shop/configmaps/settings within 100 ms');
    });
  });
});
