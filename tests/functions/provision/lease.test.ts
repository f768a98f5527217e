/**
 * provision's per-cluster lease: with the fan-out's concurrency, a duplicate SQS delivery, the
 * schedule and a manual apply can meet on one cluster; only the run holding the cluster's lease
 * sends writes. Against the EKS double and the lease double (testing/fake-lease.ts, which yields on
 * every call so runs started together interleave, as two Lambda invocations do).
 */
import type { ClusterReport, ProvisionDeps } from '../../../functions/provision/run';
import { PROVISION_LEASE_MS, provisionLeaseKey, reconcileCluster } from '../../../functions/provision/run';
import type { ClusterSpec } from '../../../shared/model/cluster-spec/schema';
import { FakeEks } from '../../../testing/fake-eks';
import { FakeLeases } from '../../../testing/fake-lease';
import { minimalSpecYaml, parseSpecOrThrow } from '../../../testing/specs';

const NOW = new Date('2026-12-01T10:05:00Z');
const GROUP = { name: 'web-ng', min: 2, max: 4 };

function world(): { spec: ClusterSpec; eks: FakeEks; leases: FakeLeases; warnings: { message: string; facts: Record<string, unknown> }[] } {
  const spec = parseSpecOrThrow(minimalSpecYaml({ name: 'alpha', region: 'eu-west-1', account: '111122223330', nodeGroups: [GROUP] }), 'alpha.yaml');
  const eks = new FakeEks({ region: spec.region });
  eks.seedFromSpec(spec);
  // Drifted by hand: the apply has one write to send.
  eks.changeNodegroup(spec.name, 'web-ng', (group) => {
    group.scalingConfig = { ...group.scalingConfig, maxSize: 9 };
  });
  return { spec, eks, leases: new FakeLeases(), warnings: [] };
}

function depsOf(w: ReturnType<typeof world>, run: string): ProvisionDeps {
  return {
    eksFor: () => w.eks,
    now: () => NOW,
    logger: { info: () => undefined, warn: (message, facts) => w.warnings.push({ message, facts }), error: () => undefined },
    lease: { leaseFor: () => w.leases, holder: `lambda eks-pilot-prod-provision (request ${run})`, owner: () => run },
  };
}

const writesOf = (eks: FakeEks): string[] => eks.writes().map((call) => call.name);

describe("provision's per-cluster lease", () => {
  it('lets only one of two interleaved applies on one cluster send writes; the other skips it, naming the holder', async () => {
    // Prepare: the schedule's queued message and a manual apply, started together.
    const w = world();

    // Act
    const [queued, manual] = await Promise.all([
      reconcileCluster(w.spec, depsOf(w, 'queued-1'), { mode: 'apply' }),
      reconcileCluster(w.spec, depsOf(w, 'manual-2'), { mode: 'apply' }),
    ]);

    // Assess: one UpdateNodegroupConfig in all; the second run says who holds the cluster, until when, and is not an error.
    expect(writesOf(w.eks)).toEqual(['UpdateNodegroupConfig']);
    expect(queued.executed.map((item) => item.kind)).toEqual(['UpdateNodegroupConfig']);
    expect(manual).toMatchObject<Partial<ClusterReport>>({ status: 'InProgress', executed: [], drift: ['nodegroup/web-ng scaling.max'] });
    const until = new Date(NOW.getTime() + PROVISION_LEASE_MS).toISOString();
    expect(manual.summary).toBe(
      `skipped: another provision run holds the cluster (lambda eks-pilot-prod-provision (request queued-1), lease until ${until}); it applies the changes`,
    );
    expect(manual.plan).toBeDefined();
    expect(w.warnings).toEqual([
      {
        message: 'cluster skipped: provision lease held',
        facts: expect.objectContaining({ cluster: 'alpha', lease: 'provision/eu-west-1/alpha', until }) as unknown,
      },
    ]);
    // Released in finally: the next run finds the cluster free.
    expect(w.leases.current(provisionLeaseKey(w.spec))).toBeUndefined();
    expect(w.leases.calls.map((call) => `${call.name} ${call.owner} ${call.outcome}`)).toEqual([
      'acquire queued-1 ok',
      'acquire manual-2 refused',
      'release queued-1 ok',
    ]);
  });

  it('reads the cluster again under the lease, so a run that waited for it sends nothing the holder already sent', async () => {
    // Prepare: between this run's first read and its lease, the run that held the cluster applied the change and gave the lease back.
    const w = world();
    const deps = depsOf(w, 'late-3');
    const leases = w.leases;
    deps.lease = {
      ...(deps.lease as NonNullable<ProvisionDeps['lease']>),
      leaseFor: () => ({
        acquire: (request) => {
          w.eks.changeNodegroup(w.spec.name, 'web-ng', (group) => {
            group.scalingConfig = { ...group.scalingConfig, maxSize: 4 };
          });
          return leases.acquire(request);
        },
        renew: (lease, now, durationMs) => leases.renew(lease, now, durationMs),
        release: (lease) => leases.release(lease),
      }),
    };

    // Act
    const report = await reconcileCluster(w.spec, deps, { mode: 'apply' });

    // Assess: the fresh read under the lease found nothing to do.
    expect(report.status).toBe('Converged');
    expect(writesOf(w.eks)).toEqual([]);
    expect(w.leases.calls.map((call) => `${call.name} ${call.owner} ${call.outcome}`)).toEqual(['acquire late-3 ok', 'release late-3 ok']);
  });

  it('does not apply when the answer to its lease write was lost, and gives the lease back so the next run is not kept off', async () => {
    // Prepare: the PutItem landed, its answer did not come back.
    const w = world();
    w.leases.loseNextAnswer();

    // Act
    const lost = await reconcileCluster(w.spec, depsOf(w, 'run-4'), { mode: 'apply' });
    const next = await reconcileCluster(w.spec, depsOf(w, 'run-5'), { mode: 'apply' });

    // Assess: the first run sent nothing and says why (transient: the next run tries again); the second applies at once.
    expect(lost.status).toBe('InProgress');
    expect(lost.summary).toMatch(
      /^not applied: the cluster's lease could not be taken \(LeaseStoreError: acquire on the lease table failed: socket hang up\); the next run tries again$/,
    );
    expect(lost.executed).toEqual([]);
    expect(next.executed.map((item) => item.kind)).toEqual(['UpdateNodegroupConfig']);
    expect(writesOf(w.eks)).toEqual(['UpdateNodegroupConfig']);
    expect(w.leases.calls.map((call) => `${call.name} ${call.owner} ${call.outcome}`)).toEqual([
      'acquire run-4 failed',
      'release run-4 ok',
      'acquire run-5 ok',
      'release run-5 ok',
    ]);
  });

  it('takes no lease for a plan, nor for an apply of a converged cluster', async () => {
    // Prepare
    const w = world();
    const converged = world();
    converged.eks.changeNodegroup(converged.spec.name, 'web-ng', (group) => {
      group.scalingConfig = { ...group.scalingConfig, maxSize: 4 };
    });

    // Act
    const plan = await reconcileCluster(w.spec, depsOf(w, 'plan-6'), { mode: 'plan' });
    const apply = await reconcileCluster(converged.spec, depsOf(converged, 'apply-7'), { mode: 'apply' });

    // Assess
    expect(plan.status).toBe('Drifted');
    expect(apply.status).toBe('Converged');
    expect([...w.leases.calls, ...converged.leases.calls]).toEqual([]);
  });
});
