import type { EksWrite } from '../../shared/ports/eks';
import type { Action } from '../../shared/model/plan/plan';

type EksKind = 'UpdateNodegroupConfig' | 'TagResource' | 'UntagResource';

type EksAction<K extends EksKind> = Action<K, Extract<EksWrite, { kind: K }>['request']> & {
  request: Extract<EksWrite, { kind: K }>['request'];
  classification: 'update';
};

/** A JSON merge patch of one HPA or ScaledObject: its bounds and its override annotations together. */
export interface ScalerPatch {
  apiVersion: string;
  kind: 'HorizontalPodAutoscaler' | 'ScaledObject';
  namespace: string;
  name: string;
  patch: { metadata?: { annotations: Record<string, string | null> }; spec?: Record<string, number | null> };
}

/**
 * Everything scale-watch may plan for one rule: the three EKS writes on a node group (its bounds,
 * recording the override, removing it), one merge patch per HPA or ScaledObject, and three that send
 * nothing: Hold (a decision not to move: cooldown, hold time, ceiling, stale event), Wait (the node
 * group is busy) and Refuse (a target that does not exist). Switches over `kind` are exhaustive.
 */
export type ScaleWatchAction =
  | EksAction<'UpdateNodegroupConfig'>
  | EksAction<'TagResource'>
  | EksAction<'UntagResource'>
  | (Action<'PatchScaler', ScalerPatch> & { request: ScalerPatch; classification: 'update' })
  | (Action<'Hold'> & { classification: 'no-op' })
  | (Action<'Wait'> & { classification: 'no-op' })
  | (Action<'Refuse'> & { classification: 'forbidden' });

export type ScaleWatchWrite = Extract<ScaleWatchAction, { request: unknown }>;

/**
 * Whether the action sends a request (to EKS or the Kubernetes API).
 *
 * @example
 * plan.actions.filter(isWrite);
 */
export function isWrite(action: ScaleWatchAction): action is ScaleWatchWrite {
  switch (action.kind) {
    case 'UpdateNodegroupConfig':
    case 'TagResource':
    case 'UntagResource':
    case 'PatchScaler':
      return true;
    case 'Hold':
    case 'Wait':
    case 'Refuse':
      return false;
    default:
      throw new Error(`unknown action ${(action satisfies never as ScaleWatchAction).kind}`);
  }
}

/**
 * The actions that move a bound (rather than only record or remove an override).
 *
 * @example
 * plan.actions.filter(movesBounds); // UpdateNodegroupConfig, and PatchScaler with a spec field
 */
export function movesBounds(action: ScaleWatchAction): boolean {
  return (
    action.kind === 'UpdateNodegroupConfig' || (action.kind === 'PatchScaler' && action.changes.some((change) => !change.field.startsWith('annotations.')))
  );
}
