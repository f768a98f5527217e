/**
 * Cluster Autoscaler and managed node groups, through provision's run against the EKS and Auto
 * Scaling fakes: the discovery and node-template tags land on each group's Auto Scaling group,
 * drift in them is corrected without touching other tags, and a spot group at 0 nodes carries, on
 * its Auto Scaling group, the labels and taints its nodes will have, which is all the autoscaler
 * (reading the tags as its AWS README's "Scaling a node group to 0" says) has to go on.
 */
import path from 'node:path';
import type { ProvisionDeps } from '../../../functions/provision/run';
import { reconcileCluster } from '../../../functions/provision/run';
import { planAutoscalerTags } from '../../../functions/provision/plan/autoscaler';
import { autoscalerTags, templateNode } from '../../../shared/model/cluster-spec/autoscaler-tags';
import { loadSpecs } from '../../../shared/model/cluster-spec/load';
import type { ClusterSpec } from '../../../shared/model/cluster-spec/schema';
import type { RunLogger } from '../../../shared/reconcile/run-logger';
import { FakeAutoScaling } from '../../../testing/fake-autoscaling';
import { FakeEks } from '../../../testing/fake-eks';
import { parseSpecOrThrow } from '../../../testing/specs';

const NOW = new Date('2026-11-22T12:00:00Z');
const QUIET: RunLogger = { info: () => undefined, warn: () => undefined, error: () => undefined };

async function kianax(): Promise<ClusterSpec> {
  const [loaded] = await loadSpecs([path.join(__dirname, '../../../examples/kianax/cluster.yaml')]);
  if (!loaded) throw new Error('no kianax spec');
  return loaded.spec;
}

function depsFor(eks: FakeEks, autoScaling: FakeAutoScaling): ProvisionDeps {
  return { eksFor: () => eks, autoScalingFor: () => autoScaling, now: () => NOW, logger: QUIET };
}

function group(spec: ClusterSpec, name: string): ClusterSpec['nodeGroups'][number] {
  const found = spec.nodeGroups.find((item) => item.name === name);
  if (!found) throw new Error(`no node group ${name}`);
  return found;
}

/** The node's taints as Kubernetes spells them, the way the kubelet registers an EKS node group's taints. */
function kubernetesTaints(spec: ClusterSpec, name: string): { key: string; value: string; effect: string }[] {
  const effects = { NO_SCHEDULE: 'NoSchedule', NO_EXECUTE: 'NoExecute', PREFER_NO_SCHEDULE: 'PreferNoSchedule' } as const;
  return group(spec, name).taints.map((taint) => ({ key: taint.key, value: taint.value ?? '', effect: effects[taint.effect] }));
}

