import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { captureLogLines } from '../../../../testing/log-lines';
import { digestOf } from '../../../../testing/deploy-events';
import { push, WorkerHarness } from '../worker-harness';

const STARTER = readFileSync(path.join(__dirname, '../../../../examples/starter/cluster.yaml'), 'utf8');
const WEB = 'ghcr.io/acme/web';
const JOB_PATH = '/apis/batch/v1/namespaces/shop/jobs/migrate';

describe('a release that changes the image of an existing Job', () => {
  const worker = new WorkerHarness();
  let dir: string;

  function writeSpec(recreateJobs: boolean): string {
    dir = mkdtempSync(path.join(tmpdir(), 'deploy-jobs-'));
    mkdirSync(path.join(dir, 'shop'));
    writeFileSync(
      path.join(dir, 'shop', 'migrate.yaml'),
      `apiVersion: batch/v1\nkind: Job\nmetadata: { name: migrate, namespace: shop }\nspec:\n  template:\n    spec: { restartPolicy: Never, containers: [{ name: migrate, image: "${WEB}:v1.0.0", args: [migrate] }] }\n`,
    );
    const spec = path.join(dir, 'cluster.yaml');
    writeFileSync(
      spec,
      `${STARTER}\nworkloads:\n  - name: shop\n    manifests: shop\n    recreateJobs: ${String(recreateJobs)}\n    images:\n      - repository: ${WEB}\n        tags: [{ semver: ">=1.0.0" }]\n`,
    );
    return spec;
  }

  afterEach(async () => {
    jest.restoreAllMocks();
    await worker.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('is refused with the reason, before anything is applied, unless the workload recreates Jobs', async () => {
    // Prepare
    captureLogLines();
    const fake = await worker.start(writeSpec(false));
    await worker.deliver([push('v1.1.0', { repository: WEB, cluster: 'starter', workload: 'shop' })]);
    const appliedBefore = fake.appliedObjects().length;

    // Act
    const response = await worker.deliver([push('v1.2.0', { repository: WEB, cluster: 'starter', workload: 'shop' })]);

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    expect(worker.releases('shop', 'shop').map((record) => [record.revision, record.result])).toEqual([
      [1, 'succeeded'],
      [2, 'refused'],
    ]);
    expect(worker.releases('shop', 'shop')[1]?.reason).toBe(
      `Job shop/migrate: its pod template is immutable and this release changes its images (${WEB}:v1.1.0@${digestOf(`${WEB}:v1.1.0`)} -> ${WEB}:v1.2.0@${digestOf(`${WEB}:v1.2.0`)}); set recreateJobs: true to delete and recreate it`,
    );
    expect(fake.appliedObjects().slice(appliedBefore)).toEqual(['ConfigMap shop/eks-pilot-releases-shop']);
  });

  it('deletes and recreates the Job when the workload opts in', async () => {
    // Prepare
    captureLogLines();
    const fake = await worker.start(writeSpec(true));
    await worker.deliver([push('v1.1.0', { repository: WEB, cluster: 'starter', workload: 'shop' })]);

    // Act
    const response = await worker.deliver([push('v1.2.0', { repository: WEB, cluster: 'starter', workload: 'shop' })]);

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    expect(worker.releases('shop', 'shop').map((record) => record.result)).toEqual(['succeeded', 'succeeded']);
    const requests = fake.server.requests
      .filter((request) => request.path === JOB_PATH && request.method !== 'GET')
      .map((request) => `${request.method} ${request.query.toString()}`);
    expect(requests).toEqual([
      'PATCH fieldManager=eks-pilot-deploy&force=true&fieldValidation=Strict',
      'DELETE propagationPolicy=Background',
      'PATCH fieldManager=eks-pilot-deploy&force=true&fieldValidation=Strict',
    ]);
    expect(JSON.stringify(fake.objects.get(JOB_PATH)?.spec)).toContain(`${WEB}:v1.2.0@`);
  });
});
