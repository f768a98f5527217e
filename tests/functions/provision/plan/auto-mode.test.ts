import { EMPTY_ACCOUNT } from '../../../../functions/provision/observed';
import { planStatus } from '../../../../shared/model/plan/plan';
import type { ClusterSpec } from '../../../../shared/model/cluster-spec/schema';
import type { Observed, Step } from './support';
import { ACCOUNT, BASE, drifted, converged, must, plan, steps, withSpec } from './support';

const NODE_ROLE = `arn:aws:iam::${ACCOUNT}:role/orders-auto-node`;

function autoMode(
  enabled: boolean,
  nodePools: ClusterSpec['computeConfig'] extends infer C ? (C extends { nodePools: infer P } ? P : never) : never = ['general-purpose', 'system'],
): ClusterSpec {
  return withSpec({
    computeConfig: enabled ? { enabled, nodePools, nodeRoleArn: NODE_ROLE } : { enabled, nodePools: [] },
    kubernetesNetworkConfig: { elasticLoadBalancing: { enabled } },
    storageConfig: { blockStorage: { enabled } },
  });
}

const ON = autoMode(true);
const OFF = autoMode(false);

const autoModeRequest = (enabled: boolean, nodePools: string[] = ['general-purpose', 'system']) => ({
  name: 'orders',
  computeConfig: enabled ? { enabled, nodePools, nodeRoleArn: NODE_ROLE } : { enabled },
  kubernetesNetworkConfig: { elasticLoadBalancing: { enabled } },
  storageConfig: { blockStorage: { enabled } },
});

const update = (request: unknown): Step => ({ kind: 'UpdateClusterConfig', target: 'cluster/orders', classification: 'update', request });

/** A cluster that never had Auto Mode: EKS reports none of the three capabilities. */
function withoutAutoMode(o: Observed): void {
  delete o.cluster.computeConfig;
  delete o.cluster.storageConfig;
  delete o.cluster.kubernetesNetworkConfig;
}

