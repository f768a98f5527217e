/**
 * Orchestration for eip-manager: observe through the EC2 port, plan, execute with the races
 * handled, publish each pool's addresses, report. One pool's failure (the quota, a refusal) never
 * stops the others.
 *
 * One writer per pool: in apply mode a run first takes each pool's lease (a conditional write in
 * the lease store, shared by every stage, stack and the CLI); a pool whose lease another run holds
 * is reported InProgress and gets no write. The lease lasts {@link POOL_LEASE_MS} and is renewed
 * before a write once half of it has run, so a holder that dies blocks the pool for minutes only,
 * and a run whose lease was taken over stops writing. Leases are given up when the run ends.
 *
 * Races that remain (a person in the console, a run without a lease store): before each
 * association the executor reads the addresses again; it sends AllowReassociation false, so EC2
 * refuses rather than moves an address in use; on that refusal it takes the next free address of
 * the pool. Releases are checked again against the spec's rule just before they are sent.
 */
import { randomUUID } from 'node:crypto';
import type { Address, Filter } from '@aws-sdk/client-ec2';
import type { Ec2Port } from '../../shared/ports/ec2';
import type { Lease, LeasePort } from '../../shared/ports/lease';
import { LeaseLostError } from '../../shared/ports/lease';
import { AddressInUseError, AddressLimitExceededError, AssociationConflictError, TargetGoneError } from '../../shared/ports/ec2';
import { EksPilotError, errorFacts, errorText, isTransient, ThrottledError, UpstreamError } from '../../shared/errors';
import type { Phrases } from '../../shared/reconcile/execute';
import { executePlan } from '../../shared/reconcile/execute';
import { finishReport, runFleet } from '../../shared/reconcile/fleet';
import type { TargetId } from '../../shared/model/plan/plan';
import { planStatus, targetId } from '../../shared/model/plan/plan';
import { POOL_TAG } from '../../shared/model/cluster-spec/runtime';
import type { ElasticIpPoolSpec } from '../../shared/model/cluster-spec/eip-pools';
import type { RunLogger } from '../../shared/reconcile/run-logger';
import type { Mode, Status } from '../../shared/reconcile/status';
import { statusOfFailure, worstStatus } from '../../shared/reconcile/status';
import type { ClusterSpec } from '../../shared/model/cluster-spec/schema';
import type { EipAction, EipWriteAction, ExistingAddress } from './actions';
import { isWrite } from './actions';
import { PoolQuotaError } from './errors';
import { addressOn, compareIps, poolMembership, tagsOf } from './members';
import type { Membership } from './members';
import { observe } from './observe';
import type { PublishedReader } from './observe';
import type { ObservedPools } from './observed';
import type { EipPlan, HeldState, PoolView } from './plan';
import { mayRelease, maySurplusRelease, planPools } from './plan';
import type { AllowListStore } from '../../shared/ports/allow-list';
import { allowListValue, DEFAULT_STAGE, legacyPoolParameterName, poolParameterName, publishedAllocationIds } from './publish';

/** The suite's one status vocabulary (shared/reconcile/status.ts). */
export type PoolStatus = Status;

export interface ExecutedEipAction {
  kind: EipWriteAction['kind'];
  pool: string;
  target: TargetId;
  allocationId?: string;
  publicIp?: string;
  associationId?: string;
  alreadyDone?: boolean;
}

export interface PoolReport {
  pool: string;
  status: PoolStatus;
  summary: string;
  count: number;
  /** Addresses the pool holds (after apply, in apply mode). */
  held: number;
  /** Of those, the ones on a target (or, reserved for a load balancer, in use by it). */
  attached: number;
  /** `count` minus `held`, never below 0. */
  missing: number;
  /** `held` minus `count`, never below 0: a pool with surplus is never Converged. */
  surplus: number;
  /** Targets without an address of the pool. */
  unserved: number;
  /** The allow-list: the public IPs the pool holds, in numeric order. */
  publicIps: string[];
  parameter: string;
  /** What became of the SSM parameter this run. */
  published: 'written' | 'unchanged' | 'not-written';
  /** AllocateAddress failed with AddressLimitExceeded. */
  quotaExhausted: boolean;
}

export interface PoolIssue {
  pool: string;
  target: TargetId;
  kind: string;
  reason: string;
}

export interface EipClusterReport {
  cluster: string;
  region: string;
  source?: string;
  mode: Mode;
  status: PoolStatus;
  summary: string;
  pools: PoolReport[];
  executed: ExecutedEipAction[];
  /** Actions left for a later run, with why. */
  deferred: PoolIssue[];
  /** Actions EC2 refused, refusals of the plan, the quota. */
  blocked: PoolIssue[];
  plan?: EipPlan;
}

export interface EipDeps {
  /** The EC2 port for a cluster: its Region, through its assume-role when it has one. */
  ec2For(spec: ClusterSpec): Ec2Port;
  /** Where pools are published; without it, apply publishes nothing (the CLI's plan needs none). */
  allowList?: AllowListStore;
  now(): Date;
  logger: RunLogger;
  /** A unique id for each run: its claim tag on every allocation and its lease owner. Default a random UUID. */
  runId?: () => string;
  /** The lease store for a cluster's pools (in its Region and account); without it apply takes no lease. */
  leaseFor?(spec: ClusterSpec): LeasePort;
  /** Who this run is, for someone who finds a pool's lease taken: `lambda eks-pilot-prod-eip-manager`. */
  holder?: string;
  /** The stage the allow-list parameters are named for (the stack's EKS_PILOT_STAGE); default `dev`. */
  stage?: string;
}

/**
 * How long a pool's lease lasts without renewal: beyond the function's timeout (120 s), so a
 * Lambda run never outlives it unnoticed, and short enough that a dead holder blocks its pools
 * for three minutes at most (the next scheduled run, five minutes on, takes over).
 */
export const POOL_LEASE_MS = 180_000;

