import { planStatus } from '../../../../shared/model/plan/plan';
import type { Observed, Step } from './support';
import { ACCOUNT, addonIn, BASE, DEPLOYER, drifted, entryIn, must, nodegroupIn, nodegroupsAt, plan, steps, withSpec } from './support';

describe('planCluster orders what it plans', () => {
  /** Logging, endpoint access, subnets and the authentication mode all differ. */
  const controlPlaneDrift = (o: Observed): void => {
    o.cluster.logging = { clusterLogging: [{ types: ['api', 'audit', 'authenticator', 'scheduler'], enabled: true }] };
    const vpc = must(o.cluster.resourcesVpcConfig, 'VPC config');
    vpc.endpointPrivateAccess = false;
    vpc.subnetIds = ['subnet-0a00000000000000a', 'subnet-0b00000000000000b'];
    o.cluster.accessConfig = { authenticationMode: 'API_AND_CONFIG_MAP' };
  };

  it('puts refusals first, then waits, control-plane config, version, node groups, add-ons, access entries and tags', () => {
    // Prepare
    const observed = drifted(BASE, (o) => {
      o.cluster.roleArn = `arn:aws:iam::${ACCOUNT}:role/another-cluster-role`;
      o.cluster.status = 'UPDATING';
      controlPlaneDrift(o);
      o.cluster.version = '1.30';
      nodegroupsAt(o, '1.30');
      nodegroupIn(o, 'web-ng').labels = { role: 'web' };
      addonIn(o, 'coredns').configurationValues = '{"replicaCount":2}';
      entryIn(o, DEPLOYER).entry.kubernetesGroups = ['deployers'];
      o.cluster.tags = { project: 'orders' };
    });

    // Act
    const result = plan(BASE, observed);

    // Assess
    expect(result.actions.map((action) => action.kind)).toEqual([
      'Refuse',
      'Wait',
      'UpdateClusterConfig',
      'UpdateClusterConfig',
      'UpdateClusterConfig',
      'UpdateClusterConfig',
      'UpdateClusterVersion',
      'UpdateNodegroupConfig',
      'UpdateAddon',
      'UpdateAccessEntry',
      'TagResource',
    ]);
    expect(planStatus(result)).toBe('blocked');
  });

  it('sends each kind of control-plane change in its own UpdateClusterConfig request, which is all EKS accepts', () => {
    // Prepare
    const observed = drifted(BASE, controlPlaneDrift);

    // Act
    const result = plan(BASE, observed);

    // Assess
    expect(steps(result)).toEqual(
      [
        { logging: { clusterLogging: [{ types: ['scheduler'], enabled: false }] } },
        { resourcesVpcConfig: { endpointPublicAccess: true, endpointPrivateAccess: true, publicAccessCidrs: ['203.0.113.0/24', '198.51.100.0/24'] } },
        {
          resourcesVpcConfig: {
            subnetIds: ['subnet-0a00000000000000a', 'subnet-0b00000000000000b', 'subnet-0c00000000000000c'],
            securityGroupIds: ['sg-0a00000000000000a', 'sg-0b00000000000000b'],
          },
        },
        { accessConfig: { authenticationMode: 'API' } },
      ].map((request): Step => ({ kind: 'UpdateClusterConfig', target: 'cluster/orders', classification: 'update', request: { name: 'orders', ...request } })),
    );
  });

  it.each<{ from: 'CONFIG_MAP' | 'API_AND_CONFIG_MAP' | undefined; to: 'API' | 'API_AND_CONFIG_MAP'; next: string }>([
    { from: 'CONFIG_MAP', to: 'API', next: 'API_AND_CONFIG_MAP' },
    { from: undefined, to: 'API', next: 'API_AND_CONFIG_MAP' },
    { from: 'CONFIG_MAP', to: 'API_AND_CONFIG_MAP', next: 'API_AND_CONFIG_MAP' },
    { from: 'API_AND_CONFIG_MAP', to: 'API', next: 'API' },
  ])('moves the authentication mode from $from towards $to through $next', ({ from, to, next }) => {
    // Prepare
    const spec = withSpec({ authenticationMode: to, accessEntries: [] });
    const observed = drifted(spec, (o) => {
      o.cluster.accessConfig = from === undefined ? undefined : { authenticationMode: from };
    });

    // Act
    const result = plan(spec, observed);

    // Assess
    expect(steps(result)).toEqual([
      {
        kind: 'UpdateClusterConfig',
        target: 'cluster/orders',
        classification: 'update',
        request: { name: 'orders', accessConfig: { authenticationMode: next } },
      },
    ]);
  });
});