describe('planCluster, EKS Auto Mode', () => {
  it('creates an Auto Mode cluster with all three capabilities, its node pools and role, and no self-managed add-ons', () => {
    // Act
    const created = plan(ON, EMPTY_ACCOUNT).actions[0];

    // Assess
    expect(created?.kind).toBe('CreateCluster');
    expect(created?.request).toMatchObject({ ...autoModeRequest(true), bootstrapSelfManagedAddons: false, accessConfig: { authenticationMode: 'API' } });
    expect(created?.changes).toEqual(
      expect.arrayContaining([
        { field: 'autoMode', to: 'on: compute, load balancing, block storage' },
        { field: 'computeConfig.nodePools', to: ['general-purpose', 'system'] },
        { field: 'computeConfig.nodeRoleArn', to: NODE_ROLE },
      ]),
    );
  });

  it('creates a cluster without Auto Mode fields when the spec leaves Auto Mode alone', () => {
    // Act
    const created = plan(BASE, EMPTY_ACCOUNT).actions[0];

    // Assess
    expect(created?.request).not.toHaveProperty('computeConfig');
    expect(created?.request).not.toHaveProperty('bootstrapSelfManagedAddons');
  });

  it.each<{ name: string; spec: ClusterSpec; observe: (o: Observed) => void; expected: Step[] }>([
    { name: 'turns Auto Mode on for a cluster that never had it', spec: ON, observe: withoutAutoMode, expected: [update(autoModeRequest(true))] },
    {
      name: 'changes the built-in node pools, with all three capabilities in the request',
      spec: autoMode(true, ['system']),
      observe: (o) => {
        must(o.cluster.computeConfig, 'compute config').nodePools = ['general-purpose', 'system'];
      },
      expected: [update(autoModeRequest(true, ['system']))],
    },
    {
      name: 'reports node pools EKS lists in another order as matching',
      spec: ON,
      observe: (o) => {
        must(o.cluster.computeConfig, 'compute config').nodePools = ['system', 'general-purpose'];
      },
      expected: [],
    },
    {
      name: 'turns all three capabilities off together',
      spec: OFF,
      observe: (o) => {
        o.cluster.computeConfig = { enabled: true, nodePools: ['general-purpose'], nodeRoleArn: NODE_ROLE };
        o.cluster.kubernetesNetworkConfig = { elasticLoadBalancing: { enabled: true } };
        o.cluster.storageConfig = { blockStorage: { enabled: true } };
      },
      expected: [update(autoModeRequest(false))],
    },
    { name: 'leaves a cluster without Auto Mode alone when the spec says off', spec: OFF, observe: withoutAutoMode, expected: [] },
    {
      name: 'leaves Auto Mode as it finds it when the spec does not name it',
      spec: BASE,
      observe: (o) => {
        o.cluster.computeConfig = { enabled: true, nodePools: ['system'], nodeRoleArn: NODE_ROLE };
      },
      expected: [],
    },
  ])('$name', ({ spec, observe, expected }) => {
    // Act
    const result = plan(spec, drifted(spec, observe));

    // Assess
    expect(steps(result)).toEqual(expected);
  });

  it('names the drifted field and says turning Auto Mode off terminates its instances', () => {
    // Prepare
    const observed = drifted(OFF, (o) => {
      o.cluster.computeConfig = { enabled: true, nodePools: ['general-purpose'], nodeRoleArn: NODE_ROLE };
      o.cluster.kubernetesNetworkConfig = { elasticLoadBalancing: { enabled: true } };
      o.cluster.storageConfig = { blockStorage: { enabled: true } };
    });

    // Act
    const [action] = plan(OFF, observed).actions;

    // Assess
    expect(action?.reason).toBe('EKS Auto Mode is on but the spec turns it off (EKS terminates the instances Auto Mode runs)');
    expect(action?.changes.map((change) => change.field)).toEqual([
      'computeConfig.enabled',
      'kubernetesNetworkConfig.elasticLoadBalancing.enabled',
      'storageConfig.blockStorage.enabled',
    ]);
  });

  it('reports changed node pools as drift of computeConfig.nodePools', () => {
    // Prepare
    const observed = drifted(ON, (o) => {
      must(o.cluster.computeConfig, 'compute config').nodePools = ['general-purpose'];
    });

    // Act
    const [action] = plan(ON, observed).actions;

    // Assess
    expect(action?.changes).toEqual([{ field: 'computeConfig.nodePools', from: ['general-purpose'], to: ['general-purpose', 'system'] }]);
  });

  it.each<{ name: string; spec: ClusterSpec; observe: (o: Observed) => void; reason: string }>([
    {
      name: 'compute on without load balancing and block storage (a spec built without the schema)',
      spec: withSpec({ computeConfig: { enabled: true, nodePools: ['system'], nodeRoleArn: NODE_ROLE } }),
      observe: withoutAutoMode,
      reason: 'EKS Auto Mode turns compute, load balancing and block storage on or off together',
    },
    {
      name: 'a new node role while compute is on',
      spec: ON,
      observe: (o) => {
        must(o.cluster.computeConfig, 'compute config').nodeRoleArn = `arn:aws:iam::${ACCOUNT}:role/older-auto-node`;
      },
      reason: 'the Auto Mode node role cannot change while Auto Mode compute is enabled',
    },
  ])('refuses $name', ({ spec, observe, reason }) => {
    // Act
    const result = plan(spec, drifted(spec, observe));

    // Assess
    expect(planStatus(result)).toBe('blocked');
    expect(result.actions.filter((action) => action.kind === 'Refuse').map((action) => action.reason.slice(0, reason.length))).toEqual([reason]);
    expect(result.actions.some((action) => action.kind === 'UpdateClusterConfig')).toBe(false);
  });

  it('refuses to create a cluster whose spec turns on part of Auto Mode', () => {
    // Prepare
    const spec = withSpec({ computeConfig: { enabled: true, nodePools: [], nodeRoleArn: NODE_ROLE }, storageConfig: { blockStorage: { enabled: true } } });

    // Act
    const result = plan(spec, EMPTY_ACCOUNT);

    // Assess
    expect(result.actions[0]?.kind).toBe('Refuse');
    expect(planStatus(result)).toBe('blocked');
  });

  it('plans nothing for an Auto Mode cluster that matches its spec', () => {
    // Act
    const result = plan(ON, converged(ON));

    // Assess
    expect(steps(result)).toEqual([]);
  });
});