/**
 * The lease key of a pool: Region and cluster name, as EC2 and the pool tags identify the addresses.
 *
 * @example
 * poolLeaseKey(spec, 'egress'); // 'eip-pool/sa-east-1/financial-move/egress'
 */
export function poolLeaseKey(spec: Pick<ClusterSpec, 'name' | 'region'>, pool: string): string {
  return `eip-pool/${spec.region}/${spec.name}/${pool}`;
}

export interface ReconcilePoolsOptions {
  mode: Mode;
  /** Reconcile only these pools (by name). */
  pools?: readonly string[];
  /** Instances with an interruption warning. */
  leaving?: readonly string[];
  source?: string;
}

/** Where an address sits on a target of its pool (or, reserved, in use by the load balancer). */
const ATTACHED: ReadonlySet<HeldState> = new Set<HeldState>(['attached', 'leaving', 'returning', 'moving']);

/** How many addresses an association tries before it leaves the target for a later run. */
const MAX_ASSOCIATION_ATTEMPTS = 5;

/** What execution did to one pool. */
interface PoolOutcome {
  allocated: ExistingAddress[];
  released: Set<string>;
  associated: number;
  reclaimed: number;
  notAssociated: number;
  quota?: PoolQuotaError;
}

/**
 * Reconciles the Elastic IP pools of one cluster. Errors reading the account become a Blocked or
 * InProgress report, never a thrown error, so one cluster cannot stop a fleet. A transient failure
 * of EC2 or SSM ({@link isTransient}: throttling, a 5xx, the network) is InProgress, retried by the
 * next run; Blocked is kept for what a person must fix (a refusal, the quota).
 *
 * @example
 * const report = await reconcilePools(spec, deps, { mode: 'apply' });
 * report.pools.map((pool) => [pool.pool, pool.publicIps]); // [['egress', ['198.51.100.7', '198.51.100.9']], ...]
 */
export async function reconcilePools(spec: ClusterSpec, deps: EipDeps, options: ReconcilePoolsOptions): Promise<EipClusterReport> {
  const report: EipClusterReport = {
    cluster: spec.name,
    region: spec.region,
    ...(options.source ? { source: options.source } : {}),
    mode: options.mode,
    status: 'Converged',
    summary: '',
    pools: [],
    executed: [],
    deferred: [],
    blocked: [],
  };
  const pools = options.pools === undefined ? spec.elasticIpPools : spec.elasticIpPools.filter((pool) => options.pools?.includes(pool.name));
  if (pools.length === 0) return finish(report, 'Converged', 'no Elastic IP pools to reconcile', deps);

  const claim = deps.runId?.() ?? randomUUID();
  const leases = options.mode === 'apply' && deps.leaseFor !== undefined ? new PoolLeases(deps.leaseFor(spec), spec, claim, deps) : undefined;
  try {
    return await reconcileLeased(spec, deps, options, report, pools, claim, leases);
  } finally {
    await leases?.releaseAll();
  }
}

async function reconcileLeased(
  spec: ClusterSpec,
  deps: EipDeps,
  options: ReconcilePoolsOptions,
  report: EipClusterReport,
  pools: readonly ElasticIpPoolSpec[],
  claim: string,
  leases: PoolLeases | undefined,
): Promise<EipClusterReport> {
  // Taken before anything is read, so what the run observes is what the last holder left.
  const refused = new Map<string, { status: PoolStatus; reason: string }>();
  for (const pool of leases === undefined ? [] : pools) {
    const refusal = await leases?.take(pool.name);
    if (refusal !== undefined) refused.set(pool.name, refusal);
  }
  const ec2 = deps.ec2For(spec);
  // What each allow-list held when observed: publishing compares with it rather than reading again.
  const seen = new Map<string, string | null>();
  const published = options.mode === 'apply' ? publishedReader(spec, deps, seen) : undefined;
  let observed: ObservedPools;
  try {
    observed = await observe(ec2, spec.name, pools, published);
  } catch (error) {
    // Throttling, a 5xx or the network: the next run reads again; anything else needs a person.
    const status = statusOfFailure(error);
    deps.logger.error('elastic IP observation failed', { cluster: spec.name, region: spec.region, status, error: errorFacts(error) });
    return finish(report, status, `could not read the account: ${errorText(error)}`, deps);
  }
  const now = deps.now();
  const planOptions = {
    now,
    stage: deps.stage ?? DEFAULT_STAGE,
    ...(options.leaving ? { leaving: options.leaving } : {}),
    ...(options.source ? { source: options.source } : {}),
    ...(options.mode === 'apply' ? { claim } : {}),
  };
  const plan = planPools(spec, observed, { ...planOptions, ...(options.pools ? { pools: options.pools } : {}) });
  report.plan = plan;

  if (options.mode === 'plan') {
    report.blocked = plan.actions.filter((action) => action.kind === 'Refuse').map((action) => issue(action, action.reason));
    report.pools = plan.pools.map((view) => planOnlyReport(view, plan));
    return finishFromPools(report, deps);
  }

  // Pools another run holds get no write: their report says so, with what the plan would do.
  const writable: EipPlan = {
    ...plan,
    actions: plan.actions.filter((action) => !refused.has(action.pool)),
    pools: plan.pools.filter((view) => !refused.has(view.name)),
  };
  const outcomes = newOutcomes(writable);
  const run = await execute(writable, spec, ec2, now, claim, outcomes, report, deps, leases);
  const views = new Map(writable.pools.map((view) => [view.name, view]));
  // EC2 allocated more than the plan asked (a retried AllocateAddress whose first answer was lost):
  // observe those pools again and let the plan decide what the surplus is, then carry that out.
  const surprised = [...run.surprises.keys()];
  if (surprised.length > 0) {
    try {
      const again = await observe(
        ec2,
        spec.name,
        pools.filter((pool) => surprised.includes(pool.name)),
        published,
      );
      const followUp = planPools(spec, again, { ...planOptions, pools: surprised });
      const followUpOutcomes = newOutcomes(followUp);
      await execute(followUp, spec, ec2, now, claim, followUpOutcomes, report, deps, leases);
      for (const view of followUp.pools) {
        const outcome = followUpOutcomes.get(view.name);
        if (outcome === undefined) continue;
        views.set(view.name, view);
        outcomes.set(view.name, outcome);
      }
    } catch (error) {
      // The pools keep their first-pass report: more than count held, so Drifted or InProgress.
      deps.logger.error('elastic IP surplus follow-up failed', { cluster: spec.name, pools: surprised, error: errorFacts(error) });
    }
  }
  for (const planned of plan.pools) {
    const refusal = refused.get(planned.name);
    if (refusal !== undefined) {
      const unchanged = planOnlyReport(planned, plan);
      report.pools.push({ ...unchanged, status: refusal.status, summary: `${refusal.reason}; ${unchanged.summary}` });
      continue;
    }
    const view = views.get(planned.name);
    const outcome = outcomes.get(planned.name);
    if (view === undefined || outcome === undefined) continue;
    report.pools.push(await appliedReport(spec, view, outcome, report, deps, seen, leases));
  }
  return finishFromPools(report, deps);
}

