import type {
  AssociateAccessPolicyCommandInput,
  CreateAccessEntryCommandInput,
  CreateAddonCommandInput,
  CreateClusterCommandInput,
  CreateNodegroupCommandInput,
} from '@aws-sdk/client-eks';
import type { Action } from '../../shared/plan/plan';

/**
 * Everything provision may do to an account, one member per EKS API action, each carrying the
 * exact request it sends. Switches over `kind` are exhaustive (lint enforces it).
 */
export type ProvisionAction =
  | (Action<'CreateCluster', CreateClusterCommandInput> & { classification: 'create' })
  | (Action<'CreateNodegroup', CreateNodegroupCommandInput> & { classification: 'create' })
  | (Action<'CreateAddon', CreateAddonCommandInput> & { classification: 'create' })
  | (Action<'CreateAccessEntry', CreateAccessEntryCommandInput> & { classification: 'create' })
  | (Action<'AssociateAccessPolicy', AssociateAccessPolicyCommandInput> & { classification: 'create' });

export type ProvisionActionKind = ProvisionAction['kind'];
