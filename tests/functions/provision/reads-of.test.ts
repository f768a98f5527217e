/**
 * readsOf, the cost the fan-out budgets a cluster's run at, against what observe really reads from
 * the fake EKS seeded as each example converged: on the five-minute checks (no access-entry detail)
 * and on the detailed runs.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { observe, readsOf, YOUNG_CLUSTER_MS } from '../../../functions/provision/observe';
import { loadSpecs } from '../../../shared/model/cluster-spec/load';
import { FakeEks } from '../../../testing/fake-eks';

const EXAMPLES = path.join(__dirname, '../../../examples');
const examples = readdirSync(EXAMPLES, { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name)
  .sort();

describe('readsOf', () => {
  it.each(examples.flatMap((name) => [true, false].map((detail) => [name, detail] as const)))(
    'counts every read observe makes of a converged %s (access-entry detail: %s)',
    async (name, detail) => {
      // Prepare
      const [loaded] = await loadSpecs([path.join(EXAMPLES, name, 'cluster.yaml')]);
      if (!loaded) throw new Error(`no spec for ${name}`);
      const eks = new FakeEks({ region: loaded.spec.region });
      eks.seedFromSpec(loaded.spec);

      // Act
      await observe(eks, loaded.spec, { accessEntryDetail: detail });

      // Assess
      expect(readsOf(loaded.spec, { accessEntryDetail: detail })).toBe(eks.reads().length);
    },
  );

  it('reads the Pod Identity associations on a five-minute check only while the cluster is under an hour old', async () => {
    // Prepare
    const [loaded] = await loadSpecs([path.join(EXAMPLES, 'kianax', 'cluster.yaml')]);
    if (!loaded) throw new Error('no spec for kianax');
    const eks = new FakeEks({ region: loaded.spec.region });
    eks.seedFromSpec(loaded.spec);
    const createdAt = (await eks.describeCluster(loaded.spec.name))?.createdAt;
    if (createdAt === undefined) throw new Error('the fake gave the cluster no createdAt');
    const young = new Date(createdAt.getTime() + YOUNG_CLUSTER_MS - 60_000);
    const old = new Date(createdAt.getTime() + YOUNG_CLUSTER_MS + 60_000);

    // Act
    const whileYoung = await observe(eks, loaded.spec, { accessEntryDetail: false, now: young });
    const once = await observe(eks, loaded.spec, { accessEntryDetail: false, now: old });
    const hourly = await observe(eks, loaded.spec, { accessEntryDetail: true, now: old });

    // Assess
    expect(whileYoung.podIdentities?.map((found) => found.summary.serviceAccount)).toEqual(['cluster-autoscaler']);
    expect(once.podIdentities).toBeUndefined();
    expect(hourly.podIdentities?.map((found) => found.summary.serviceAccount)).toEqual(['cluster-autoscaler']);
  });
});