/** The leases of one run's pools: taken, renewed before writes once half their time has run, given up at the end. */
class PoolLeases {
  private readonly held = new Map<string, Lease>();
  /** Pools whose lease ran out and went to another run: nothing more is written to them. */
  private readonly lost = new Map<string, LeaseLostError>();

  constructor(
    private readonly port: LeasePort,
    private readonly spec: ClusterSpec,
    private readonly owner: string,
    private readonly deps: EipDeps,
  ) {}

  /** Takes a pool's lease; what to report instead when it cannot. */
  async take(pool: string): Promise<{ status: PoolStatus; reason: string } | undefined> {
    const key = poolLeaseKey(this.spec, pool);
    const facts = { cluster: this.spec.name, pool, key };
    try {
      const outcome = await this.port.acquire({
        key,
        owner: this.owner,
        holder: this.deps.holder ?? 'eip-manager',
        now: this.deps.now(),
        durationMs: POOL_LEASE_MS,
      });
      if (outcome.acquired) {
        this.held.set(pool, outcome.lease);
        return undefined;
      }
      const by = outcome.heldBy;
      this.deps.logger.info('elastic IP pool lease held by another run', {
        ...facts,
        holder: by?.holder,
        owner: by?.owner,
        expiresAt: by?.expiresAt.toISOString(),
      });
      const who = by === null ? 'another run' : `${by.holder} (run ${by.owner}, lease until ${by.expiresAt.toISOString()})`;
      return { status: 'InProgress', reason: `another run holds the pool's lease: ${who}; this run wrote nothing, the next one looks again` };
    } catch (error) {
      // Without the lease the run cannot know it is alone: it writes nothing.
      const status = statusOfFailure(error);
      this.deps.logger.error('elastic IP pool lease unavailable', { ...facts, status, error: errorFacts(error) });
      return { status, reason: `could not take the pool's lease (${errorText(error)}); this run wrote nothing` };
    }
  }

  /** Before a write: the lease is still this run's, renewed once half of it has run; else LeaseLostError. */
  async ensure(pool: string): Promise<void> {
    const gone = this.lost.get(pool);
    if (gone !== undefined) throw gone;
    const lease = this.held.get(pool);
    if (lease === undefined) return;
    const now = this.deps.now();
    if (lease.expiresAt.getTime() - now.getTime() > POOL_LEASE_MS / 2) return;
    const renewed = await this.port.renew(lease, now, POOL_LEASE_MS);
    if (renewed === null) {
      this.held.delete(pool);
      this.deps.logger.error('elastic IP pool lease lost', { cluster: this.spec.name, pool, key: lease.key, expiredAt: lease.expiresAt.toISOString() });
      const error = new LeaseLostError(`the lease of pool ${pool} ran out and another run took it over`, { context: { key: lease.key, pool } });
      this.lost.set(pool, error);
      throw error;
    }
    this.held.set(pool, renewed);
  }

  async releaseAll(): Promise<void> {
    for (const [pool, lease] of this.held) {
      try {
        await this.port.release(lease);
      } catch (error) {
        // It expires by itself within POOL_LEASE_MS.
        this.deps.logger.warn('elastic IP pool lease not released', { cluster: this.spec.name, pool, key: lease.key, error: errorFacts(error) });
      }
    }
    this.held.clear();
  }
}

function newOutcomes(plan: EipPlan): Map<string, PoolOutcome> {
  return new Map<string, PoolOutcome>(
    plan.pools.map((view) => [view.name, { allocated: [], released: new Set(), associated: 0, reclaimed: 0, notAssociated: 0 }]),
  );
}

/** Reads what each pool's allow-list publishes, so the plan knows which surplus nobody can know. A read that fails counts as unknown. */
function publishedReader(spec: ClusterSpec, deps: EipDeps, seen: Map<string, string | null>): PublishedReader | undefined {
  const store = deps.allowList;
  if (store === undefined) return undefined;
  return async (pool: ElasticIpPoolSpec) => {
    const parameter = poolParameterName({ stage: deps.stage ?? DEFAULT_STAGE, region: spec.region, cluster: spec.name }, pool.name);
    const legacy = legacyPoolParameterName(spec.name, pool.name);
    try {
      const [value, legacyValue] = await Promise.all([store.read(parameter), store.read(legacy)]);
      seen.set(parameter, value);
      if (legacyValue !== null) {
        // Kept: partners may still read it. Never written again (it collides across stages and Regions).
        deps.logger.warn('elastic IP pool still published under its old name', {
          cluster: spec.name,
          pool: pool.name,
          parameter,
          legacyParameter: legacy,
          reason: 'move readers to the new name, then delete the old parameter',
        });
      }
      const current = publishedAllocationIds(value);
      const before = publishedAllocationIds(legacyValue);
      return current === null || before === null ? null : [...new Set([...current, ...before])];
    } catch (error) {
      deps.logger.warn('elastic IP allow-list unreadable', { cluster: spec.name, pool: pool.name, parameter, error: errorFacts(error) });
      return null;
    }
  };
}

