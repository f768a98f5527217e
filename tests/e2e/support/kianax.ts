/**
 * kianax as provision leaves it (its own suite converges it), seeded into moto for the suites that
 * start after provision: the cluster and general-ng at the spec's bounds.
 */
import { CreateClusterCommand, CreateNodegroupCommand } from '@aws-sdk/client-eks';
import type { EKSClient } from '@aws-sdk/client-eks';

/**
 * Creates the kianax cluster and its general-ng node group through an EKS client pointed at moto.
 *
 * @example
 * await createKianax(new EKSClient(moto.clientConfig('us-east-1')));
 */
export async function createKianax(eks: EKSClient): Promise<void> {
  await eks.send(
    new CreateClusterCommand({
      name: 'kianax',
      version: '1.31',
      roleArn: 'arn:aws:iam::777788889999:role/kianax-eks-cluster',
      resourcesVpcConfig: { subnetIds: ['subnet-0aaa1111bbbb2222a', 'subnet-0aaa1111bbbb2222b'] },
    }),
  );
  await eks.send(
    new CreateNodegroupCommand({
      clusterName: 'kianax',
      nodegroupName: 'general-ng',
      nodeRole: 'arn:aws:iam::777788889999:role/kianax-eks-node',
      subnets: ['subnet-0aaa1111bbbb2222a'],
      instanceTypes: ['t3.medium'],
      scalingConfig: { minSize: 2, maxSize: 6, desiredSize: 2 },
      labels: { role: 'general' },
    }),
  );
}
