import { OVERRIDE_TAG, OVERRIDE_TAG_KEYS, overrideTags } from '../../../../shared/model/overrides';
import { planStatus } from '../../../../shared/model/plan/plan';
import type { Observed, Step } from './support';
import { addonIn, ADMINS, BASE, drifted, entryIn, nodegroupIn, NOW, plan, steps, WEB_ARN } from './support';

describe('planCluster honours scale-watch overrides', () => {
  const inAnHour = new Date(NOW.now.getTime() + 3_600_000);
  const aMinuteAgo = new Date(NOW.now.getTime() - 60_000);
  const source = 'alarm/orders-cpu-high';
  const untagWeb = (tagKeys: string[]): Step => ({
    kind: 'UntagResource',
    target: 'nodegroup/web-ng',
    classification: 'update',
    request: { resourceArn: WEB_ARN, tagKeys },
  });

  function webWith(tags: Record<string, string>, scaling: { minSize: number; maxSize: number; desiredSize: number }): Observed {
    return drifted(BASE, (o) => {
      const web = nodegroupIn(o, 'web-ng');
      web.tags = { ...web.tags, ...tags };
      web.scalingConfig = scaling;
    });
  }

  it.each<{ bounds: string; tags: Record<string, string>; scaling: { minSize: number; maxSize: number; desiredSize: number } }>([
    {
      bounds: 'both bounds',
      tags: overrideTags({ minSize: 4, maxSize: 20, expires: inAnHour, source }),
      scaling: { minSize: 4, maxSize: 20, desiredSize: 12 },
    },
    { bounds: 'only the max', tags: overrideTags({ maxSize: 20, expires: inAnHour, source }), scaling: { minSize: 2, maxSize: 20, desiredSize: 12 } },
  ])('counts an active override of $bounds as desired', ({ tags, scaling }) => {
    // Prepare
    const observed = webWith(tags, scaling);

    // Act
    const result = plan(BASE, observed);

    // Assess
    expect(result.actions).toEqual([]);
    expect(planStatus(result)).toBe('no-changes');
  });

  it('applies an active override the node group does not have yet', () => {
    // Prepare
    const observed = webWith(overrideTags({ minSize: 4, maxSize: 20, expires: inAnHour, source }), { minSize: 2, maxSize: 10, desiredSize: 3 });

    // Act
    const result = plan(BASE, observed);

    // Assess
    expect(steps(result)).toEqual([
      {
        kind: 'UpdateNodegroupConfig',
        target: 'nodegroup/web-ng',
        classification: 'update',
        request: { clusterName: 'orders', nodegroupName: 'web-ng', scalingConfig: { minSize: 4, maxSize: 20, desiredSize: 4 } },
      },
    ]);
    expect(result.actions[0]?.reason).toContain(`scaling override from ${source}`);
  });

  it("puts the spec's bounds back once an override expires and removes exactly its tags", () => {
    // Prepare
    const observed = webWith(overrideTags({ minSize: 4, maxSize: 20, expires: aMinuteAgo, source }), { minSize: 4, maxSize: 20, desiredSize: 12 });

    // Act
    const result = plan(BASE, observed);

    // Assess
    expect(steps(result)).toEqual([
      {
        kind: 'UpdateNodegroupConfig',
        target: 'nodegroup/web-ng',
        classification: 'update',
        request: { clusterName: 'orders', nodegroupName: 'web-ng', scalingConfig: { minSize: 2, maxSize: 10, desiredSize: 10 } },
      },
      untagWeb([...OVERRIDE_TAG_KEYS]),
    ]);
    expect(result.actions[1]?.reason).toBe(`scaling override from ${source} has expired`);
  });

  it('removes only the override tags present when an expired override set only the max', () => {
    // Prepare
    const observed = webWith(overrideTags({ maxSize: 20, expires: aMinuteAgo, source }), { minSize: 2, maxSize: 20, desiredSize: 12 });

    // Act
    const result = plan(BASE, observed);

    // Assess
    expect(steps(result)).toEqual([
      {
        kind: 'UpdateNodegroupConfig',
        target: 'nodegroup/web-ng',
        classification: 'update',
        request: { clusterName: 'orders', nodegroupName: 'web-ng', scalingConfig: { minSize: 2, maxSize: 10, desiredSize: 10 } },
      },
      untagWeb([OVERRIDE_TAG.maxSize, OVERRIDE_TAG.expires, OVERRIDE_TAG.source]),
    ]);
  });

  it.each<{ problem: string; tags: Record<string, string> }>([
    { problem: 'an expiry that is not a time', tags: { [OVERRIDE_TAG.maxSize]: '20', [OVERRIDE_TAG.expires]: 'next tuesday', [OVERRIDE_TAG.source]: source } },
    {
      problem: 'a size that is not a whole number',
      tags: { [OVERRIDE_TAG.maxSize]: 'twenty', [OVERRIDE_TAG.expires]: inAnHour.toISOString(), [OVERRIDE_TAG.source]: source },
    },
    { problem: 'no size at all', tags: { [OVERRIDE_TAG.expires]: inAnHour.toISOString() } },
  ])("cleans up override tags with $problem and keeps the spec's bounds", ({ tags }) => {
    // Prepare
    const observed = webWith(tags, { minSize: 2, maxSize: 10, desiredSize: 3 });

    // Act
    const result = plan(BASE, observed);

    // Assess
    expect(steps(result)).toEqual([untagWeb(OVERRIDE_TAG_KEYS.filter((key) => key in tags))]);
    expect(result.actions[0]?.reason).toMatch(/^scaling override tags are unreadable: /);
  });

  it('never reports override tags, or tags the spec does not name, as tag drift', () => {
    // Prepare
    const observed = drifted(BASE, (o) => {
      o.cluster.tags = { ...o.cluster.tags, 'aws:cloudformation:stack-name': 'orders-network', 'cost-centre': 'cc-1042' };
      const web = nodegroupIn(o, 'web-ng');
      web.tags = { ...web.tags, ...overrideTags({ maxSize: 10, expires: inAnHour, source }), 'k8s.io/cluster-autoscaler/enabled': 'true' };
      nodegroupIn(o, 'jobs-ng').tags = { 'k8s.io/cluster-autoscaler/orders': 'owned' };
      addonIn(o, 'coredns').tags = { owner: 'platform', 'managed-by': 'someone-else' };
      entryIn(o, ADMINS).entry.tags = { 'created-by': 'console' };
    });

    // Act
    const result = plan(BASE, observed);

    // Assess
    expect(result.actions).toEqual([]);
  });
});