// ---- execution ----------------------------------------------------------------------------------

/** How eip-manager's reports word the executor's failures. */
const PHRASES: Phrases = {
  busy: (error) => `EC2 is busy (${errorText(error)}); the next run retries`,
  throttled: () => ({ reason: 'throttled by EC2 (RequestLimitExceeded); the next run retries', stop: 'EC2 throttled' }),
  unavailable: (error) => ({ reason: `EC2 did not answer (${errorText(error)}); the next run retries`, stop: 'EC2 did not answer' }),
  notSent: (stop) => `not sent: ${stop} this run`,
  logMessage: (kind, error) => {
    switch (kind) {
      case 'busy':
        return 'ec2 busy; left for the next run';
      case 'throttled':
        return 'ec2 throttled; stopping this run';
      case 'unavailable':
        return error instanceof LeaseLostError ? undefined : 'ec2 call failed for now; stopping this run';
      case 'rejected':
        return 'ec2 call failed';
      default:
        throw new Error(`unknown failure ${kind satisfies never as string}`);
    }
  },
};

/** Per-run state of the executor. */
interface Execution {
  spec: ClusterSpec;
  ec2: Ec2Port;
  now: Date;
  deps: EipDeps;
  report: EipClusterReport;
  outcomes: Map<string, PoolOutcome>;
  /** Addresses this run allocated, by slot. */
  slots: Map<string, ExistingAddress>;
  /** Why a slot has no address. */
  failedSlots: Map<string, string>;
  /** Allocation ids this run associated, or found taken: never offered again this run. */
  taken: Set<string>;
  /** Allocation ids later associations of the plan will use: a fallback leaves them alone. */
  promised: Set<string>;
  /** Allocation ids this run disassociated. */
  freed: Set<string>;
  /** The run's claim tag value, on every allocation it sends. */
  claim: string;
  /** Slots of the allocation batch being sent (one pool's AllocateAddress actions in a row). */
  batch: string[];
  /** Transient failures of the batch's allocations: the claim read decides whether they happened. */
  allocationErrors: Map<string, unknown>;
  /** Per pool: addresses the claim read found beyond what the plan asked for. */
  surprises: Map<string, ExistingAddress[]>;
  leases: PoolLeases | undefined;
}

async function execute(
  plan: EipPlan,
  spec: ClusterSpec,
  ec2: Ec2Port,
  now: Date,
  claim: string,
  outcomes: Map<string, PoolOutcome>,
  report: EipClusterReport,
  deps: EipDeps,
  leases: PoolLeases | undefined,
): Promise<Execution> {
  const run: Execution = {
    leases,
    spec,
    ec2,
    now,
    deps,
    report,
    outcomes,
    claim,
    batch: [],
    allocationErrors: new Map(),
    surprises: new Map(),
    slots: new Map(),
    failedSlots: new Map(),
    freed: new Set(),
    taken: new Set(),
    promised: new Set(
      plan.actions.flatMap((action) =>
        (action.kind === 'AssociateAddress' || action.kind === 'AssociateNatGatewayAddress') && !('slot' in action.address)
          ? [action.address.allocationId]
          : [],
      ),
    ),
  };
  const associates = (action: EipAction): boolean => action.kind === 'AssociateAddress' || action.kind === 'AssociateNatGatewayAddress';
  await executePlan<EipAction, EipWriteAction, unknown>(plan.actions, {
    isWrite,
    stance: (action) => (action.kind === 'Refuse' ? 'refuse' : 'note'),
    send: async (action, index) => {
      await run.leases?.ensure(action.pool);
      await executeOne(run, action);
      // The claim read ends a pool's allocations, or follows at once an allocation that got no answer.
      if (action.kind === 'AllocateAddress' && (run.allocationErrors.size > 0 || !nextWriteAllocates(plan.actions, index, action.pool)))
        await settleClaims(run, action.pool);
    },
    // A lost lease stops the run as a throttle does: another run writes the pool now.
    classify: (error) =>
      error instanceof LeaseLostError
        ? { kind: 'unavailable', reason: `not sent: ${error.message}; the next run takes over`, stop: 'the pool lease was lost' }
        : undefined,
    phrases: PHRASES,
    logger: deps.logger,
    facts: (action) => ({ cluster: spec.name, pool: action.pool }),
    // Each write records what it did itself (executeOne): an association may use another address than planned.
    onDone: () => undefined,
    onDeferred: (action, reason) => {
      report.deferred.push(issue(action, reason));
      if (associates(action)) outcomeOf(run, action.pool).notAssociated += 1;
    },
    onBlocked: (action, reason) => report.blocked.push(issue(action, reason)),
    onFailed: (action, error, failure) => {
      // A deferred association was counted above; a rejected one is not associated either.
      if (associates(action) && failure.kind === 'rejected') outcomeOf(run, action.pool).notAssociated += 1;
      if (action.kind === 'AllocateAddress') run.failedSlots.set(action.slot, `its allocation failed: ${errorText(error)}`);
    },
  });
  return run;
}

/** Whether the next write of the plan is another allocation of the same pool (the batch goes on). */
function nextWriteAllocates(actions: readonly EipAction[], index: number, pool: string): boolean {
  const next = actions.slice(index + 1).find(isWrite);
  return next?.kind === 'AllocateAddress' && next.pool === pool;
}

/** The claim read: this run's addresses of one pool, whatever EC2 answered or failed to answer. */
function claimFilters(run: Execution, pool: string): Filter[] {
  return [
    { Name: `tag:${POOL_TAG.claim}`, Values: [run.claim] },
    { Name: `tag:${POOL_TAG.cluster}`, Values: [run.spec.name] },
    { Name: `tag:${POOL_TAG.pool}`, Values: [pool] },
  ];
}

