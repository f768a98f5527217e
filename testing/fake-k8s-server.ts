/**
 * The fake Kubernetes API of `fake-k8s.ts` as a standalone process, for `serverless invoke local`
 * and `serverless offline` runs of deploy-worker and scale-watch without kind or minikube. Writes a
 * kubeconfig whose current context points at it, prints one JSON line when ready, serves until
 * SIGINT or SIGTERM, then removes the kubeconfig.
 *
 * @example
 * npx tsx testing/fake-k8s-server.ts /tmp/eks-pilot-fake.kubeconfig &
 * KUBECONFIG=/tmp/eks-pilot-fake.kubeconfig EKS_PILOT_SPECS=examples/crypto-oms \
 *   npx serverless invoke local -f deploy-worker -p events/deploy/plan.json
 */
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import { startFakeCluster } from './fake-k8s';

async function main(): Promise<void> {
  const { positionals, values } = parseArgs({ allowPositionals: true, options: { force: { type: 'boolean', default: false } } });
  const target = positionals[0];
  if (target === undefined) throw new Error('usage: npx tsx testing/fake-k8s-server.ts <kubeconfig file to write> [--force]');
  const kubeconfig = resolve(target);
  // A real cluster's kubeconfig must never be overwritten by a stand-in.
  if (existsSync(kubeconfig) && !values.force) throw new Error(`${kubeconfig} exists: pass --force to overwrite it`);

  const cluster = await startFakeCluster();
  writeFileSync(
    kubeconfig,
    stringify({
      apiVersion: 'v1',
      kind: 'Config',
      'current-context': 'fake',
      clusters: [{ name: 'fake', cluster: { server: cluster.server.url } }],
      users: [{ name: 'fake', user: { token: 'fake-token' } }],
      contexts: [{ name: 'fake', context: { cluster: 'fake', user: 'fake' } }],
    }),
    { mode: 0o600 },
  );
  process.stdout.write(`${JSON.stringify({ message: 'fake Kubernetes API listening', server: cluster.server.url, kubeconfig })}\n`);

  const stop = (): void => {
    rmSync(kubeconfig, { force: true });
    void cluster.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
