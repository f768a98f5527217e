import type { AutoScalingWrite, AutoScalingWriteKind } from '../../shared/ports/autoscaling';
import type { EksWrite, EksWriteKind } from '../../shared/ports/eks';
import type { Action, Classification } from '../../shared/model/plan/plan';

type WriteAction<K extends EksWriteKind> = Action<K, Extract<EksWrite, { kind: K }>['request']> & {
  request: Extract<EksWrite, { kind: K }>['request'];
  classification: Exclude<Classification, 'forbidden' | 'no-op' | 'replace'>;
};

type AutoScalingAction<K extends AutoScalingWriteKind> = Action<K, Extract<AutoScalingWrite, { kind: K }>['request']> & {
  request: Extract<AutoScalingWrite, { kind: K }>['request'];
  classification: 'update';
};

/**
 * Everything provision may plan: one member per EKS API action and per Auto Scaling API action
 * (the Cluster Autoscaler tags of a node group's Auto Scaling group), each carrying the exact
 * request it sends, and three that send nothing: Wait (something is in progress), Refuse (the spec asks for
 * what cannot change in place) and ReplaceNodegroup (a change EKS can only make by replacing the
 * group, which needs a person). Switches over `kind` are exhaustive (lint enforces it).
 */
export type ProvisionAction =
  | { [K in EksWriteKind]: WriteAction<K> }[EksWriteKind]
  | { [K in AutoScalingWriteKind]: AutoScalingAction<K> }[AutoScalingWriteKind]
  | (Action<'Wait'> & { classification: 'no-op' })
  | (Action<'Refuse'> & { classification: 'forbidden' })
  | (Action<'ReplaceNodegroup'> & { classification: 'replace' });

export type ProvisionActionKind = ProvisionAction['kind'];

/** The actions that send a request (to EKS or to Auto Scaling). */
export type ProvisionWriteAction = Extract<ProvisionAction, { request: unknown }>;

/** The actions that send a request to Auto Scaling. */
export type AutoScalingWriteAction = Extract<ProvisionAction, { kind: AutoScalingWriteKind }>;

/**
 * Whether a write goes to Auto Scaling rather than EKS.
 *
 * @example
 * if (isAutoScalingWrite(action)) await autoScaling.execute(action); else await eks.execute(action);
 */
export function isAutoScalingWrite(action: ProvisionWriteAction): action is AutoScalingWriteAction {
  return action.kind === 'CreateOrUpdateTags' || action.kind === 'DeleteTags';
}

export function isWrite(action: ProvisionAction): action is ProvisionWriteAction {
  return action.kind !== 'Wait' && action.kind !== 'Refuse' && action.kind !== 'ReplaceNodegroup';
}