/**
 * After a pool's allocations: reads back every address carrying this run's claim and uses what EC2
 * really allocated. An address whose answer was lost fills its slot; one beyond the plan (the
 * SDK's retry of a call EC2 had carried out) is a surprise the follow-up plan decides about. A
 * failed allocation the read does not explain is thrown on: the run stops as for any transient
 * failure.
 */
async function settleClaims(run: Execution, pool: string): Promise<void> {
  const outcome = outcomeOf(run, pool);
  const batch = run.batch;
  run.batch = [];
  const filters = claimFilters(run, pool);
  // Checked here too: an emulator may ignore the filters.
  const claimed = (await run.ec2.describeAddresses(filters)).filter((address) => {
    const tags = tagsOf(address);
    return filters.every((filter) => (filter.Values ?? []).includes(tags[(filter.Name ?? '').slice('tag:'.length)] ?? '\u0000'));
  });
  const known = new Set(outcome.allocated.map((address) => address.allocationId));
  const unfilled = batch.filter((slot) => !run.slots.has(slot) && run.allocationErrors.has(slot));
  for (const address of [...claimed].sort((a, b) => (a.AllocationId ?? '').localeCompare(b.AllocationId ?? ''))) {
    const found = { allocationId: address.AllocationId ?? '', publicIp: address.PublicIp ?? '' };
    if (found.allocationId === '' || known.has(found.allocationId)) continue;
    outcome.allocated.push(found);
    const slot = unfilled.shift();
    if (slot !== undefined) {
      run.slots.set(slot, found);
      run.failedSlots.delete(slot);
      run.allocationErrors.delete(slot);
      run.report.executed.push({ kind: 'AllocateAddress', pool, target: `eip-pool/${pool}`, ...found });
      run.deps.logger.warn('elastic IP allocation found by its claim', {
        cluster: run.spec.name,
        pool,
        ...found,
        slot,
        claim: run.claim,
        reason: 'AllocateAddress gave no answer, but EC2 allocated the address',
      });
      continue;
    }
    run.surprises.set(pool, [...(run.surprises.get(pool) ?? []), found]);
    run.deps.logger.warn('elastic IP allocated beyond the plan', {
      cluster: run.spec.name,
      pool,
      ...found,
      claim: run.claim,
      reason: 'EC2 carried out an AllocateAddress twice (a retry after a lost answer)',
    });
  }
  const failed = batch.flatMap((slot) => (run.allocationErrors.has(slot) ? [run.allocationErrors.get(slot)] : []));
  for (const slot of batch) run.allocationErrors.delete(slot);
  if (failed.length > 0) throw failed[0];
}

async function executeOne(run: Execution, action: EipWriteAction): Promise<void> {
  switch (action.kind) {
    case 'AllocateAddress':
      return allocate(run, action);
    case 'AssociateAddress':
    case 'AssociateNatGatewayAddress':
      return associate(run, action);
    case 'DisassociateAddress': {
      const result = await run.ec2.execute({ kind: action.kind, request: action.request });
      outcomeOf(run, action.pool).reclaimed += 1;
      run.freed.add(action.address.allocationId);
      record(run, action, { ...action.address, ...(result.alreadyDone ? { alreadyDone: true } : {}) });
      run.deps.logger.info('elastic IP disassociated', {
        cluster: run.spec.name,
        pool: action.pool,
        allocationId: action.address.allocationId,
        publicIp: action.address.publicIp,
        instanceId: action.instanceId,
        reason: action.reason,
        ...(result.alreadyDone ? { alreadyDone: true } : {}),
      });
      return;
    }
    case 'ReleaseAddress':
      return release(run, action);
    case 'CreateTags':
      await run.ec2.execute({ kind: 'CreateTags', request: action.request });
      marked(
        run,
        action,
        action.request.Tags?.some((tag) => tag.Key === POOL_TAG.adoptedBy) === true ? 'elastic IP marked adopted' : 'elastic IP marked unused',
      );
      return;
    case 'DeleteTags':
      await run.ec2.execute({ kind: 'DeleteTags', request: action.request });
      marked(run, action, 'elastic IP unused mark cleared');
      return;
    default: {
      const unknown: never = action;
      throw new EksPilotError('unknown eip-manager action', { context: { kind: (unknown as { kind?: unknown }).kind } });
    }
  }
}

function marked(run: Execution, action: Extract<EipWriteAction, { kind: 'CreateTags' | 'DeleteTags' }>, message: string): void {
  record(run, action, action.address);
  run.deps.logger.info(message, {
    cluster: run.spec.name,
    pool: action.pool,
    allocationId: action.address.allocationId,
    publicIp: action.address.publicIp,
    reason: action.reason,
  });
}

async function allocate(run: Execution, action: Extract<EipWriteAction, { kind: 'AllocateAddress' }>): Promise<void> {
  const outcome = outcomeOf(run, action.pool);
  if (outcome.quota !== undefined) {
    run.failedSlots.set(action.slot, 'the Elastic IP quota is used up (AddressLimitExceeded)');
    return;
  }
  run.batch.push(action.slot);
  try {
    const result = await run.ec2.execute({ kind: 'AllocateAddress', request: action.request });
    if (result.allocationId === undefined || result.publicIp === undefined) {
      throw new UpstreamError('AllocateAddress answered no allocation id or public IP', { context: { action: 'AllocateAddress', pool: action.pool } });
    }
    const address = { allocationId: result.allocationId, publicIp: result.publicIp };
    run.slots.set(action.slot, address);
    outcome.allocated.push(address);
    record(run, action, address);
    run.deps.logger.info('elastic IP allocated', {
      cluster: run.spec.name,
      pool: action.pool,
      ...address,
      target: targetId(action.target),
      reason: action.reason,
    });
  } catch (error) {
    if (!(error instanceof AddressLimitExceededError)) {
      // No answer (the network, a 5xx): EC2 may have allocated all the same; the claim read decides.
      if (isTransient(error) && !(error instanceof ThrottledError)) {
        run.allocationErrors.set(action.slot, error);
        run.failedSlots.set(action.slot, `its allocation failed: ${errorText(error)}`);
        return;
      }
      throw error;
    }
    const pool = run.spec.elasticIpPools.find((candidate) => candidate.name === action.pool);
    const count = pool?.count ?? 0;
    const held = (run.report.plan?.pools.find((view) => view.name === action.pool)?.held.length ?? 0) + outcome.allocated.length;
    const quota = new PoolQuotaError(
      { cluster: run.spec.name, region: run.spec.region, pool: action.pool, count, held, missing: Math.max(0, count - held) },
      { cause: error },
    );
    outcome.quota = quota;
    run.failedSlots.set(action.slot, 'the Elastic IP quota is used up (AddressLimitExceeded)');
    run.report.blocked.push(issue(action, quota.message));
    run.deps.logger.error('elastic IP quota reached', {
      cluster: run.spec.name,
      region: run.spec.region,
      pool: action.pool,
      missing: quota.context.missing,
      error: errorFacts(quota),
    });
  }
}

