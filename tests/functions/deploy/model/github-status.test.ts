import { deploymentDescription, destinationOf, dueStates, hasDeployment, statusDescription } from '../../../../functions/deploy/model/github-status';
import type { ReleaseRecord } from '../../../../functions/deploy/model/releases';
import type { DeployTarget } from '../../../../functions/deploy/model/targets';
import type { WorkloadSpec } from '../../../../shared/model/cluster-spec/workloads';

const DIGEST = `sha256:${'b2'.repeat(32)}`;

const RECORD: ReleaseRecord = {
  revision: 4,
  cluster: 'payments',
  workload: 'web',
  kind: 'deploy',
  image: { repository: 'ghcr.io/acme/web', tag: 'v1.3.0', digest: DIGEST },
  images: { 'ghcr.io/acme/web': `ghcr.io/acme/web:v1.3.0@${DIGEST}` },
  deliveryId: 'd4',
  startedAt: '2026-12-01T10:00:00.000Z',
  result: 'progressing',
};

function target(github: WorkloadSpec['github'], environment?: string): Pick<DeployTarget, 'cluster' | 'workload'> {
  return {
    cluster: 'payments',
    workload: { name: 'web', ...(environment === undefined ? {} : { environment }), ...(github === undefined ? {} : { github }) } as WorkloadSpec,
  };
}

describe('GitHub deployment statuses of a release', () => {
  it.each<{ name: string; record: ReleaseRecord; due: string[] }>([
    { name: 'a release rolling out', record: RECORD, due: ['in_progress'] },
    {
      name: 'a succeeded release that posted in_progress',
      record: { ...RECORD, result: 'succeeded', github: { deploymentId: 7, posted: ['in_progress'] } },
      due: ['success'],
    },
    {
      name: 'a succeeded release already told',
      record: { ...RECORD, result: 'succeeded', github: { deploymentId: 7, posted: ['in_progress', 'success'] } },
      due: [],
    },
    { name: 'a failed release', record: { ...RECORD, result: 'failed', github: { deploymentId: 7, posted: ['in_progress'] } }, due: ['failure'] },
    {
      name: 'a rolled-back release that posted its failure',
      record: { ...RECORD, result: 'rolled-back', github: { deploymentId: 7, posted: ['in_progress', 'failure'] } },
      due: ['inactive'],
    },
    {
      name: 'a superseded release with a deployment',
      record: { ...RECORD, result: 'superseded', github: { deploymentId: 7, posted: ['in_progress'] } },
      due: ['inactive'],
    },
    { name: 'a superseded release without one (no deployment made only to be inactive)', record: { ...RECORD, result: 'superseded' }, due: [] },
    {
      name: 'a release whose deployment was given up',
      record: { ...RECORD, result: 'succeeded', github: { posted: [], skipped: [{ state: 'deployment', reason: 'no token', at: RECORD.startedAt }] } },
      due: [],
    },
    {
      name: 'a release whose in_progress was rate-limited',
      record: {
        ...RECORD,
        result: 'succeeded',
        github: { deploymentId: 7, posted: [], skipped: [{ state: 'in_progress', reason: 'rate limit', at: RECORD.startedAt }] },
      },
      due: ['success'],
    },
    { name: 'a refused push', record: { ...RECORD, result: 'refused' }, due: [] },
  ])('posts what is due for $name', ({ record, due }) => {
    // Act
    const states = dueStates(record);

    // Assess
    expect(states).toEqual(due);
  });

  it.each<{ name: string; record: ReleaseRecord; expected: boolean }>([
    { name: 'a deploy', record: RECORD, expected: true },
    { name: 'a rollback', record: { ...RECORD, kind: 'rollback' }, expected: false },
    { name: 'a restore', record: { ...RECORD, kind: 'restore' }, expected: false },
    { name: 'a held release', record: { ...RECORD, result: 'waiting', hold: { approval: true } }, expected: false },
    { name: 'a refusal', record: { ...RECORD, result: 'refused' }, expected: false },
  ])('gives $name a deployment: $expected', ({ record, expected }) => {
    // Act
    const result = hasDeployment(target({}), record);

    // Assess
    expect(result).toBe(expected);
    expect(hasDeployment(target(undefined), record)).toBe(false);
  });

  it.each<{ name: string; github: WorkloadSpec['github']; environment?: string; record: ReleaseRecord; expected: unknown }>([
    {
      name: 'the GHCR image and its tag, the cluster as environment',
      github: {},
      record: RECORD,
      expected: { repository: 'acme/web', ref: 'v1.3.0', environment: 'payments', production: false },
    },
    {
      name: "the push's repository and revision label, the workload's environment",
      github: {},
      environment: 'prod',
      record: { ...RECORD, imageSource: { repository: 'acme/web-app', revision: 'a'.repeat(40) } },
      expected: { repository: 'acme/web-app', ref: 'a'.repeat(40), environment: 'prod', production: true },
    },
    {
      name: 'what the spec says over the push',
      github: { repository: 'acme/monorepo', environment: 'staging', production: false, environmentUrl: 'https://staging.acme.example' },
      environment: 'prod',
      record: { ...RECORD, imageSource: { repository: 'acme/web-app' } },
      expected: { repository: 'acme/monorepo', ref: 'v1.3.0', environment: 'staging', production: false, environmentUrl: 'https://staging.acme.example' },
    },
    {
      name: 'an ECR image with no repository anywhere',
      github: {},
      record: { ...RECORD, image: { repository: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/web', tag: 'v1.3.0', digest: DIGEST } },
      expected: {
        reason:
          'no GitHub repository for 123456789012.dkr.ecr.eu-west-1.amazonaws.com/web: set github.repository (the image is not on ghcr.io and the push named none)',
      },
    },
  ])('deploys to $name', ({ github, environment, record, expected }) => {
    // Act
    const destination = destinationOf(target(github, environment), record);

    // Assess
    expect(destination).toEqual(expected);
  });

  it('keeps every description within GitHub’s 140 characters, the failure reason cut', () => {
    // Prepare
    const failed: ReleaseRecord = { ...RECORD, result: 'failed', reason: `rollout of Deployment web/web stalled: ${'x'.repeat(300)}` };

    // Act
    const texts = [
      statusDescription(target({}), failed, 'failure'),
      deploymentDescription(target({}), RECORD),
      statusDescription(target({}), RECORD, 'in_progress'),
    ];

    // Assess
    for (const text of texts) expect(text.length).toBeLessThanOrEqual(140);
    expect(texts[0]).toMatch(/^release 4 failed on payments: rollout of Deployment web\/web stalled: x+…$/);
    expect(texts[2]).toBe('release 4 rolling out on payments: ghcr.io/acme/web:v1.3.0');
  });
});
