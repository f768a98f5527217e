import { parseSpec } from '../../../shared/model/cluster-spec/load';
import { scalingDurationMs } from '../../../shared/model/cluster-spec/scaling';
import { issuesOf, kianax } from './support';
import { minimalSpecYaml } from '../../../testing/specs';

describe('the scaling section of the spec', () => {
  it('reads the kianax example with its defaults applied', async () => {
    // Act
    const spec = await kianax();

    // Assess
    expect(spec.alarms.map((alarm) => [alarm.name, alarm.metric.namespace, alarm.metric.name, alarm.metric.dimensions])).toEqual([
      ['kianax-general-ng-cpu-high', 'ContainerInsights', 'node_cpu_utilization', { ClusterName: 'kianax' }],
      ['kianax-node-memory-high', 'ContainerInsights', 'node_memory_utilization', { ClusterName: 'kianax' }],
      ['kianax-failed-nodes', 'ContainerInsights', 'cluster_failed_node_count', { ClusterName: 'kianax' }],
      ['kianax-pods-below-minimum', 'ContainerInsights', 'namespace_number_of_running_pods', { ClusterName: 'kianax', Namespace: 'kianax' }],
    ]);
    expect(spec.alarms[0]).toMatchObject({ treatMissingData: 'missing', alarmActions: [], okActions: [] });
    expect(spec.scalingRules[0]).toMatchObject({
      name: 'general-ng-cpu',
      alarm: 'kianax-general-ng-cpu-high',
      cooldown: '10m',
      hold: '15m',
      expireAfter: '6h',
    });
  });

  it.each<{ problem: string; rules: string; expected: string }>([
    {
      problem: 'an alarm the spec does not define',
      rules: '  - { name: web, alarm: shop-nope, nodeGroups: [{ name: web-ng, maxSize: { add: 1, ceiling: 6 } }] }\n',
      expected:
        'scalingRules[0].alarm: no alarm "shop-nope" in alarms (the spec has shop-cpu-high, shop-memory-high); define it there, or name alarms kept elsewhere with alarmPrefix',
    },
    {
      problem: 'both alarm and alarmPrefix',
      rules: '  - { name: web, alarm: shop-cpu-high, alarmPrefix: shop-, nodeGroups: [{ name: web-ng, maxSize: { add: 1, ceiling: 6 } }] }\n',
      expected: 'scalingRules[0]: name exactly one of alarm and alarmPrefix',
    },
    {
      problem: 'a node group the spec does not have',
      rules: '  - { name: web, alarm: shop-cpu-high, nodeGroups: [{ name: api-ng, maxSize: { add: 1, ceiling: 6 } }] }\n',
      expected: 'scalingRules[0].nodeGroups[0].name: no node group "api-ng" in nodeGroups (the spec has web-ng, batch-ng)',
    },
    {
      problem: "a ceiling below the spec's maxSize",
      rules: '  - { name: web, alarm: shop-cpu-high, nodeGroups: [{ name: web-ng, maxSize: { add: 1, ceiling: 3 } }] }\n',
      expected: "scalingRules[0].nodeGroups[0].maxSize.ceiling: ceiling (3) is below the spec's maxSize (4) of web-ng",
    },
    {
      problem: 'a raising step without a ceiling',
      rules: '  - { name: web, alarm: shop-cpu-high, hpas: [{ namespace: shop, name: web, maxReplicas: { multiply: 2 } }] }\n',
      expected: 'scalingRules[0].hpas[0].maxReplicas.ceiling: a raising step needs a ceiling',
    },
    {
      problem: 'a step that both adds and multiplies',
      rules: '  - { name: web, alarm: shop-cpu-high, hpas: [{ namespace: shop, name: web, maxReplicas: { add: 1, multiply: 2, ceiling: 9 } }] }\n',
      expected: 'scalingRules[0].hpas[0].maxReplicas: name add or multiply, not both',
    },
    {
      problem: 'a minSize ceiling above any maxSize the group can have',
      rules: '  - { name: web, alarm: shop-cpu-high, nodeGroups: [{ name: web-ng, minSize: { add: 1, ceiling: 9 }, maxSize: { add: 1, ceiling: 6 } }] }\n',
      expected: 'scalingRules[0].nodeGroups[0].minSize.ceiling: ceiling (9) is above the highest maxSize web-ng can have (6); minSize never exceeds maxSize',
    },
    {
      problem: 'two rules moving one bound',
      rules:
        '  - { name: web, alarm: shop-cpu-high, nodeGroups: [{ name: web-ng, maxSize: { add: 1, ceiling: 6 } }] }\n' +
        '  - { name: web-memory, alarm: shop-memory-high, nodeGroups: [{ name: web-ng, maxSize: { add: 2, ceiling: 8 } }] }\n',
      expected:
        'scalingRules[1].nodeGroups[0].maxSize: maxSize of node group web-ng is already moved by scalingRules[0]; one rule per bound, so two rules never fight over it',
    },
    {
      problem: 'a rule that moves nothing',
      rules: '  - { name: web, alarm: shop-cpu-high }\n',
      expected: 'scalingRules[0]: a rule moves at least one node group or HPA',
    },
    {
      problem: 'a duration without a unit',
      rules: '  - { name: web, alarm: shop-cpu-high, cooldown: 300, nodeGroups: [{ name: web-ng, maxSize: { add: 1, ceiling: 6 } }] }\n',
      expected: 'scalingRules[0].cooldown: expected string, received number',
    },
  ])('rejects $problem, naming the field', ({ rules, expected }) => {
    // Act
    const issues = issuesOf(rules);

    // Assess
    expect(issues).toContain(expected);
  });

  it('reports a duplicate alarm name with its place', () => {
    // Prepare
    const rules = '  - { name: web, alarmPrefix: dup, nodeGroups: [{ name: web-ng, maxSize: { add: 1, ceiling: 6 } }] }\n';

    // Act
    const issues = issuesWithAlarms(
      '  - { name: dup, metric: { namespace: N, name: m }, threshold: 1 }\n  - { name: dup, metric: { namespace: N, name: m }, threshold: 2 }\n',
      rules,
    );

    // Assess
    expect(issues).toContain('alarms[1].name: duplicate alarm name "dup" (first at alarms[0])');
  });

  it.each([
    ['90s', 90_000],
    ['15m', 900_000],
    ['6h', 21_600_000],
    ['2d', 172_800_000],
  ])('reads the duration %s as %d ms', (text, expected) => {
    // Act
    const result = scalingDurationMs(text);

    // Assess
    expect(result).toBe(expected);
  });
});

/** A one-node-group spec with these alarms and rules (YAML list items, indented two spaces). */
function issuesWithAlarms(alarms: string, rules: string): string[] {
  const text = `${minimalSpecYaml({ name: 'shop', region: 'eu-west-1', nodeGroups: [{ name: 'web-ng', min: 2, max: 4 }] })}alarms:
${alarms}scalingRules:
${rules}`;
  const parsed = parseSpec(text, 'inline.yaml');
  return parsed.ok ? [] : parsed.issues.map((issue) => `${issue.path}: ${issue.message}`);
}