describe('Cluster Autoscaler tags on the node groups of a converged cluster', () => {
  it('writes the discovery and node-template tags on each group, then finds nothing to do', async () => {
    // Prepare: kianax as EKS holds it, its Auto Scaling groups with only EKS's own tags
    const spec = await kianax();
    const eks = new FakeEks();
    eks.seedFromSpec(spec);
    const autoScaling = new FakeAutoScaling(eks);

    // Act
    const first = await reconcileCluster(spec, depsFor(eks, autoScaling), { mode: 'apply' });
    const second = await reconcileCluster(spec, depsFor(eks, autoScaling), { mode: 'apply' });

    // Assess: one CreateOrUpdateTags per group, no EKS write, and a second run with nothing to send
    expect(first.executed.map((item) => `${item.kind} ${item.target}`)).toEqual([
      'CreateOrUpdateTags nodegroup/general-ng',
      'CreateOrUpdateTags nodegroup/system-ng',
      'CreateOrUpdateTags nodegroup/jobs-ng',
    ]);
    expect(first.status).toBe('Converged');
    expect(second).toMatchObject({ status: 'Converged', executed: [], drift: [] });
    expect(autoScaling.tagsOf('kianax', 'general-ng')).toEqual({
      'eks:cluster-name': 'kianax',
      'eks:nodegroup-name': 'general-ng',
      'k8s.io/cluster-autoscaler/enabled': 'true',
      'k8s.io/cluster-autoscaler/kianax': 'owned',
      'k8s.io/cluster-autoscaler/node-template/label/eks.amazonaws.com/capacityType': 'ON_DEMAND',
      'k8s.io/cluster-autoscaler/node-template/label/eks.amazonaws.com/nodegroup': 'general-ng',
      'k8s.io/cluster-autoscaler/node-template/label/role': 'general',
    });
  });

  it('lets the autoscaler see the spot group at 0 nodes with the labels and taints its nodes will have', async () => {
    // Prepare: jobs-ng, SPOT, min 0 and no node, as the autoscaler meets it
    const spec = await kianax();
    const eks = new FakeEks();
    eks.seedFromSpec(spec);
    const autoScaling = new FakeAutoScaling(eks);
    expect(eks.nodegroup('kianax', 'jobs-ng')?.scalingConfig).toMatchObject({ minSize: 0, desiredSize: 0, maxSize: 10 });

    // Act: provision runs; the autoscaler reads the group's tags (DescribeAutoScalingGroups, as it does) and builds its template node
    await reconcileCluster(spec, depsFor(eks, autoScaling), { mode: 'apply' });
    const asgName = eks.nodegroup('kianax', 'jobs-ng')?.resources?.autoScalingGroups?.[0]?.name ?? '';
    const [asg] = await autoScaling.describeAutoScalingGroups([asgName]);
    const tags = Object.fromEntries((asg?.Tags ?? []).map((tag) => [tag.Key ?? '', tag.Value ?? '']));
    const template = templateNode(tags);

    // Assess: discoverable under upstream's --node-group-auto-discovery keys, and the template node is the real node: the spec's labels
    // plus the two EKS puts on every node of the group, and the taint a batch pod must tolerate
    expect(Object.keys(tags)).toEqual(expect.arrayContaining(['k8s.io/cluster-autoscaler/enabled', 'k8s.io/cluster-autoscaler/kianax']));
    expect(template.labels).toEqual({ ...group(spec, 'jobs-ng').labels, 'eks.amazonaws.com/nodegroup': 'jobs-ng', 'eks.amazonaws.com/capacityType': 'SPOT' });
    expect(template.taints).toEqual(kubernetesTaints(spec, 'jobs-ng'));
    expect(template.taints).toEqual([{ key: 'workload', value: 'jobs', effect: 'NoSchedule' }]);
  });

  it('offers a pending batch pod only the spot group, from the tags alone, as the autoscaler picks a group to scale up', async () => {
    // Prepare: every group at 0 nodes, as after a quiet night; a batch pod selecting the jobs nodes and tolerating their taint
    const spec = await kianax();
    const eks = new FakeEks();
    eks.seedFromSpec(spec);
    const autoScaling = new FakeAutoScaling(eks);
    await reconcileCluster(spec, depsFor(eks, autoScaling), { mode: 'apply' });
    const pod = {
      nodeSelector: { role: 'jobs', 'eks.amazonaws.com/capacityType': 'SPOT' },
      tolerations: [{ key: 'workload', operator: 'Equal', value: 'jobs', effect: 'NoSchedule' }],
    };
    // The scheduler's predicates the autoscaler runs on a template node: node selector, then taints the pod must tolerate.
    const fits = (template: ReturnType<typeof templateNode>): boolean =>
      Object.entries(pod.nodeSelector).every(([key, value]) => template.labels[key] === value) &&
      template.taints.every((taint) =>
        pod.tolerations.some((toleration) => toleration.key === taint.key && toleration.value === taint.value && toleration.effect === taint.effect),
      );

    // Act
    const candidates = spec.nodeGroups.filter((item) => fits(templateNode(autoScaling.tagsOf('kianax', item.name)))).map((item) => item.name);

    // Assess
    expect(candidates).toEqual(['jobs-ng']);
  });

  it('corrects a changed template tag and removes one for a taint the spec took off, leaving other tags alone', async () => {
    // Prepare: tags written once; then someone edits a label tag, adds their own tag, and the spec drops jobs-ng's taint
    const spec = await kianax();
    const eks = new FakeEks();
    eks.seedFromSpec(spec);
    const autoScaling = new FakeAutoScaling(eks);
    await reconcileCluster(spec, depsFor(eks, autoScaling), { mode: 'apply' });
    autoScaling.setTag('kianax', 'jobs-ng', 'k8s.io/cluster-autoscaler/node-template/label/role', 'batch');
    autoScaling.setTag('kianax', 'jobs-ng', 'team', 'data');
    autoScaling.setTag('kianax', 'jobs-ng', 'k8s.io/cluster-autoscaler/node-template/resources/ephemeral-storage', '20G');
    const untainted: ClusterSpec = { ...spec, nodeGroups: spec.nodeGroups.map((item) => (item.name === 'jobs-ng' ? { ...item, taints: [] } : item)) };
    eks.changeNodegroup('kianax', 'jobs-ng', (nodegroup) => {
      nodegroup.taints = [];
    });

    // Act
    const plan = await reconcileCluster(untainted, depsFor(eks, autoScaling), { mode: 'plan' });
    const applied = await reconcileCluster(untainted, depsFor(eks, autoScaling), { mode: 'apply' });

    // Assess: the drift names both keys; apply puts the label back and removes the taint tag; the person's tags stay
    expect(plan.drift).toEqual([
      'nodegroup/jobs-ng asgTags.k8s.io/cluster-autoscaler/node-template/label/role',
      'nodegroup/jobs-ng asgTags.k8s.io/cluster-autoscaler/node-template/taint/workload',
    ]);
    expect(applied.executed.map((item) => item.kind)).toEqual(['CreateOrUpdateTags', 'DeleteTags']);
    const tags = autoScaling.tagsOf('kianax', 'jobs-ng');
    expect(tags).toMatchObject({ 'k8s.io/cluster-autoscaler/node-template/label/role': 'jobs', team: 'data' });
    expect(tags['k8s.io/cluster-autoscaler/node-template/resources/ephemeral-storage']).toBe('20G');
    expect(tags).not.toHaveProperty(['k8s.io/cluster-autoscaler/node-template/taint/workload']);
  });

  it('tags a new group once EKS reports it ACTIVE, not while it is being created', async () => {
    // Prepare: an empty account
    const spec = parseSpecOrThrow(
      [
        'apiVersion: eks-pilot/v1',
        'kind: Cluster',
        'name: batch',
        'region: eu-west-1',
        'version: "1.33"',
        'roleArn: arn:aws:iam::111122223333:role/batch-cluster',
        'vpc:',
        '  subnetIds: [subnet-0aaaaaaaaaaaaaaa1, subnet-0aaaaaaaaaaaaaaa2]',
        'nodeGroups:',
        '  - name: spot-ng',
        '    nodeRoleArn: arn:aws:iam::111122223333:role/batch-node',
        '    capacityType: SPOT',
        '    scaling: { min: 0, max: 5 }',
        '    taints: [{ key: spot, effect: NO_EXECUTE }]',
        '',
      ].join('\n'),
    );
    const eks = new FakeEks();
    const autoScaling = new FakeAutoScaling(eks);
    const deps = depsFor(eks, autoScaling);

    // Act: create the cluster, then the group, letting EKS finish each time
    const kinds: string[][] = [];
    for (let run = 0; run < 4; run += 1) {
      const report = await reconcileCluster(spec, deps, { mode: 'apply' });
      kinds.push(report.executed.map((item) => item.kind));
      eks.settle();
    }

    // Assess: the tags follow the ACTIVE group, with a taint that has no value written as ":NoExecute"
    expect(kinds).toEqual([['CreateCluster'], ['CreateNodegroup'], ['CreateOrUpdateTags'], []]);
    expect(autoScaling.tagsOf('batch', 'spot-ng')).toMatchObject({
      'k8s.io/cluster-autoscaler/batch': 'owned',
      'k8s.io/cluster-autoscaler/node-template/taint/spot': ':NoExecute',
    });
  });

  it('reads no Auto Scaling group on a scheduled run off the hour, keeping the drift check to its read budget', async () => {
    // Prepare
    const spec = await kianax();
    const eks = new FakeEks();
    eks.seedFromSpec(spec);
    const autoScaling = new FakeAutoScaling(eks);

    // Act: the five-minute check reads the access entries without their detail, and the groups not at all
    const report = await reconcileCluster(spec, depsFor(eks, autoScaling), { mode: 'plan', accessEntryDetail: false });

    // Assess
    expect(report.status).toBe('Converged');
    expect(autoScaling.history()).toEqual([]);
  });

  it('leaves the tags alone when a run has no Auto Scaling port', async () => {
    // Prepare
    const spec = await kianax();
    const eks = new FakeEks();
    eks.seedFromSpec(spec);

    // Act
    const report = await reconcileCluster(spec, { eksFor: () => eks, now: () => NOW, logger: QUIET }, { mode: 'plan' });

    // Assess
    expect(report).toMatchObject({ status: 'Converged', drift: [] });
  });

  it('defers the tags of a run that Auto Scaling throttles, and reports it in progress', async () => {
    // Prepare: the read answers, the first write is throttled
    const spec = await kianax();
    const eks = new FakeEks();
    eks.seedFromSpec(spec);
    const autoScaling = new FakeAutoScaling(eks);
    const original = autoScaling.execute.bind(autoScaling);
    let first = true;
    autoScaling.execute = (write) => {
      if (first) {
        first = false;
        autoScaling.throttle();
      }
      return original(write);
    };

    // Act
    const report = await reconcileCluster(spec, depsFor(eks, autoScaling), { mode: 'apply' });

    // Assess: nothing more is sent once throttled; the three groups wait for the next run
    expect(report.status).toBe('InProgress');
    expect(report.executed).toEqual([]);
    expect(report.deferred.map((item) => item.target)).toEqual(['nodegroup/general-ng', 'nodegroup/system-ng', 'nodegroup/jobs-ng']);
  });
});

