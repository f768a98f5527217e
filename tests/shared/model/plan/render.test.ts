import type { Plan } from '../../../../shared/model/plan/plan';
import { planStatus, summarise } from '../../../../shared/model/plan/plan';
import { planToJson, renderPlan } from '../../../../shared/model/plan/render';

const subject = { cluster: 'demo', region: 'eu-west-1', source: 'demo.yaml' };

const changing: Plan = {
  subject,
  actions: [
    {
      kind: 'UpdateNodegroupConfig',
      classification: 'update',
      target: { kind: 'nodegroup', name: 'general' },
      reason: 'scaling bounds differ from the spec',
      changes: [{ field: 'scaling.max', from: 5, to: 8 }],
    },
    {
      kind: 'Refuse',
      classification: 'forbidden',
      target: { kind: 'cluster', name: 'demo' },
      reason: 'roleArn cannot change in place',
      changes: [{ field: 'roleArn', from: 'arn:aws:iam::123456789012:role/a', to: 'arn:aws:iam::123456789012:role/b' }],
    },
  ],
};

describe('renderPlan', () => {
  it('prints "no changes" as an outcome of its own', () => {
    expect(renderPlan({ subject, actions: [] })).toBe('Cluster demo (eu-west-1) from demo.yaml\n  No changes. The cluster matches its spec.\n');
  });

  it('prints a table of actions, each change beneath its action, and a summary', () => {
    expect(renderPlan(changing)).toBe(
      [
        'Cluster demo (eu-west-1) from demo.yaml',
        '  #     ACTION                 TARGET             CLASS      REASON',
        '  1  ~  UpdateNodegroupConfig  nodegroup/general  update     scaling bounds differ from the spec',
        '        scaling.max: 5 -> 8',
        '  2  !  Refuse                 cluster/demo       forbidden  roleArn cannot change in place',
        '        roleArn: arn:aws:iam::123456789012:role/a -> arn:aws:iam::123456789012:role/b',
        '  Plan: 0 to create, 1 to update, 0 to replace, 0 to delete, 1 forbidden. Blocked: the forbidden actions need a person.',
        '',
      ].join('\n'),
    );
  });
});

describe('plan status', () => {
  it.each([
    ['no actions', [], 'no-changes'],
    ['only no-ops', [{ ...changing.actions[0], classification: 'no-op' }], 'no-changes'],
    ['an update', [changing.actions[0]], 'changes'],
    ['a forbidden action among updates', changing.actions, 'blocked'],
  ] as const)('is %s -> %s', (_case, actions, status) => {
    expect(planStatus({ subject, actions: actions as Plan['actions'] })).toBe(status);
  });
});

describe('planToJson', () => {
  it('serialises subject, status, summary and the actions as they are', () => {
    // Act
    const json: unknown = JSON.parse(planToJson([changing]));

    // Assess
    expect(json).toEqual({
      formatVersion: 1,
      plans: [{ ...subject, status: 'blocked', summary: summarise(changing), actions: changing.actions }],
    });
  });
});