/**
 * Associates an address with the action's target. Reads the addresses again first: a target that
 * holds an address of the pool now is done; the planned address, if someone took it meanwhile, is
 * replaced by the next free address of the pool. EC2's Resource.AlreadyAssociated (AllowReassociation
 * is false) means the same race lost at the last moment: try the next one.
 */
async function associate(run: Execution, action: Extract<EipWriteAction, { kind: 'AssociateAddress' | 'AssociateNatGatewayAddress' }>): Promise<void> {
  const outcome = outcomeOf(run, action.pool);
  const planned = 'slot' in action.address ? run.slots.get(action.address.slot) : action.address;
  if (planned === undefined) {
    const slot = 'slot' in action.address ? action.address.slot : '';
    outcome.notAssociated += 1;
    run.report.deferred.push(issue(action, `its address was not allocated: ${run.failedSlots.get(slot) ?? 'the allocation did not run'}`));
    return;
  }
  run.promised.delete(planned.allocationId);
  for (let attempt = 0; attempt < MAX_ASSOCIATION_ATTEMPTS; attempt += 1) {
    const fresh = await run.ec2.describeAddresses();
    const membership = poolMembership(run.spec.name, run.spec.elasticIpPools, fresh);
    if (action.kind === 'AssociateAddress') {
      const target = {
        instanceId: action.instanceId,
        networkInterfaceId: action.request.NetworkInterfaceId ?? '',
        privateIp: action.request.PrivateIpAddress ?? '',
      };
      const current = addressOn(fresh, target);
      if (current !== undefined) {
        if (membership.get(current.AllocationId ?? '')?.pool === action.pool) {
          outcome.associated += 1;
          record(run, action, { allocationId: current.AllocationId ?? '', publicIp: current.PublicIp ?? '', alreadyDone: true });
          run.deps.logger.info('elastic IP already on target', {
            cluster: run.spec.name,
            pool: action.pool,
            allocationId: current.AllocationId,
            publicIp: current.PublicIp,
            instanceId: action.instanceId,
          });
        } else {
          outcome.notAssociated += 1;
          run.report.deferred.push(issue(action, `${action.instanceId} took ${current.PublicIp ?? 'an address'} from outside the pool meanwhile: left alone`));
        }
        return;
      }
    }
    const candidate = pickCandidate(run, action.pool, planned, fresh, membership);
    if (candidate === undefined) {
      outcome.notAssociated += 1;
      run.report.deferred.push(issue(action, `no free address of pool ${action.pool} is left (taken meanwhile); the next run looks again`));
      run.deps.logger.warn('no free elastic IP left', { cluster: run.spec.name, pool: action.pool, target: targetId(action.target) });
      return;
    }
    try {
      const result =
        action.kind === 'AssociateAddress'
          ? await run.ec2.execute({ kind: 'AssociateAddress', request: { ...action.request, AllocationId: candidate.allocationId } })
          : await run.ec2.execute({ kind: 'AssociateNatGatewayAddress', request: { ...action.request, AllocationIds: [candidate.allocationId] } });
      run.taken.add(candidate.allocationId);
      outcome.associated += 1;
      record(run, action, { ...candidate, ...(result.associationId ? { associationId: result.associationId } : {}) });
      run.deps.logger.info('elastic IP associated', {
        cluster: run.spec.name,
        pool: action.pool,
        ...candidate,
        ...(action.kind === 'AssociateAddress'
          ? { instanceId: action.instanceId, networkInterfaceId: action.request.NetworkInterfaceId }
          : { natGatewayId: action.natGatewayId }),
        ...(result.associationId ? { associationId: result.associationId } : {}),
        reason: action.reason,
        ...(candidate.allocationId === planned.allocationId ? {} : { plannedAllocationId: planned.allocationId }),
      });
      return;
    } catch (error) {
      if (error instanceof TargetGoneError) {
        outcome.notAssociated += 1;
        run.report.deferred.push(issue(action, `${targetId(action.target)} no longer exists`));
        return;
      }
      if (!(error instanceof AssociationConflictError)) throw error;
      run.taken.add(candidate.allocationId);
      run.deps.logger.warn('elastic IP taken meanwhile; trying the next', {
        cluster: run.spec.name,
        pool: action.pool,
        allocationId: candidate.allocationId,
        publicIp: candidate.publicIp,
        target: targetId(action.target),
        code: error.context.code,
      });
    }
  }
  outcome.notAssociated += 1;
  run.report.deferred.push(issue(action, `every address tried was taken meanwhile (${MAX_ASSOCIATION_ATTEMPTS} attempts); the next run looks again`));
}

/**
 * The address to associate now: the planned one while it is free, else the next free address of
 * the pool that no later action of the plan is counting on. EC2 is eventually consistent: an
 * address this run allocated may be missing from a read right after, and one it disassociated may
 * still show its association; both are trusted as free (if they are not, EC2 refuses the
 * association, AllowReassociation being false, and the next address is tried).
 */
