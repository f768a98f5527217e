import { planStatus } from '../../../../shared/model/plan/plan';
import type { Case, Step } from './support';
import { BASE, drifted, KMS_KEY, must, plan, steps, withSpec } from './support';

describe('planCluster classifies each difference from the spec', () => {
  const updateCluster = (request: Record<string, unknown>): Step => ({
    kind: 'UpdateClusterConfig',
    target: 'cluster/orders',
    classification: 'update',
    request: { name: 'orders', ...request },
  });
  const endpointRequest = {
    resourcesVpcConfig: { endpointPublicAccess: true, endpointPrivateAccess: true, publicAccessCidrs: ['203.0.113.0/24', '198.51.100.0/24'] },
  };
  const networkRequest = {
    resourcesVpcConfig: {
      subnetIds: ['subnet-0a00000000000000a', 'subnet-0b00000000000000b', 'subnet-0c00000000000000c'],
      securityGroupIds: ['sg-0a00000000000000a', 'sg-0b00000000000000b'],
    },
  };
  const updated: Case[] = [
    {
      name: 'control-plane logging: enables the missing types and disables the extra ones in one request',
      observe: (o) => {
        o.cluster.logging = {
          clusterLogging: [
            { types: ['api', 'audit', 'scheduler'], enabled: true },
            { types: ['authenticator', 'controllerManager'], enabled: false },
          ],
        };
      },
      expected: [
        updateCluster({
          logging: {
            clusterLogging: [
              { types: ['authenticator'], enabled: true },
              { types: ['scheduler'], enabled: false },
            ],
          },
        }),
      ],
    },
    {
      name: 'endpoint access',
      observe: (o) => {
        must(o.cluster.resourcesVpcConfig, 'VPC config').endpointPrivateAccess = false;
      },
      expected: [updateCluster(endpointRequest)],
    },
    {
      name: 'the CIDRs allowed to reach the public endpoint',
      observe: (o) => {
        must(o.cluster.resourcesVpcConfig, 'VPC config').publicAccessCidrs = ['0.0.0.0/0'];
      },
      expected: [updateCluster(endpointRequest)],
    },
    {
      name: 'control-plane subnets',
      observe: (o) => {
        must(o.cluster.resourcesVpcConfig, 'VPC config').subnetIds = ['subnet-0a00000000000000a', 'subnet-0b00000000000000b'];
      },
      expected: [updateCluster(networkRequest)],
    },
    {
      name: 'control-plane security groups',
      observe: (o) => {
        must(o.cluster.resourcesVpcConfig, 'VPC config').securityGroupIds = ['sg-0a00000000000000a'];
      },
      expected: [updateCluster(networkRequest)],
    },
    {
      name: 'the authentication mode, one step',
      observe: (o) => {
        o.cluster.accessConfig = { authenticationMode: 'API_AND_CONFIG_MAP' };
      },
      expected: [updateCluster({ accessConfig: { authenticationMode: 'API' } })],
    },
    {
      name: "envelope encryption, by associating the spec's KMS key",
      spec: withSpec({ encryptionKeyArn: KMS_KEY }),
      observe: (o) => {
        delete o.cluster.encryptionConfig;
      },
      expected: [
        {
          kind: 'AssociateEncryptionConfig',
          target: 'cluster/orders',
          classification: 'update',
          request: { clusterName: 'orders', encryptionConfig: [{ provider: { keyArn: KMS_KEY } }] },
        },
      ],
    },
  ];

  it.each(updated)('updates $name', ({ spec = BASE, observe, expected }) => {
    // Prepare
    const observed = drifted(spec, observe);

    // Act
    const result = plan(spec, observed);

    // Assess
    expect(steps(result)).toEqual(expected);
    expect(planStatus(result)).toBe('changes');
  });
});
