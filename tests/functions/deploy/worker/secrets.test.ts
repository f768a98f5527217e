import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { GetParametersCommand } from '@aws-sdk/client-ssm';
import 'aws-sdk-client-mock-jest';
import scheduleEvent from '../../../../events/deploy/schedule.json';
import type { ManualResponse } from '../../../../functions/deploy/worker/invoke';
import type { DriftReport } from '../../../../functions/deploy/worker/drift';
import { fleetOf } from '../../../../functions/deploy/model/targets';
import type { KubernetesObject } from '../../../../shared/ports/kubernetes';
import { loadSpecs } from '../../../../shared/model/cluster-spec/load';
import { captureLogLines } from '../../../../testing/log-lines';
import { awsSecretStubs } from '../../../../testing/secret-values';
import { CRYPTO_OMS } from '../../../../testing/deploy-events';
import { push, WorkerHarness } from '../worker-harness';

const { secretsManager, ssm } = awsSecretStubs();
const STARTER = readFileSync(path.join(__dirname, '../../../../examples/starter/cluster.yaml'), 'utf8');
const WEB = 'ghcr.io/acme/web';
const SECRET_PATH = '/api/v1/namespaces/crypto-oms/secrets/app-secrets';
/** The credentials an operator put in the cluster by hand (kubectl create secret), as the API server stores them. */
const FOREIGN: KubernetesObject = {
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name: 'app-secrets', namespace: 'crypto-oms', uid: 'secret-1', resourceVersion: '7' },
  type: 'Opaque',
  data: { DATABASE_URL: Buffer.from('postgres://oms:real-password@db.internal/oms').toString('base64') },
};