function pickCandidate(
  run: Execution,
  pool: string,
  planned: ExistingAddress,
  fresh: readonly Address[],
  membership: ReadonlyMap<string, Membership>,
): ExistingAddress | undefined {
  const isFreeMember = (address: Address): boolean => address.AssociationId === undefined && membership.get(address.AllocationId ?? '')?.pool === pool;
  if (!run.taken.has(planned.allocationId)) {
    const seen = fresh.find((address) => address.AllocationId === planned.allocationId);
    const allocatedNow = [...run.slots.values()].some((address) => address.allocationId === planned.allocationId);
    const freedNow = run.freed.has(planned.allocationId);
    if ((seen !== undefined && (isFreeMember(seen) || freedNow)) || (seen === undefined && allocatedNow)) return planned;
  }
  const next = fresh
    .filter((address) => isFreeMember(address) && !run.taken.has(address.AllocationId ?? '') && !run.promised.has(address.AllocationId ?? ''))
    .sort((a, b) => (a.AllocationId ?? '').localeCompare(b.AllocationId ?? ''))[0];
  return next === undefined ? undefined : { allocationId: next.AllocationId ?? '', publicIp: next.PublicIp ?? '' };
}

/** Releases only after checking the spec's rule again on a fresh read: a release nothing allows is never sent. */
async function release(run: Execution, action: Extract<EipWriteAction, { kind: 'ReleaseAddress' }>): Promise<void> {
  const facts = { cluster: run.spec.name, pool: action.pool, allocationId: action.address.allocationId, publicIp: action.address.publicIp };
  const pool = run.spec.elasticIpPools.find((candidate) => candidate.name === action.pool);
  const fresh = await run.ec2.describeAddresses();
  const address = fresh.find((candidate) => candidate.AllocationId === action.address.allocationId);
  if (address === undefined) {
    outcomeOf(run, action.pool).released.add(action.address.allocationId);
    record(run, action, { ...action.address, alreadyDone: true });
    return;
  }
  const membership = poolMembership(run.spec.name, run.spec.elasticIpPools, fresh);
  const member = membership.get(action.address.allocationId);
  const allowed =
    action.rule === 'surplus' ? maySurplusRelease(action.pool, member, address) : pool !== undefined && mayRelease(pool, member, address, run.now);
  if (!allowed) {
    run.report.deferred.push(issue(action, 'no longer releasable: the address changed since the plan (attached, re-tagged or adopted)'));
    run.deps.logger.warn('elastic IP release skipped', { ...facts, reason: 'no longer releasable on a fresh read' });
    return;
  }
  try {
    const result = await run.ec2.execute({ kind: 'ReleaseAddress', request: action.request });
    outcomeOf(run, action.pool).released.add(action.address.allocationId);
    record(run, action, { ...action.address, ...(result.alreadyDone ? { alreadyDone: true } : {}) });
    run.deps.logger.info('elastic IP released', { ...facts, target: targetId(action.target), rule: action.rule, reason: action.reason });
  } catch (error) {
    if (!(error instanceof AddressInUseError)) throw error;
    run.report.deferred.push(issue(action, 'attached meanwhile (InvalidIPAddress.InUse): kept'));
    run.deps.logger.warn('elastic IP release skipped', { ...facts, reason: 'attached meanwhile' });
  }
}

// ---- publishing and reports ---------------------------------------------------------------------

async function appliedReport(
  spec: ClusterSpec,
  view: PoolView,
  outcome: PoolOutcome,
  report: EipClusterReport,
  deps: EipDeps,
  seen: ReadonlyMap<string, string | null>,
  leases?: PoolLeases,
): Promise<PoolReport> {
  const held = [...view.held.filter((address) => !outcome.released.has(address.allocationId)), ...outcome.allocated];
  // Returning and leaving addresses count as attached until their disassociation has gone through.
  const attached = Math.max(0, view.held.filter((address) => ATTACHED.has(address.state)).length - outcome.reclaimed) + outcome.associated;
  const published = await publish(spec, view, held, report, deps, seen, leases);
  const blocked = report.blocked.filter((item) => item.pool === view.name);
  const deferred = report.deferred.filter((item) => item.pool === view.name);
  const missing = Math.max(0, view.count - held.length);
  const surplus = Math.max(0, held.length - view.count);
  // More than count is never Converged: a person decides about what eip-manager may not release.
  // EC2 failed an association with the NAT gateway (its address quota, say): a person acts, as for a refusal.
  const failures = view.associationFailures ?? [];
  const status: PoolStatus = blocked.length > 0 || failures.length > 0 ? 'Blocked' : deferred.length > 0 ? 'InProgress' : surplus > 0 ? 'Drifted' : 'Converged';
  const facts = [`holds ${held.length} of ${view.count}`, attachedOrInUse(view, attached)];
  const unserved = view.unserved + outcome.notAssociated;
  if (unserved > 0) facts.push(`${unserved} target(s) without an address`);
  if (surplus > 0) facts.push(surplusFacts(view, surplus));
  const reasons = [...blocked.map((item) => item.reason), ...failures, ...deferred.map((item) => item.reason)];
  if (surplus > 0)
    deps.logger.warn('elastic IP pool holds more than its count', {
      cluster: spec.name,
      pool: view.name,
      count: view.count,
      held: held.length,
      surplus,
      kept: view.surplusKept.map((address) => address.allocationId),
    });
  return {
    pool: view.name,
    status,
    summary: [...facts, ...reasons].join('; '),
    count: view.count,
    held: held.length,
    attached,
    missing,
    surplus,
    unserved,
    publicIps: held.map((address) => address.publicIp).sort(compareIps),
    parameter: view.parameter,
    published,
    quotaExhausted: outcome.quota !== undefined,
  };
}

