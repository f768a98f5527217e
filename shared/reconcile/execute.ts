/**
 * The executor every reconciling function shares: it runs a plan's actions in order and decides,
 * once for all of them, what `after` means, when a target is busy, and what a failed write means
 * for the rest of the run. A function brings only its "send for each write kind" (through its
 * port) and the words its reports use.
 *
 * The rules:
 * - One in-flight operation per target: after a Wait on a target, or a write this run sent that
 *   starts an operation there (it does not `settle` when its call answers, such as an EKS update),
 *   the target's later writes wait for a later run. A write that settles (a tag, an access entry,
 *   or whatever the function counts done once the service accepts it) leaves its target free.
 * - A Refuse holds its target for the whole run; so does a write of it that failed or waited.
 * - `after: [T]` waits until T is done: no Wait or Refuse on T anywhere in the plan, no operation
 *   of T in flight, no other write of T pending (not yet sent, not selected, or failed), wherever
 *   it stands in the plan.
 * - A failure is classified once ({@link classifyFailure}): already done is success; busy (EKS
 *   ResourceInUseException, a Kubernetes 409) leaves the target for a later run and the others go
 *   on; throttled, or no answer (a 5xx, the network), stops the run: nothing more is sent, every
 *   write left is listed as deferred for the next run; rejected blocks the target and the others go
 *   on. Anything else is a bug and is thrown on.
 */
import { errorFacts, isTransient, RequestRejectedError, ResourceBusyError, ThrottledError, UpstreamError } from '../errors';
import { KubernetesConflictError } from '../ports/kubernetes-errors';
import type { Action, TargetId } from '../model/plan/plan';
import { targetId } from '../model/plan/plan';
import type { RunLogger } from './run-logger';

/** What became of a write that did not go through, in the one meaning every function shares. */
export type Failure =
  /** The target is busy (EKS ResourceInUseException, a Kubernetes 409): it is left for a later run; the others go on. */
  | { kind: 'busy'; reason: string }
  /** Throttled past the SDK's retries: nothing more is sent this run. */
  | { kind: 'throttled'; reason: string; stop: string }
  /** No answer (a 5xx, the network) past the SDK's retries, or the run lost the right to write: nothing more is sent this run. */
  | { kind: 'unavailable'; reason: string; stop: string }
  /** Refused: the target is blocked until a person acts; the others go on. */
  | { kind: 'rejected'; reason: string };

/** A failed call's meaning: one of the {@link Failure}s, or the answer that what it asked for is already so. */
export type Classification = Failure | { kind: 'already-done' };

/** The words a function's reports use for each failure; the meaning is the executor's. */
export interface Phrases {
  /** Why a write the service was busy for is left for a later run. */
  busy(error: unknown): string;
  /** Why a throttled write is deferred, and how the stop is named in the writes left after it. */
  throttled(error: unknown): { reason: string; stop: string };
  /** Why a write that got no answer is deferred, and how the stop is named in the writes left after it. */
  unavailable(error: unknown): { reason: string; stop: string };
  /** Why a write was not sent once the run stopped (`stop` as the failure named it). */
  notSent(stop: string): string;
  /** The message of the log line for a failure (warn for busy and a stop, error for a rejection); `undefined` logs none. */
  logMessage(kind: Failure['kind'], error: unknown): string | undefined;
}

/**
 * The shared classification of a failed write: busy, throttled, no answer, rejected; `undefined`
 * for an error none of them covers (a bug, thrown on).
 *
 * @example
 * classifyFailure(new ResourceBusyError('UpdateNodegroupConfig: ResourceInUseException'), phrases).kind; // 'busy'
 * classifyFailure(new ThrottledError('UpdateNodegroupConfig throttled'), phrases).kind; // 'throttled'
 */
export function classifyFailure(error: unknown, phrases: Phrases): Failure | undefined {
  if (error instanceof ResourceBusyError || error instanceof KubernetesConflictError) return { kind: 'busy', reason: phrases.busy(error) };
  if (error instanceof ThrottledError) return { kind: 'throttled', ...phrases.throttled(error) };
  if (isTransient(error)) return { kind: 'unavailable', ...phrases.unavailable(error) };
  if (error instanceof RequestRejectedError || error instanceof UpstreamError) return { kind: 'rejected', reason: error.message };
  return undefined;
}

/** What a function tells the executor about its plan, and how it hears back. */
export interface ExecuteHooks<A extends Action, W extends A, R> {
  /** Whether the action sends a request. */
  isWrite(action: A): action is W;
  /** What an action that sends nothing means: `wait`, an operation is under way on its target; `refuse`, its target cannot be done; `note`, nothing to the
   * run. */
  stance(action: A): 'wait' | 'refuse' | 'note';
  /** The function's "send for each write kind": the request through its port. `index` is the action's place in the plan. */
  send(action: W, index: number): Promise<R>;
  /** Whether the write is done once its call answers (default); false: it starts an operation that holds its target for the rest of the run. */
  settles?(action: W): boolean;
  /** Whether this run may send the write (provision's `only`); default true. A write not selected is not reported and stays pending for `after`. */
  selected?(action: W): boolean;
  /** Asked before the shared classification, for a failure only one function knows (eip-manager's lost lease); `undefined` falls through. */
  classify?(error: unknown): Classification | undefined;
  phrases: Phrases;
  /** A write went through; `already-done` when the failure said what it asked for was already so. */
  onDone(action: W, result: R | 'already-done'): void;
  /** An action left for a later run, with why (a Wait's own reason when `reportWaits`). */
  onDeferred(action: A, reason: string): void;
  /** An action refused by the plan or the service, with why. */
  onBlocked(action: A, reason: string): void;
  /** A write failed (after its deferral or block is reported): the function's own bookkeeping. */
  onFailed?(action: W, error: unknown, failure: Failure): void;
  /** Whether each Wait is listed among the deferred actions (with its own reason). Default false. */
  reportWaits?: boolean;
  logger: RunLogger;
  /** The facts every log line about an action carries (cluster, pool, rule, ...). */
  facts(action: A): Record<string, unknown>;
}

