import type { EksWrite, EksWriteKind } from '../../shared/ports/eks';
import type { Action, Classification } from '../../shared/model/plan/plan';

type WriteAction<K extends EksWriteKind> = Action<K, Extract<EksWrite, { kind: K }>['request']> & {
  request: Extract<EksWrite, { kind: K }>['request'];
  classification: Exclude<Classification, 'forbidden' | 'no-op' | 'replace'>;
};

/**
 * Everything provision may plan: one member per EKS API action (carrying the exact request it
 * sends), and three that send nothing: Wait (something is in progress), Refuse (the spec asks for
 * what cannot change in place) and ReplaceNodegroup (a change EKS can only make by replacing the
 * group, which needs a person). Switches over `kind` are exhaustive (lint enforces it).
 */
export type ProvisionAction =
  | { [K in EksWriteKind]: WriteAction<K> }[EksWriteKind]
  | (Action<'Wait'> & { classification: 'no-op' })
  | (Action<'Refuse'> & { classification: 'forbidden' })
  | (Action<'ReplaceNodegroup'> & { classification: 'replace' });

export type ProvisionActionKind = ProvisionAction['kind'];

/** The actions that send a request to EKS. */
export type ProvisionWriteAction = Extract<ProvisionAction, { request: unknown }>;

export function isWrite(action: ProvisionAction): action is ProvisionWriteAction {
  return action.kind !== 'Wait' && action.kind !== 'Refuse' && action.kind !== 'ReplaceNodegroup';
}
