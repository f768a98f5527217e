import type {
  AllocateAddressCommandInput,
  AssociateAddressCommandInput,
  AssociateNatGatewayAddressCommandInput,
  CreateTagsCommandInput,
  DeleteTagsCommandInput,
  DisassociateAddressCommandInput,
  ReleaseAddressCommandInput,
} from '@aws-sdk/client-ec2';
import type { Action } from '../../shared/model/plan/plan';

/** An address that exists: its allocation id and public IP. */
export interface ExistingAddress {
  allocationId: string;
  publicIp: string;
}

/**
 * The address an association uses: one that exists, or the one an AllocateAddress of the same plan
 * brings (by its `slot`, e.g. `egress#1`), whose allocation id is only known once it has run.
 */
export type AddressRef = ExistingAddress | { slot: string };

type PoolAction<K extends string, R> = Action<K, R> & { request: R; pool: string };

/**
 * Everything eip-manager may plan: one member per EC2 API action (carrying the request it sends,
 * the allocation id filled in at execution when the address is allocated by the same plan), and
 * two that send nothing: Note (a fact a person should read, such as nodes the pool is too small
 * for) and Refuse (the pool cannot be reconciled as written). Switches over `kind` are exhaustive.
 */
export type EipAction =
  | (PoolAction<'AllocateAddress', AllocateAddressCommandInput> & { classification: 'create'; slot: string })
  | (PoolAction<'AssociateAddress', AssociateAddressCommandInput> & { classification: 'update'; address: AddressRef; instanceId: string })
  | (PoolAction<'AssociateNatGatewayAddress', AssociateNatGatewayAddressCommandInput> & { classification: 'update'; address: AddressRef; natGatewayId: string })
  | (PoolAction<'DisassociateAddress', DisassociateAddressCommandInput> & { classification: 'update'; address: ExistingAddress; instanceId: string })
  | (PoolAction<'ReleaseAddress', ReleaseAddressCommandInput> & { classification: 'delete'; address: ExistingAddress; rule: ReleaseRule })
  | (PoolAction<'CreateTags', CreateTagsCommandInput> & { classification: 'update'; address: ExistingAddress })
  | (PoolAction<'DeleteTags', DeleteTagsCommandInput> & { classification: 'update'; address: ExistingAddress })
  | (Action<'Note'> & { classification: 'no-op'; pool: string })
  | (Action<'Refuse'> & { classification: 'forbidden'; pool: string });

/**
 * Why a release is allowed, checked again on a fresh read just before it is sent: `afterUnused`,
 * the spec's policy; `surplus`, an address beyond the pool's count that the pool allocated itself
 * (a lost AllocateAddress answer, say), unattached and never published, so nobody can know it.
 */
export type ReleaseRule = 'afterUnused' | 'surplus';

export type EipActionKind = EipAction['kind'];

/** The actions that send a request to EC2. */
export type EipWriteAction = Exclude<EipAction, { kind: 'Note' | 'Refuse' }>;

/**
 * @example
 * plan.actions.filter(isWrite).map((action) => action.request); // what apply sends, in order
 */
export function isWrite(action: EipAction): action is EipWriteAction {
  return action.kind !== 'Note' && action.kind !== 'Refuse';
}

/**
 * `203.0.113.10 (eipalloc-0a1b...)` or `new address egress#1`, for plans and logs.
 *
 * @example
 * describeRef({ slot: 'egress#1' }); // 'new address egress#1'
 */
export function describeRef(ref: AddressRef): string {
  return 'slot' in ref ? `new address ${ref.slot}` : `${ref.publicIp} (${ref.allocationId})`;
}
