import { planRebuild, VALIDATION_ACCESS } from '../../../../functions/provision/rebuild/plan';
import type { RebuildObservation } from '../../../../functions/provision/rebuild/plan';

const validated = { status: 'Validated' as const, failures: [] };
const converged = { status: 'Converged' as const, summary: 'matches the spec', validation: validated };

describe('planRebuild', () => {
  it.each<[string, RebuildObservation, { phase: string; status: string; actions: string[]; finished: boolean }]>([
    [
      'waits for the cluster while provision recreates it',
      { cluster: { status: 'InProgress', summary: 'cluster financial-move is CREATING' }, workloads: [], hasPlatform: false, hasPools: true },
      { phase: 'cluster', status: 'InProgress', actions: [], finished: false },
    ],
    [
      'stops for a person when the cluster is blocked',
      { cluster: { status: 'Blocked', summary: 'refused: roleArn cannot change' }, workloads: [], hasPlatform: false, hasPools: false },
      { phase: 'cluster', status: 'Blocked', actions: [], finished: false },
    ],
    [
      'queues the restore of every workload not restored yet, and re-attaches the pools, once the cluster converged',
      { cluster: converged, workloads: [{ workload: 'prod', lastSucceeded: 3 }, { workload: 'jobs' }], hasPlatform: false, hasPools: true },
      { phase: 'workloads', status: 'InProgress', actions: ['QueueRestore prod', 'QueueRestore jobs', 'ReattachPools'], finished: false },
    ],
    [
      'waits, restoring nothing, while the converged cluster does not validate',
      {
        cluster: {
          ...converged,
          validation: {
            status: 'Unhealthy',
            failures: [{ kind: 'Node', name: 'ip-1', message: 'node ip-1 of node group prod-ng is not Ready (KubeletNotReady)' }],
          },
        },
        hasPlatform: true,
        workloads: [{ workload: 'prod', lastSucceeded: 3 }],
        hasPools: true,
      },
      { phase: 'cluster', status: 'InProgress', actions: [], finished: false },
    ],
    [
      'stops for a person when the API refuses the validation its reads',
      {
        cluster: {
          ...converged,
          validation: { status: 'Unhealthy', failures: [{ kind: 'Read', name: 'nodes', message: 'cannot read nodes: nodes is forbidden', denied: true }] },
        },
        hasPlatform: false,
        workloads: [{ workload: 'prod', lastSucceeded: 3 }],
        hasPools: false,
      },
      { phase: 'cluster', status: 'Blocked', actions: [], finished: false },
    ],
    [
      'applies the platform before any workload once the cluster converged, re-attaching the pools meanwhile',
      { cluster: converged, hasPlatform: true, workloads: [{ workload: 'prod', lastSucceeded: 3 }], hasPools: true },
      { phase: 'platform', status: 'InProgress', actions: ['ApplyPlatform', 'ReattachPools'], finished: false },
    ],
    [
      'stops for a person, restoring no workload, while a platform component cannot be applied',
      {
        cluster: converged,
        hasPlatform: true,
        platform: { status: 'Blocked', summary: 'component metrics: image metrics-server is not pinned' },
        workloads: [{ workload: 'prod', lastSucceeded: 3 }],
        hasPools: false,
      },
      { phase: 'platform', status: 'Blocked', actions: ['ApplyPlatform'], finished: false },
    ],
    [
      'asks the platform again after a transient failure',
      {
        cluster: converged,
        hasPlatform: true,
        platform: { status: 'InProgress', summary: 'deploy-worker did not answer' },
        workloads: [{ workload: 'prod', lastSucceeded: 3 }],
        hasPools: false,
      },
      { phase: 'platform', status: 'InProgress', actions: ['ApplyPlatform'], finished: false },
    ],
    [
      'queues the restores once the platform applied',
      { cluster: converged, hasPlatform: true, platform: converged, workloads: [{ workload: 'prod', lastSucceeded: 3 }], hasPools: false },
      { phase: 'workloads', status: 'InProgress', actions: ['QueueRestore prod'], finished: false },
    ],
    [
      'waits for a restore still rolling out, queueing nothing again',
      { cluster: converged, workloads: [{ workload: 'prod', restore: { revision: 4, result: 'progressing' } }], hasPlatform: false, hasPools: false },
      { phase: 'workloads', status: 'InProgress', actions: [], finished: false },
    ],
    [
      'waits for the pools once every workload is restored',
      {
        cluster: converged,
        workloads: [{ workload: 'prod', restore: { revision: 4, result: 'succeeded' } }],
        pools: { status: 'InProgress', summary: 'egress: 1 of 2 attached' },
        hasPlatform: false,
        hasPools: true,
      },
      { phase: 'pools', status: 'InProgress', actions: ['ReattachPools'], finished: false },
    ],
    [
      'finishes converged when every workload is restored and the pools are whole',
      {
        cluster: converged,
        workloads: [{ workload: 'prod', restore: { revision: 4, result: 'succeeded' } }],
        pools: converged,
        hasPlatform: false,
        hasPools: true,
      },
      { phase: 'done', status: 'Converged', actions: [], finished: true },
    ],
    [
      'finishes blocked when a restore was refused by the image policies',
      {
        cluster: converged,
        workloads: [{ workload: 'prod', restore: { revision: 4, result: 'refused', reason: 'tag main-1 matches no current rule' } }],
        hasPlatform: false,
        hasPools: false,
      },
      { phase: 'done', status: 'Blocked', actions: [], finished: true },
    ],
  ])('%s', (_name, observation, expected) => {
    // Act
    const plan = planRebuild(observation);

    // Assess
    expect({
      phase: plan.phase,
      status: plan.status,
      actions: plan.actions.map((action) => (action.kind === 'QueueRestore' ? `${action.kind} ${action.workload}` : action.kind)),
      finished: plan.finished,
    }).toEqual(expected);
  });

  it('names what it waits for and what was not restored, in one summary line', () => {
    // Prepare
    const observation: RebuildObservation = {
      cluster: converged,
      workloads: [
        { workload: 'prod', restore: { revision: 4, result: 'succeeded' } },
        { workload: 'jobs', restore: { revision: 2, result: 'refused', reason: 'tag main-1 matches no current rule' } },
        { workload: 'web', restore: { revision: 7, result: 'progressing' } },
      ],
      hasPlatform: false,
      hasPools: false,
    };

    // Act
    const plan = planRebuild(observation);

    // Assess
    expect(plan.summary).toBe(
      'workloads: 1 of 3 workload(s) restored; jobs not restored (release 2 refused: tag main-1 matches no current rule); workload web: release 7 progressing',
    );
    expect(plan.status).toBe('Blocked');
  });
});