/** What {@link executePlan} did, in counts. */
export interface ExecutionSummary {
  sent: number;
  /** Why the run stopped sending, when it did. */
  stopped?: string;
}

/**
 * Runs `actions` in order by the rules above, reporting through the hooks.
 *
 * @example
 * await executePlan(plan.actions, {
 *   isWrite, stance: (action) => (action.kind === 'Wait' ? 'wait' : 'refuse'),
 *   send: (action) => eks.execute(action), settles: (action) => SYNCHRONOUS.has(action.kind),
 *   phrases, logger, facts: () => ({ cluster: 'kianax' }),
 *   onDone: (action, result) => report.executed.push(...), onDeferred: ..., onBlocked: ...,
 * });
 */
export async function executePlan<A extends Action, W extends A, R>(actions: readonly A[], hooks: ExecuteHooks<A, W, R>): Promise<ExecutionSummary> {
  /** Targets with a Wait anywhere in the plan: `after` them waits. */
  const waits = new Set<TargetId>();
  /** Targets with an operation under way: a Wait met so far, or an operation this run started. */
  const underWay = new Set<TargetId>();
  /** Targets the plan refuses. */
  const refused = new Set<TargetId>();
  /** Targets a write of which failed or waited this run: nothing more goes to them. */
  const leftOver = new Set<TargetId>();
  /** Writes of each target not yet done. */
  const pending = new Map<TargetId, number>();
  for (const action of actions) {
    const target = targetId(action.target);
    if (hooks.isWrite(action)) pending.set(target, (pending.get(target) ?? 0) + 1);
    else if (hooks.stance(action) === 'wait') waits.add(target);
    else if (hooks.stance(action) === 'refuse') refused.add(target);
  }
  const unfinished = (id: TargetId, self: TargetId): boolean =>
    waits.has(id) || underWay.has(id) || refused.has(id) || leftOver.has(id) || (pending.get(id) ?? 0) > (id === self ? 1 : 0);
  const summary: ExecutionSummary = { sent: 0 };

  for (const [index, action] of actions.entries()) {
    const target = targetId(action.target);
    if (!hooks.isWrite(action)) {
      const stance = hooks.stance(action);
      if (stance === 'refuse') hooks.onBlocked(action, action.reason);
      if (stance === 'wait') {
        underWay.add(target);
        if (hooks.reportWaits === true) hooks.onDeferred(action, action.reason);
      }
      continue;
    }
    if (hooks.selected !== undefined && !hooks.selected(action)) continue;
    if (summary.stopped !== undefined) {
      hooks.onDeferred(action, hooks.phrases.notSent(summary.stopped));
      continue;
    }
    const ownBusy = refused.has(target) || leftOver.has(target) || underWay.has(target);
    const waitingFor = ownBusy ? target : action.after?.find((id) => unfinished(id, target));
    if (waitingFor !== undefined) {
      leftOver.add(target);
      hooks.onDeferred(action, `waits for ${waitingFor}`);
      continue;
    }
    try {
      const result = await hooks.send(action, index);
      summary.sent += 1;
      pending.set(target, (pending.get(target) ?? 1) - 1);
      if (!(hooks.settles?.(action) ?? true)) underWay.add(target);
      hooks.onDone(action, result);
    } catch (error) {
      const classified = hooks.classify?.(error) ?? classifyFailure(error, hooks.phrases);
      if (classified === undefined) throw error;
      if (classified.kind === 'already-done') {
        summary.sent += 1;
        pending.set(target, (pending.get(target) ?? 1) - 1);
        hooks.onDone(action, 'already-done');
        continue;
      }
      leftOver.add(target);
      const message = hooks.phrases.logMessage(classified.kind, error);
      const facts = { ...hooks.facts(action), action: action.kind, target };
      switch (classified.kind) {
        case 'busy':
          hooks.onDeferred(action, classified.reason);
          if (message !== undefined) hooks.logger.warn(message, { ...facts, error: errorFacts(error) });
          break;
        case 'throttled':
        case 'unavailable':
          hooks.onDeferred(action, classified.reason);
          // A throttle says all there is to say; no answer carries what the SDK last saw.
          if (message !== undefined) hooks.logger.warn(message, classified.kind === 'throttled' ? facts : { ...facts, error: errorFacts(error) });
          summary.stopped = classified.stop;
          break;
        case 'rejected':
          // Thrown on, the writes already sent this run would vanish from the report.
          hooks.onBlocked(action, classified.reason);
          if (message !== undefined) hooks.logger.error(message, { ...facts, error: errorFacts(error) });
          break;
        default:
          throw new Error(`unknown failure ${(classified satisfies never as Failure).kind}`, { cause: error });
      }
      hooks.onFailed?.(action, error, classified);
    }
  }
  return summary;
}
