/** What the tests of scale-watch's plan share beyond ../support.ts: picking actions of one kind. */
import type { ScaleWatchAction } from '../../../../functions/scale-watch/actions';

export function only<K extends ScaleWatchAction['kind']>(actions: readonly ScaleWatchAction[], kind: K): Extract<ScaleWatchAction, { kind: K }>[] {
  return actions.filter((action): action is Extract<ScaleWatchAction, { kind: K }> => action.kind === kind);
}
