import type { ProvisionAction } from '../../../../functions/provision/actions';
import type { ObservedState } from '../../../../functions/provision/observed';
import { EMPTY_ACCOUNT } from '../../../../functions/provision/observed';
import type { Plan, TargetId } from '../../../../shared/model/plan/plan';
import type { Observed } from './support';
import { addonIn, ADMINS, BASE, convergedCluster, DEPLOYER, drifted, entryIn, nodegroupIn, plan, without } from './support';

describe('planCluster says what each action waits for', () => {
  /** Node group, add-on and access-entry changes, none on the control plane. */
  const dataPlaneDrift = (o: Observed): void => {
    o.nodeGroups = without(o.nodeGroups, 'jobs-ng');
    nodegroupIn(o, 'web-ng').labels = { role: 'web' };
    addonIn(o, 'coredns').configurationValues = '{"replicaCount":2}';
    entryIn(o, DEPLOYER).entry.kubernetesGroups = ['deployers'];
  };
  const afterOf = (result: Plan<ProvisionAction>): [string, readonly TargetId[] | undefined][] =>
    result.actions.map((action) => [`${action.kind} ${action.target.name}`, action.after]);

  it('makes node group and add-on changes wait for a pending control-plane update', () => {
    // Prepare
    const observed = drifted(BASE, (o) => {
      dataPlaneDrift(o);
      o.cluster.logging = { clusterLogging: [{ types: ['api', 'audit'], enabled: true }] };
    });

    // Act
    const result = plan(BASE, observed);

    // Assess
    expect(afterOf(result)).toEqual([
      ['UpdateClusterConfig orders', undefined],
      ['UpdateNodegroupConfig web-ng', ['cluster/orders']],
      ['CreateNodegroup jobs-ng', ['cluster/orders']],
      ['UpdateAddon coredns', ['cluster/orders']],
      [`UpdateAccessEntry ${DEPLOYER}`, undefined],
    ]);
  });

  it('makes node group and add-on changes wait while the cluster is UPDATING', () => {
    // Prepare
    const observed = drifted(BASE, (o) => {
      dataPlaneDrift(o);
      o.cluster.status = 'UPDATING';
    });

    // Act
    const result = plan(BASE, observed);

    // Assess
    expect(afterOf(result)).toEqual([
      ['Wait orders', undefined],
      ['UpdateNodegroupConfig web-ng', ['cluster/orders']],
      ['CreateNodegroup jobs-ng', ['cluster/orders']],
      ['UpdateAddon coredns', ['cluster/orders']],
      [`UpdateAccessEntry ${DEPLOYER}`, undefined],
    ]);
  });

  it('lets node group and add-on changes start at once when nothing is pending on the control plane', () => {
    // Prepare
    const observed = drifted(BASE, dataPlaneDrift);

    // Act
    const result = plan(BASE, observed);

    // Assess
    expect(afterOf(result)).toEqual([
      ['UpdateNodegroupConfig web-ng', undefined],
      ['CreateNodegroup jobs-ng', undefined],
      ['UpdateAddon coredns', undefined],
      [`UpdateAccessEntry ${DEPLOYER}`, undefined],
    ]);
  });

  it('associates access policies only after their access entry', () => {
    // Prepare
    const observed = drifted(BASE, (o) => {
      o.accessEntries = without(o.accessEntries, DEPLOYER);
      entryIn(o, ADMINS).policies = [];
    });

    // Act
    const result = plan(BASE, observed);

    // Assess
    expect(afterOf(result)).toEqual([
      [`AssociateAccessPolicy ${ADMINS}/AmazonEKSClusterAdminPolicy`, [`access-entry/${ADMINS}`]],
      [`CreateAccessEntry ${DEPLOYER}`, undefined],
      [`AssociateAccessPolicy ${DEPLOYER}/AmazonEKSEditPolicy`, [`access-entry/${DEPLOYER}`]],
      [`AssociateAccessPolicy ${DEPLOYER}/AmazonEKSViewPolicy`, [`access-entry/${DEPLOYER}`]],
    ]);
  });

  it('creates everything in a CREATING cluster only after the cluster, nodes after the network add-ons, pod add-ons after the nodes', () => {
    // Prepare: what observe() reads while the cluster is CREATING, the cluster and nothing else.
    const observed: ObservedState = { ...EMPTY_ACCOUNT, cluster: { ...convergedCluster(BASE), status: 'CREATING' } };

    // Act
    const result = plan(BASE, observed);

    // Assess
    expect(afterOf(result)).toEqual([
      ['Wait orders', undefined],
      ['CreateNodegroup web-ng', ['cluster/orders', 'addon/vpc-cni']],
      ['CreateNodegroup jobs-ng', ['cluster/orders', 'addon/vpc-cni']],
      ['CreateAddon vpc-cni', ['cluster/orders']],
      ['CreateAddon coredns', ['cluster/orders', 'nodegroup/web-ng', 'nodegroup/jobs-ng']],
      [`CreateAccessEntry ${ADMINS}`, ['cluster/orders']],
      [`AssociateAccessPolicy ${ADMINS}/AmazonEKSClusterAdminPolicy`, [`access-entry/${ADMINS}`]],
      [`CreateAccessEntry ${DEPLOYER}`, ['cluster/orders']],
      [`AssociateAccessPolicy ${DEPLOYER}/AmazonEKSEditPolicy`, [`access-entry/${DEPLOYER}`]],
      [`AssociateAccessPolicy ${DEPLOYER}/AmazonEKSViewPolicy`, [`access-entry/${DEPLOYER}`]],
    ]);
  });

  it('creates access entries only after the authentication mode admits them', () => {
    // Prepare: a cluster still on the aws-auth ConfigMap has no access entries to read.
    const observed = drifted(BASE, (o) => {
      o.cluster.accessConfig = { authenticationMode: 'CONFIG_MAP' };
      o.accessEntries = {};
    });

    // Act
    const result = plan(BASE, observed);

    // Assess
    expect(afterOf(result)).toEqual([
      ['UpdateClusterConfig orders', undefined],
      [`CreateAccessEntry ${ADMINS}`, ['cluster/orders']],
      [`AssociateAccessPolicy ${ADMINS}/AmazonEKSClusterAdminPolicy`, [`access-entry/${ADMINS}`]],
      [`CreateAccessEntry ${DEPLOYER}`, ['cluster/orders']],
      [`AssociateAccessPolicy ${DEPLOYER}/AmazonEKSEditPolicy`, [`access-entry/${DEPLOYER}`]],
      [`AssociateAccessPolicy ${DEPLOYER}/AmazonEKSViewPolicy`, [`access-entry/${DEPLOYER}`]],
    ]);
  });
});