describe('Secrets deploy does not own', () => {
  const worker = new WorkerHarness();

  afterEach(async () => {
    jest.restoreAllMocks();
    await worker.stop();
  });

  it('never overwrites an existing Secret without its ownership label, nor reports it as drift', async () => {
    // Prepare
    const logs = captureLogLines();
    const fake = await worker.start(CRYPTO_OMS, { seed: { [SECRET_PATH]: structuredClone(FOREIGN) } });

    // Act
    const response = await worker.deliver([push('v1.1.0')]);
    const drift = await worker.invoke<{ reports: DriftReport[] }>({ ...scheduleEvent });

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    expect(worker.releases()).toEqual([expect.objectContaining({ result: 'succeeded' })]);
    expect(fake.objects.get(SECRET_PATH)).toEqual(FOREIGN);
    expect(fake.server.requests.filter((request) => request.path === SECRET_PATH).map((request) => request.method)).toEqual(['GET', 'GET']);
    expect(drift.reports[0]).toMatchObject({ status: 'Converged', drift: [] });
    expect(logs.lines().find((line) => line.message === "secret exists and is not deploy's: not applied")).toMatchObject({
      object: 'Secret crypto-oms/app-secrets',
    });
    expect(logs.raw()).not.toContain('real-password');
    expect(logs.raw()).not.toContain(FOREIGN.data ? (FOREIGN.data as Record<string, string>).DATABASE_URL : 'x');
  });

  describe('sourced from AWS', () => {
    let dir: string;

    beforeEach(() => {
      secretsManager.reset();
      dir = mkdtempSync(path.join(tmpdir(), 'deploy-secrets-'));
      mkdirSync(path.join(dir, 'shop'));
      writeFileSync(
        path.join(dir, 'shop', 'deployment.yaml'),
        `apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: web, namespace: shop }\nspec:\n  selector: { matchLabels: { app: web } }\n  template:\n    metadata: { labels: { app: web } }\n    spec: { containers: [{ name: web, image: "${WEB}:v1.0.0", envFrom: [{ secretRef: { name: shop-db } }] }] }\n`,
      );
      const workload = [
        '  - name: shop',
        '    manifests: shop',
        '    images:',
        `      - repository: ${WEB}`,
        '        tags: [{ semver: ">=1.0.0" }]',
        '    secrets:',
        '      - { name: shop-db, secretsManager: eks-pilot/test/shop-db }',
        '      - { name: shop-legacy, secretsManager: eks-pilot/test/shop-legacy }',
        '',
      ].join('\n');
      writeFileSync(path.join(dir, 'cluster.yaml'), `${STARTER}\nworkloads:\n${workload}`);
    });

    afterEach(() => {
      rmSync(dir, { recursive: true, force: true });
    });

    it('renders the Secret from a Secrets Manager secret at apply time, keeps its values out of logs and records, and leaves a foreign Secret alone', async () => {
      // Prepare: shop-legacy already exists, created by hand
      const logs = captureLogLines();
      secretsManager
        .on(GetSecretValueCommand, { SecretId: 'eks-pilot/test/shop-db' })
        .resolves({ SecretString: JSON.stringify({ DATABASE_URL: 'postgres://shop:s3cr3t-from-aws@db/shop' }) });
      secretsManager
        .on(GetSecretValueCommand, { SecretId: 'eks-pilot/test/shop-legacy' })
        .resolves({ SecretString: JSON.stringify({ TOKEN: 'legacy-t0ken-from-aws' }) });
      const legacy: KubernetesObject = {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'shop-legacy', namespace: 'shop', uid: 'legacy' },
        type: 'Opaque',
        data: { TOKEN: Buffer.from('hand-made').toString('base64') },
      };
      const fake = await worker.start(path.join(dir, 'cluster.yaml'), { seed: { '/api/v1/namespaces/shop/secrets/shop-legacy': structuredClone(legacy) } });

      // Act
      const response = await worker.deliver([push('v1.1.0', { repository: WEB, cluster: 'starter', workload: 'shop' })]);
      const history = await worker.invoke<ManualResponse>({ action: 'history', workload: 'shop' });
      const drift = await worker.invoke<{ reports: DriftReport[] }>({ ...scheduleEvent });

      // Assess
      expect(response).toEqual({ batchItemFailures: [] });
      expect(worker.releases('shop', 'shop')).toEqual([expect.objectContaining({ result: 'succeeded' })]);
      const stored = fake.objects.get('/api/v1/namespaces/shop/secrets/shop-db');
      expect(stored?.data).toEqual({ DATABASE_URL: Buffer.from('postgres://shop:s3cr3t-from-aws@db/shop').toString('base64') });
      expect(stored?.metadata.labels).toMatchObject({ 'eks-pilot.io/workload': 'shop' });
      expect(fake.appliedObjects().indexOf('Secret shop/shop-db')).toBeLessThan(fake.appliedObjects().indexOf('Deployment shop/web'));
      expect(fake.objects.get('/api/v1/namespaces/shop/secrets/shop-legacy')).toEqual(legacy);
      expect(drift.reports).toEqual([expect.objectContaining({ workload: 'shop', status: 'Converged' })]);
      for (const text of [logs.raw(), JSON.stringify(history), JSON.stringify(worker.releases('shop', 'shop')), JSON.stringify(drift)]) {
        expect(text).not.toContain('s3cr3t-from-aws');
        expect(text).not.toContain(Buffer.from('postgres://shop:s3cr3t-from-aws@db/shop').toString('base64'));
        expect(text).not.toContain('legacy-t0ken-from-aws');
      }
    });

    it('shows a rotated source on the next drift check by key, never by value', async () => {
      // Prepare
      captureLogLines();
      secretsManager
        .on(GetSecretValueCommand, { SecretId: 'eks-pilot/test/shop-db' })
        .resolves({ SecretString: JSON.stringify({ DATABASE_URL: 'old-value' }) });
      secretsManager.on(GetSecretValueCommand, { SecretId: 'eks-pilot/test/shop-legacy' }).resolves({ SecretString: JSON.stringify({ TOKEN: 'legacy' }) });
      await worker.start(path.join(dir, 'cluster.yaml'));
      await worker.deliver([push('v1.1.0', { repository: WEB, cluster: 'starter', workload: 'shop' })]);
      secretsManager
        .on(GetSecretValueCommand, { SecretId: 'eks-pilot/test/shop-db' })
        .resolves({ SecretString: JSON.stringify({ DATABASE_URL: 'rotated-value' }) });

      // Act
      const drift = await worker.invoke<{ reports: DriftReport[] }>({ ...scheduleEvent });

      // Assess
      expect(drift.reports[0]).toMatchObject({ status: 'Drifted', drift: ['Secret shop/shop-db data.DATABASE_URL'] });
      expect(JSON.stringify(drift)).not.toContain('rotated-value');
    });

    it('refuses the release, naming the source and never a value, when the SecretString is not a JSON object', async () => {
      // Prepare
      captureLogLines();
      secretsManager.on(GetSecretValueCommand).resolves({ SecretString: 'plain-text-password' });
      const fake = await worker.start(path.join(dir, 'cluster.yaml'));

      // Act
      const response = await worker.deliver([push('v1.1.0', { repository: WEB, cluster: 'starter', workload: 'shop' })]);

      // Assess
      expect(response).toEqual({ batchItemFailures: [] });
      expect(worker.releases('shop', 'shop')).toEqual([
        expect.objectContaining({
          result: 'refused',
          reason: 'secret source: Secret shop-db: secretsmanager:eks-pilot/test/shop-db must hold a SecretString that is a JSON object of strings',
        }),
      ]);
      expect(fake.appliedObjects()).toEqual(['ConfigMap shop/eks-pilot-releases-shop']);
      expect(JSON.stringify(worker.releases('shop', 'shop'))).not.toContain('plain-text-password');
    });

    it('renders a Secret from SSM SecureString parameters, and refuses a release naming a parameter that is missing', async () => {
      // Prepare
      captureLogLines();
      ssm.reset();
      const spec = path.join(dir, 'cluster.yaml');
      writeFileSync(
        spec,
        readFileSync(spec, 'utf8').replace(
          / {4}secrets:\n.*\n.*\n/,
          '    secrets:\n      - name: shop-db\n        ssm: { DATABASE_URL: /eks-pilot/test/shop/database-url, API_KEY: /eks-pilot/test/shop/api-key }\n',
        ),
      );
      ssm
        .on(GetParametersCommand)
        .resolvesOnce({
          Parameters: [
            { Name: '/eks-pilot/test/shop/database-url', Value: 'ssm-db-value' },
            { Name: '/eks-pilot/test/shop/api-key', Value: 'ssm-key-value' },
          ],
        })
        .resolves({ Parameters: [{ Name: '/eks-pilot/test/shop/database-url', Value: 'ssm-db-value' }] });
      const fake = await worker.start(spec);

      // Act
      await worker.deliver([push('v1.1.0', { repository: WEB, cluster: 'starter', workload: 'shop' })]);
      await worker.deliver([push('v1.2.0', { repository: WEB, cluster: 'starter', workload: 'shop' })]);

      // Assess
      expect(ssm).toHaveReceivedCommandWith(GetParametersCommand, {
        Names: ['/eks-pilot/test/shop/database-url', '/eks-pilot/test/shop/api-key'],
        WithDecryption: true,
      });
      expect(fake.objects.get('/api/v1/namespaces/shop/secrets/shop-db')?.data).toEqual({
        DATABASE_URL: Buffer.from('ssm-db-value').toString('base64'),
        API_KEY: Buffer.from('ssm-key-value').toString('base64'),
      });
      expect(worker.releases('shop', 'shop').map((record) => [record.revision, record.result, record.reason])).toEqual([
        [1, 'succeeded', undefined],
        [2, 'refused', 'secret source: Secret shop-db: SSM parameter /eks-pilot/test/shop/api-key (key API_KEY) does not exist'],
      ]);
    });
  });
});

