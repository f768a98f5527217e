/**
 * readsOf, the cost the fan-out budgets a cluster's run at, against what observe really reads from
 * the fake EKS seeded as each example converged: on the five-minute checks (no access-entry detail)
 * and on the detailed runs.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { observe, readsOf } from '../../../functions/provision/observe';
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
});