describe('autoscalerTags', () => {
  it.each([
    ['a label', { labels: { role: 'jobs' }, taints: [] }, { 'k8s.io/cluster-autoscaler/node-template/label/role': 'jobs' }],
    [
      'a taint with a value',
      { labels: {}, taints: [{ key: 'workload', value: 'jobs', effect: 'NO_SCHEDULE' as const }] },
      { 'k8s.io/cluster-autoscaler/node-template/taint/workload': 'jobs:NoSchedule' },
    ],
    [
      'a taint without a value',
      { labels: {}, taints: [{ key: 'dedicated', effect: 'PREFER_NO_SCHEDULE' as const }] },
      { 'k8s.io/cluster-autoscaler/node-template/taint/dedicated': ':PreferNoSchedule' },
    ],
  ])('writes %s as the README spells the node-template tag', (_name, fields, expected) => {
    // Act
    const tags = autoscalerTags('shop', { name: 'web-ng', capacityType: 'ON_DEMAND', ...fields });

    // Assess
    expect(tags).toMatchObject({ 'k8s.io/cluster-autoscaler/enabled': 'true', 'k8s.io/cluster-autoscaler/shop': 'owned', ...expected });
  });

  it('plans nothing for a group whose Auto Scaling group is not listed', async () => {
    // Prepare
    const spec = await kianax();
    const eks = new FakeEks();
    eks.seedFromSpec(spec);
    const nodegroup = eks.nodegroup('kianax', 'jobs-ng');
    if (!nodegroup) throw new Error('no jobs-ng');

    // Act
    const actions = planAutoscalerTags(spec, group(spec, 'jobs-ng'), nodegroup, {});

    // Assess
    expect(actions).toEqual([]);
  });
});

describe('the spec check of node-template tag keys', () => {
  it('names a label key whose node-template tag is too long for Auto Scaling', () => {
    // Prepare
    const key = `${'p'.repeat(40)}.example.com/${'k'.repeat(31)}`;
    const text = [
      'apiVersion: eks-pilot/v1',
      'kind: Cluster',
      'name: shop',
      'region: eu-west-1',
      'version: "1.33"',
      'roleArn: arn:aws:iam::111122223333:role/shop-cluster',
      'vpc:',
      '  subnetIds: [subnet-0aaaaaaaaaaaaaaa1, subnet-0aaaaaaaaaaaaaaa2]',
      'nodeGroups:',
      '  - name: web-ng',
      '    nodeRoleArn: arn:aws:iam::111122223333:role/shop-node',
      '    scaling: { min: 1, max: 2 }',
      `    labels: { ${key}: x }`,
      '',
    ].join('\n');

    // Act
    const act = () => parseSpecOrThrow(text);

    // Assess
    expect(act).toThrow(`nodeGroups[0].labels.${key}: the Cluster Autoscaler tag k8s.io/cluster-autoscaler/node-template/label/${key} would be 130 characters`);
  });
});