describe('Secret manifests with literal values', () => {
  it('makes the workload broken, naming the file, line and keys but no value, unless it opts in', async () => {
    // Prepare
    const dir = mkdtempSync(path.join(tmpdir(), 'deploy-literal-'));
    mkdirSync(path.join(dir, 'shop'));
    writeFileSync(
      path.join(dir, 'shop', 'secret.yaml'),
      '# placeholder\napiVersion: v1\nkind: Secret\nmetadata: { name: shop-db, namespace: shop }\nstringData: { DATABASE_URL: "postgres://shop:hunter2@db/shop" }\n',
    );
    const workload = (literal: boolean): string =>
      `  - name: shop\n    manifests: shop\n    literalSecrets: ${String(literal)}\n    images:\n      - repository: ${WEB}\n        tags: [{ semver: ">=1.0.0" }]\n`;
    writeFileSync(path.join(dir, 'refused.yaml'), `${STARTER}\nworkloads:\n${workload(false)}`);
    writeFileSync(path.join(dir, 'allowed.yaml'), `${STARTER.replace('name: starter', 'name: allowed')}\nworkloads:\n${workload(true)}`);

    // Act
    const refused = await fleetOf(await loadSpecs([path.join(dir, 'refused.yaml')]));
    const allowed = await fleetOf(await loadSpecs([path.join(dir, 'allowed.yaml')]));

    // Assess
    expect(refused.targets).toEqual([]);
    expect(refused.broken[0]?.reason).toBe(
      `the manifests in ${path.join(dir, 'shop')} cannot be applied:\n${path.join(dir, 'shop', 'secret.yaml')}:2: Secret shop/shop-db has literal values (keys DATABASE_URL): source them from AWS with the workload's \`secrets\`, or set literalSecrets: true`,
    );
    expect(JSON.stringify(refused.broken[0]?.error.context)).not.toContain('hunter2');
    expect(allowed.targets.map((target) => target.workload.name)).toEqual(['shop']);
    rmSync(dir, { recursive: true, force: true });
  });
});