describe('planRebuild, the platform phase', () => {
  it('names the platform component that keeps the workloads back, for a person', () => {
    // Prepare
    const observation: RebuildObservation = {
      cluster: converged,
      hasPlatform: true,
      platform: { status: 'Blocked', summary: 'component metrics: Deployment kube-system/metrics image metrics-server is not pinned' },
      workloads: [{ workload: 'prod', lastSucceeded: 3 }],
      hasPools: false,
    };

    // Act
    const plan = planRebuild(observation);

    // Assess
    expect(plan.summary).toBe('platform: not applied (component metrics: Deployment kube-system/metrics image metrics-server is not pinned)');
    expect(plan.waiting).toEqual(['a person: platform: component metrics: Deployment kube-system/metrics image metrics-server is not pinned']);
    expect(plan.actions.some((action) => action.kind === 'QueueRestore')).toBe(false);
  });
});

describe('planRebuild, the validation', () => {
  it('names the access a refused validation needs', () => {
    // Prepare
    const observation: RebuildObservation = {
      cluster: {
        ...converged,
        validation: { status: 'Unhealthy', failures: [{ kind: 'Read', name: 'nodes', message: 'cannot read nodes: nodes is forbidden', denied: true }] },
      },
      hasPlatform: false,
      workloads: [],
      hasPools: false,
    };

    // Act
    const plan = planRebuild(observation);

    // Assess
    expect(plan.summary).toBe(`cluster: converged, not validated: validation refused (cannot read nodes: nodes is forbidden): ${VALIDATION_ACCESS}`);
    expect(VALIDATION_ACCESS).toContain('AmazonEKSAdminViewPolicy at cluster scope');
    expect(plan.waiting).toEqual([`a person: validation refused (cannot read nodes: nodes is forbidden): ${VALIDATION_ACCESS}`]);
  });
});
