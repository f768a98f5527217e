import type { ClusterReport, ProvisionDeps } from '../../../functions/provision/run';
import { reconcileCluster } from '../../../functions/provision/run';
import { RequestRejectedError } from '../../../shared/errors';
import type { ClusterSpec } from '../../../shared/model/cluster-spec/schema';
import { FakeEks } from '../../../testing/fake-eks';
import { autoModeSpec } from '../../../testing/specs';

const NOW = new Date('2026-11-22T12:00:00Z');
const MAX_INVOCATIONS = 10;
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

function depsFor(eks: FakeEks): ProvisionDeps {
  return { eksFor: () => eks, now: () => NOW, logger: quiet };
}

/** Scheduled runs in apply mode, time passing between them, until the cluster converges. */
async function converge(spec: ClusterSpec, eks: FakeEks): Promise<ClusterReport[]> {
  const reports: ClusterReport[] = [];
  for (let run = 0; run < MAX_INVOCATIONS; run += 1) {
    const report = await reconcileCluster(spec, depsFor(eks), { mode: 'apply' });
    reports.push(report);
    if (report.status === 'Converged' && report.executed.length === 0) return reports;
    if (report.status === 'Blocked') throw new Error(`blocked: ${report.summary}`);
    eks.settle();
  }
  throw new Error(`did not converge in ${MAX_INVOCATIONS} runs: ${reports.map((report) => report.summary).join(' | ')}`);
}

