/** The shapes eip-manager's plan is made of: its options, what it found, and what it reports per pool. */
import type { Address } from '@aws-sdk/client-ec2';
import type { Plan } from '../../../shared/model/plan/plan';
import type { ElasticIpPoolSpec } from '../../../shared/model/cluster-spec/eip-pools';
import type { ClusterSpec } from '../../../shared/model/cluster-spec/schema';
import type { EipAction, ExistingAddress } from '../actions';
import type { Membership } from '../members';

export interface PlanPoolsOptions {
  /** The instant the plan is made for: decides whether an unused address may be released. */
  now: Date;
  /** Instances EC2 is about to take away (spot interruption warnings): they get no address, and theirs may go to a node that waits. */
  leaving?: readonly string[];
  /** Plan only these pools (by name); default every pool of the spec. */
  pools?: readonly string[];
  /** The spec file, for the plan's heading. */
  source?: string;
  /** The stage the allow-list parameters are named for (EKS_PILOT_STAGE); default `dev`. */
  stage?: string;
  /** The run's claim: the `eks-pilot/claim` tag every AllocateAddress carries, so the run can find what EC2 really allocated. */
  claim?: string;
}

/** Where a pool's address is, as the plan found it. */
export type HeldState =
  /** On a target of the pool (a running node, the pool's NAT gateway) or, for a reserved pool, in use by the load balancer. */
  | 'attached'
  | 'free'
  /** On an instance of the pool that is shutting down: it comes back to the pool. */
  | 'returning'
  /** On a running instance that has an interruption warning. */
  | 'leaving'
  /** On an instance of the pool that is pending, stopping or stopped: kept where it is. */
  | 'parked'
  /** On a node of the group a NAT gateway pool moves from (`moveFrom`): taken off it and associated with the gateway. */
  | 'moving'
  /** Associated with something that is not a target of the pool: never touched. */
  | 'elsewhere';

export interface HeldAddress extends ExistingAddress {
  state: HeldState;
  adopted: boolean;
  /** The instance, NAT gateway or network interface it is associated with. */
  attachedTo?: string;
}

/** One pool as the plan sees it: what it holds now and what the plan changes. */
export interface PoolView {
  name: string;
  count: number;
  /** What the addresses attach to, as a person reads it: `node group prod-ng`. */
  attachTo: string;
  /** The SSM parameter the pool's addresses are published to. */
  parameter: string;
  held: HeldAddress[];
  /** Addresses the plan allocates. */
  toAllocate: number;
  /** Allocation ids the plan releases. */
  toRelease: string[];
  /** Targets the pool serves: running instances, or the NAT gateway. */
  targets: number;
  /** Targets still without an address of the pool once the plan has run (the pool is smaller than its targets). */
  unserved: number;
  /** Addresses beyond `count` once the plan's releases have gone: a pool with surplus is never Converged. */
  surplus: number;
  /** The surplus addresses the plan does not release (attached, published, adopted, or maybe published): a person decides. */
  surplusKept: SurplusAddress[];
  /** NAT gateway pools: the pool's addresses EC2 failed to associate with the gateway, with EC2's message (a person raises the quota, say). */
  associationFailures?: string[];
}

/** An address beyond the pool's count that eip-manager keeps, and why it cannot release it on its own. */
export interface SurplusAddress extends ExistingAddress {
  state: HeldState;
  why: string;
}

/** A plan of Elastic IP actions, with a view of each pool it covers. */
export interface EipPlan extends Plan<EipAction> {
  pools: PoolView[];
}

/** What planning one pool gives: its actions, and the view of the pool they lead to. */
export interface PoolPlan {
  actions: EipAction[];
  view: PoolView;
}

/** Everything planning one pool reads. */
export interface PoolContext {
  spec: ClusterSpec;
  pool: ElasticIpPoolSpec;
  members: Address[];
  membership: ReadonlyMap<string, Membership>;
  options: PlanPoolsOptions;
  /** Allocation ids the pool's allow-list publishes; null when not read (then nothing counts as never published). */
  published: ReadonlySet<string> | null;
}

/** What the plan does with the addresses beyond a pool's count. */
export interface SurplusDecision {
  /** Released by this plan: allocated by the pool itself, unattached, never published. */
  releaseNow: HeldAddress[];
  /** Kept for a person to decide. */
  kept: HeldAddress[];
}
