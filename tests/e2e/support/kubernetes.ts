/**
 * A Kubernetes API stand-in for the packaged functions: the project's recording fake cluster
 * (testing/fake-k8s.ts: server-side apply, GET, list, DELETE, rollouts that complete) plus
 * JSON merge patches as the API server applies them (RFC 7386), served on 127.0.0.1 and reached
 * through a KUBECONFIG file, as a developer's kind cluster would be.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { KubernetesObject } from '../../../shared/ports/kubernetes';
import { startFakeCluster } from '../../../testing/fake-k8s';
import type { FakeCluster } from '../../../testing/fake-k8s';
import { mergePatchInto } from '../../../testing/scale-watch-fakes';

export interface KubernetesStandIn {
  cluster: FakeCluster;
  /** A kubeconfig whose current context is this server, with a bearer token. */
  kubeconfig: string;
  close(): Promise<void>;
}

/**
 * @example
 * const k8s = await startKubernetes({ '/apis/autoscaling/v2/namespaces/kianax/horizontalpodautoscalers/kianax-api': hpa });
 * await invokeFunction('scale-watch', event, { env: { KUBECONFIG: k8s.kubeconfig } });
 */
export async function startKubernetes(seed: Record<string, KubernetesObject> = {}): Promise<KubernetesStandIn> {
  // The fake's store exists once it has started; the intercept only runs after that.
  const store: { objects?: Map<string, KubernetesObject> } = {};
  const cluster = await startFakeCluster({
    seed,
    intercept: (request) => {
      if (request.method !== 'PATCH' || request.headers['content-type'] !== 'application/merge-patch+json') return undefined;
      const found = store.objects?.get(request.path);
      const name = request.path.split('/').at(-1) ?? '';
      if (found === undefined)
        return {
          status: 404,
          body: { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'NotFound', code: 404, message: `"${name}" not found`, details: { name } },
        };
      const patched = mergePatchInto(found, JSON.parse(request.body)) as KubernetesObject;
      store.objects?.set(request.path, patched);
      return { status: 200, body: patched };
    },
  });
  store.objects = cluster.objects;
  const dir = mkdtempSync(path.join(tmpdir(), 'eks-pilot-kube-'));
  const kubeconfig = path.join(dir, 'kubeconfig');
  writeFileSync(
    kubeconfig,
    [
      'apiVersion: v1',
      'kind: Config',
      'current-context: e2e',
      'clusters:',
      `  - name: e2e\n    cluster: { server: "${cluster.server.url}" }`,
      'users:',
      '  - name: e2e\n    user: { token: e2e-token }',
      'contexts:',
      '  - name: e2e\n    context: { cluster: e2e, user: e2e }',
      '',
    ].join('\n'),
  );
  return { cluster, kubeconfig, close: () => cluster.close() };
}