describe('reconcileCluster, EKS Auto Mode and Pod Identity against the fake EKS', () => {
  it('creates an Auto Mode cluster with its two associations from an empty account and converges', async () => {
    // Prepare
    const spec = autoModeSpec();
    const eks = new FakeEks({ region: 'eu-west-1' });

    // Act
    await converge(spec, eks);

    // Assess
    const create = eks.writes().find((call) => call.name === 'CreateCluster');
    expect(create?.input).toMatchObject({ bootstrapSelfManagedAddons: false, computeConfig: { enabled: true, nodePools: ['general-purpose', 'system'] } });
    expect(eks.cluster('auto')).toMatchObject({
      computeConfig: { enabled: true, nodePools: ['general-purpose', 'system'], nodeRoleArn: 'arn:aws:iam::111122223333:role/auto-auto-node' },
      kubernetesNetworkConfig: { elasticLoadBalancing: { enabled: true } },
      storageConfig: { blockStorage: { enabled: true } },
    });
    expect(eks.podIdentities('auto').map((association) => [association.namespace, association.serviceAccount, association.tags])).toEqual([
      ['kube-system', 'cluster-autoscaler', { 'eks-pilot/managed': 'true' }],
      ['shop', 'orders', { 'eks-pilot/managed': 'true' }],
    ]);
    expect(eks.writes().filter((call) => call.name === 'CreatePodIdentityAssociation')).toHaveLength(2);
  });

  it('turns Auto Mode on for an existing cluster in one UpdateClusterConfig carrying all three capabilities', async () => {
    // Prepare
    const spec = autoModeSpec();
    const eks = new FakeEks({ region: 'eu-west-1' });
    eks.seedFromSpec({ ...spec, computeConfig: undefined, kubernetesNetworkConfig: undefined, storageConfig: undefined });

    // Act
    await converge(spec, eks);

    // Assess
    expect(eks.writes().map((call) => call.name)).toEqual(['UpdateClusterConfig']);
    expect(eks.updates('auto').map((update) => update.type)).toEqual(['AutoModeUpdate']);
    expect(eks.cluster('auto')?.computeConfig?.enabled).toBe(true);
  });

  it('reports node pools someone changed as drift in plan mode and puts them back in apply mode', async () => {
    // Prepare
    const spec = autoModeSpec();
    const eks = new FakeEks({ region: 'eu-west-1' });
    eks.seedFromSpec(spec);
    eks.changeCluster('auto', (cluster) => {
      cluster.computeConfig = { ...cluster.computeConfig, nodePools: ['system'] };
    });

    // Act
    const planned = await reconcileCluster(spec, depsFor(eks), { mode: 'plan' });
    await converge(spec, eks);

    // Assess
    expect(planned.status).toBe('Drifted');
    expect(planned.drift).toEqual(['cluster/auto computeConfig.nodePools']);
    expect(eks.cluster('auto')?.computeConfig?.nodePools).toEqual(['general-purpose', 'system']);
  });

  it('answers an Auto Mode update that is not all on or all off with the InvalidParameterException EKS sends', async () => {
    // Prepare
    const eks = new FakeEks({ region: 'eu-west-1' });
    eks.seedFromSpec(autoModeSpec());

    // Act
    const sent = eks.execute({ kind: 'UpdateClusterConfig', request: { name: 'auto', computeConfig: { enabled: false } } });

    // Assess
    await expect(sent).rejects.toThrow(RequestRejectedError);
    await expect(sent).rejects.toThrow(
      'For EKS Auto Mode, please ensure that all required configs, including computeConfig, kubernetesNetworkConfig, and blockStorage are all either fully enabled or fully disabled.',
    );
  });

  it('creates one association when the answer to the first create was lost and the next run sends it again', async () => {
    // Prepare: EKS made the association, its answer never arrived, and the listing does not show it yet.
    const spec = autoModeSpec();
    const eks = new FakeEks({ region: 'eu-west-1' });
    eks.seedFromSpec({ ...spec, podIdentities: [] });
    const first = await reconcileCluster({ ...spec, podIdentities: spec.podIdentities?.slice(1) }, depsFor(eks), { mode: 'plan' });
    const lost = first.plan?.actions.find((action) => action.kind === 'CreatePodIdentityAssociation');
    if (lost?.kind !== 'CreatePodIdentityAssociation') throw new Error('expected a planned create');
    await eks.execute({ kind: lost.kind, request: lost.request });

    // Act
    const retried = await reconcileCluster(spec, depsFor(eks), { mode: 'apply' });

    // Assess
    expect(retried.executed.map((item) => `${item.kind} ${item.target}`)).toEqual([
      'CreatePodIdentityAssociation pod-identity/kube-system/cluster-autoscaler',
      'CreatePodIdentityAssociation pod-identity/shop/orders',
    ]);
    expect(eks.podIdentities('auto').filter((association) => association.serviceAccount === 'orders')).toHaveLength(1);
    expect(eks.podIdentities('auto')).toHaveLength(2);
  });

  it("deletes the association eks-pilot made that the spec drops, and never someone else's", async () => {
    // Prepare
    const spec = autoModeSpec();
    const eks = new FakeEks({ region: 'eu-west-1' });
    eks.seedFromSpec(spec);
    const theirs = eks.seedPodIdentity('auto', { namespace: 'shop', serviceAccount: 'billing', roleArn: 'arn:aws:iam::111122223333:role/billing' });

    // Act
    const reports = await converge({ ...spec, podIdentities: spec.podIdentities?.slice(0, 1) }, eks);

    // Assess
    expect(reports[0]?.executed.map((item) => `${item.kind} ${item.target}`)).toEqual(['DeletePodIdentityAssociation pod-identity/shop/orders']);
    expect(eks.podIdentities('auto').map((association) => association.associationId)).toEqual([expect.any(String) as unknown, theirs]);
    expect(eks.podIdentities('auto').map((association) => association.serviceAccount)).toEqual(['cluster-autoscaler', 'billing']);
  });

  it('reads no Pod Identity associations for a spec without podIdentities', async () => {
    // Prepare
    const spec = autoModeSpec();
    const eks = new FakeEks({ region: 'eu-west-1' });
    eks.seedFromSpec(spec);

    // Act
    await reconcileCluster({ ...spec, podIdentities: undefined }, depsFor(eks), { mode: 'plan' });

    // Assess
    expect(eks.reads().filter((call) => call.name.includes('PodIdentity'))).toEqual([]);
  });
});