/** Writes the pool's allow-list when it differs from what the parameter holds. */
async function publish(
  spec: ClusterSpec,
  view: PoolView,
  held: readonly ExistingAddress[],
  report: EipClusterReport,
  deps: EipDeps,
  seen: ReadonlyMap<string, string | null>,
  leases?: PoolLeases,
): Promise<PoolReport['published']> {
  if (deps.allowList === undefined) return 'not-written';
  const value = allowListValue(held);
  try {
    await leases?.ensure(view.name);
    // The run holds the pool's lease: nobody else wrote the parameter since it was observed.
    const current = seen.has(view.parameter) ? seen.get(view.parameter) : await deps.allowList.read(view.parameter);
    if (current === value) return 'unchanged';
    await deps.allowList.write(view.parameter, value);
    deps.logger.info('elastic IP pool published', {
      cluster: spec.name,
      pool: view.name,
      parameter: view.parameter,
      publicIps: held.map((address) => address.publicIp).sort(compareIps),
    });
    return 'written';
  } catch (error) {
    if (error instanceof LeaseLostError) {
      report.deferred.push({
        pool: view.name,
        target: `eip-pool/${view.name}`,
        kind: 'PutParameter',
        reason: `not published: ${error.message}; the next run takes over`,
      });
      return 'not-written';
    }
    const item = {
      pool: view.name,
      target: `eip-pool/${view.name}` as const,
      kind: 'PutParameter',
      reason: `could not publish to ${view.parameter}: ${errorText(error)}`,
    };
    // SSM throttled or down is retried by the next run (the value is written when it differs); a refusal needs a person.
    if (isTransient(error)) report.deferred.push({ ...item, reason: `${item.reason}; the next run retries` });
    else report.blocked.push(item);
    deps.logger.error('elastic IP pool publication failed', { cluster: spec.name, pool: view.name, parameter: view.parameter, error: errorFacts(error) });
    return 'not-written';
  }
}

function planOnlyReport(view: PoolView, plan: EipPlan): PoolReport {
  const actions = plan.actions.filter((action) => action.pool === view.name);
  const refused = actions.some((action) => action.kind === 'Refuse');
  const changes = planStatus({ subject: plan.subject, actions }) === 'changes';
  const attached = view.held.filter((address) => ATTACHED.has(address.state)).length;
  const pending = actions.filter(isWrite).map((action) => `${action.kind} ${targetId(action.target)}`);
  const surplus = Math.max(0, view.held.length - view.count);
  const summary = [
    `holds ${view.held.length} of ${view.count}`,
    attachedOrInUse(view, attached),
    ...(view.unserved > 0 ? [`${view.unserved} target(s) without an address`] : []),
    ...(view.surplus > 0 ? [surplusFacts(view, view.surplus)] : []),
    ...pending,
  ];
  return {
    pool: view.name,
    status: refused ? 'Blocked' : changes || surplus > 0 ? 'Drifted' : 'Converged',
    summary: summary.join('; '),
    count: view.count,
    held: view.held.length,
    attached,
    missing: Math.max(0, view.count - view.held.length),
    surplus,
    unserved: view.unserved,
    publicIps: view.held.map((address) => address.publicIp).sort(compareIps),
    parameter: view.parameter,
    published: 'not-written',
    quotaExhausted: false,
  };
}

/** `1 beyond count: eipalloc-… (198.51.100.7) is attached to i-…: eip-manager never releases it on its own. …` */
function surplusFacts(view: PoolView, surplus: number): string {
  const kept = view.surplusKept.map((address) => `${address.allocationId} (${address.publicIp}) ${address.why}`);
  return `${surplus} beyond count${kept.length > 0 ? `: ${kept.join('; ')}` : ''}`;
}

function attachedOrInUse(view: PoolView, attached: number): string {
  return view.attachTo.startsWith('reserved') ? `${attached} in use by a load balancer` : `${attached} attached`;
}

function finishFromPools(report: EipClusterReport, deps: EipDeps): EipClusterReport {
  return finish(
    report,
    worstStatus(report.pools.map((pool) => pool.status)),
    report.pools.map((pool) => `${pool.pool}: ${pool.status} (${pool.summary})`).join('; '),
    deps,
  );
}

function finish(report: EipClusterReport, status: PoolStatus, summary: string, deps: EipDeps): EipClusterReport {
  return finishReport(report, status, summary, deps.logger, 'elastic IP pools reconciled');
}

/**
 * Reconciles the pools of several clusters with bounded concurrency. A cluster whose run throws is
 * reported Blocked with the error; the others carry on.
 *
 * @example
 * const reports = await reconcilePoolFleet([{ spec, mode: 'apply' }], deps);
 */
export async function reconcilePoolFleet(
  items: readonly ({ spec: ClusterSpec; file?: string } & Omit<ReconcilePoolsOptions, 'source'>)[],
  deps: EipDeps,
  concurrency = 4,
): Promise<EipClusterReport[]> {
  return runFleet(items, {
    run: ({ spec, file, ...options }) => reconcilePools(spec, deps, { ...options, ...(file ? { source: file } : {}) }),
    failed: (head) => ({ ...head, pools: [], executed: [], deferred: [], blocked: [] }),
    logger: deps.logger,
    failure: 'elastic IP run failed',
    concurrency,
  });
}

// ---- helpers ------------------------------------------------------------------------------------

function outcomeOf(run: Execution, pool: string): PoolOutcome {
  let outcome = run.outcomes.get(pool);
  if (outcome === undefined) {
    outcome = { allocated: [], released: new Set(), associated: 0, reclaimed: 0, notAssociated: 0 };
    run.outcomes.set(pool, outcome);
  }
  return outcome;
}

function record(run: Execution, action: EipWriteAction, facts: Partial<ExistingAddress> & { associationId?: string; alreadyDone?: boolean }): void {
  run.report.executed.push({ kind: action.kind, pool: action.pool, target: targetId(action.target), ...facts });
}

function issue(action: EipAction, reason: string): PoolIssue {
  return { pool: action.pool, target: targetId(action.target), kind: action.kind, reason };
}
