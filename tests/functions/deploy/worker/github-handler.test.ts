import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { GetParametersCommand } from '@aws-sdk/client-ssm';
import { WorkerHarness, push } from '../worker-harness';
import { CRYPTO_OMS } from '../../../../testing/deploy-events';
import { captureLogLines } from '../../../../testing/log-lines';
import { awsSecretStubs } from '../../../../testing/secret-values';
import { startFakeGitHub } from '../../../../testing/fake-github';
import type { FakeGitHub } from '../../../../testing/fake-github';

const TOKEN = 'ghp_handler0123456789abcdefghijklmnopqrs';
const PARAMETER = '/eks-pilot/test/github-token';
const COMMIT = '6c62fb45fe66bfb1ea9a66abc38f6a0cc974292b';

describe('deploy-worker handler with GitHub deployment statuses', () => {
  const harness = new WorkerHarness();
  let github: FakeGitHub | undefined;
  let dir = '';

  /** crypto-oms on GHCR (the test fixture) with `github` on its workload, in a folder of its own. */
  function specWithGitHub(): string {
    dir = mkdtempSync(path.join(tmpdir(), 'github-status-'));
    cpSync(path.dirname(CRYPTO_OMS), dir, { recursive: true });
    const file = path.join(dir, 'cluster.yaml');
    const text = readFileSync(file, 'utf8');
    const anchor = '  - name: crypto-oms\n    manifests: manifests\n';
    if (!text.includes(anchor)) throw new Error('the crypto-oms fixture changed: no workload anchor');
    writeFileSync(file, text.replace(anchor, `${anchor}    github: { environment: production }\n`));
    return file;
  }

  afterEach(async () => {
    await harness.stop();
    await github?.close();
    github = undefined;
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
    jest.restoreAllMocks();
  });

  it('reads the token from SSM once, posts in_progress then success for a push, and never logs or records the token', async () => {
    // Prepare
    const logs = captureLogLines();
    await harness.start(specWithGitHub());
    const fake = await startFakeGitHub({ token: TOKEN });
    github = fake;
    fake.addRepository('crypto-oms/order-ingestion', [COMMIT]);
    process.env.EKS_PILOT_GITHUB_TOKEN = `ssm:${PARAMETER}`;
    process.env.EKS_PILOT_GITHUB_API_URL = fake.url;
    const { ssm } = awsSecretStubs();
    ssm.on(GetParametersCommand, { Names: [PARAMETER], WithDecryption: true }).resolves({
      Parameters: [{ Name: PARAMETER, Type: 'SecureString', Value: TOKEN, Version: 1 }],
      InvalidParameters: [],
    });

    // Act
    const answer = await harness.deliver([{ ...push('v1.1.0'), imageSource: { repository: 'crypto-oms/order-ingestion', revision: COMMIT } }]);
    const again = await harness.deliver([{ ...push('v1.1.0', { deliveryId: 'redelivered' }), imageSource: { revision: COMMIT } }]);

    // Assess
    expect(answer).toEqual({ batchItemFailures: [] });
    expect(again).toEqual({ batchItemFailures: [] });
    const deployments = fake.deployments('crypto-oms/order-ingestion');
    expect(
      deployments.map((deployment) => ({ ref: deployment.ref, environment: deployment.environment, production: deployment.production_environment })),
    ).toEqual([{ ref: COMMIT, environment: 'production', production: true }]);
    expect(deployments[0]?.statuses.map((status) => status.state)).toEqual(['in_progress', 'success']);
    expect(ssm.commandCalls(GetParametersCommand, { Names: [PARAMETER] })).toHaveLength(1);
    const [record] = harness.releases();
    expect(record?.github).toMatchObject({ deploymentId: deployments[0]?.id, posted: ['in_progress', 'success'] });
    expect(logs.raw()).not.toContain(TOKEN);
    expect(JSON.stringify(harness.releases())).not.toContain(TOKEN);
    expect(logs.lines().filter((line) => line.message === 'GitHub deployment status posted')).toHaveLength(2);
  });
});
