/**
 * Deploy's decisions, pure: given a workload, its release history, the trigger and the time, what
 * to do — skip (already ran, already refused, older than what runs, unchanged), refuse (recorded,
 * with the reason), or release a set of images. No SDK, no cluster, no clock: `now` is a parameter
 * and the history is never mutated. run.ts carries the plan out.
 *
 * Every set of images taken from the history (a rollback's target, what runs when a push lands on
 * top of it, what the drift check restores) is checked against the workload's current image
 * policies first: whoever can edit the release ConfigMap cannot make deploy run an image no policy
 * takes.
 *
 * What happens after the apply is planned here too: which orphans to delete ({@link planPrune})
 * and, at each poll of a rollout, whether it is done, failed, stalled, or must be polled again or
 * handed on to the next invocation ({@link planWatch}).
 */
import type { KubernetesObject } from '../../../shared/ports/kubernetes';
import type { PinnedImage } from './images';
import { describeObject } from './manifests';
import { parseImageRef, parsePinned, pinnedRef } from './images';
import { decide, describeRule, ruleMatches, rulesFor } from './policy';
import type { Decision, ImageSource, ReleaseRecord } from './releases';
import { currentImages, isApplied, lastSucceeded, manifestImages, MAX_REFUSED_DIGESTS, nextRevision, runningRelease, waitingRelease } from './releases';
import type { Holds } from './gate';
import { frozenAt, holdReason, holdsOf } from './gate';
import type { DeployTarget } from './targets';

/** What started a deploy: a GitHub push (via the queue) or a person (manual invoke, CLI). */
export interface DeployTrigger {
  deliveryId: string;
  /** A push is identified by what it is; a replay of it under any delivery id does nothing. */
  source: 'push' | 'manual';
  /** When GitHub published the package version; a push older than the running release's does nothing. */
  publishedAt?: string;
  /** Where the pushed image was built from (the webhook's repository, the image's revision label). */
  imageSource?: ImageSource;
  /** Release during a freeze window (recorded, with `by`); an approval the environment requires is still required. */
  force?: boolean;
  /** Who asked (a manual deploy): the caller's identity, `lambda-invoke` when it gave none. */
  by?: string;
  /** The request that carried it (the Lambda request id). */
  requestId?: string;
}

/** A release about to be applied. */
export interface Draft {
  kind: ReleaseRecord['kind'];
  image?: PinnedImage;
  replaced?: string;
  images: Record<string, string>;
  deliveryId: string;
  rollbackOf?: number;
  reason?: string;
  publishedAt?: string;
  imageSource?: ImageSource;
  /** A release that was held first: the held release, and its approval. */
  heldAs?: number;
  approval?: Decision;
  /** A freeze overridden with `force`. */
  forced?: Decision;
}

/** What to do, with the reason. `history` on a refusal is the history to write (the refusal recorded or coalesced). */
export type DeployPlan =
  | { action: 'skip'; outcome: 'ignored' | 'duplicate' | 'unchanged'; reason: string }
  | { action: 'refuse'; reason: string; record: ReleaseRecord; history: ReleaseRecord[] }
  | { action: 'release'; draft: Draft }
  /** Held by the environment's gate: `record` waits (in `history`, with the waiting release it supersedes, if any, marked superseded). */
  | { action: 'hold'; reason: string; record: ReleaseRecord; history: ReleaseRecord[]; supersedes?: number };

/**
 * Why a set of images (a release's `images`) may not run on the workload, or undefined when every
 * entry is the manifests' own image or a pinned image whose tag a current policy rule for the
 * workload's environment takes.
 *
 * @example
 * imagesRefusal(target, { 'ghcr.io/acme/web': 'evil.example.com/miner:latest@sha256:...' });
 * // 'ghcr.io/acme/web: evil.example.com/miner:latest@sha256:... is not an image of ghcr.io/acme/web'
 */
export function imagesRefusal(target: DeployTarget, images: Readonly<Record<string, string>>): string | undefined {
  const manifest = manifestImages(target);
  const problems: string[] = [];
  for (const [repository, ref] of Object.entries(images)) {
    if (manifest[repository] === ref) continue;
    const policy = target.workload.images.find((candidate) => candidate.repository === repository);
    if (policy === undefined) {
      problems.push(`${ref}: no image policy of workload ${target.workload.name} names ${repository}`);
      continue;
    }
    const pinned = parsePinned(ref);
    if (pinned === undefined || pinned.repository !== repository) {
      problems.push(`${repository}: ${ref} is not a pinned image of ${repository}`);
      continue;
    }
    const rules = rulesFor(policy, target.workload.environment);
    if (!rules.some((rule) => ruleMatches(rule, pinned.tag))) {
      problems.push(`${ref}: tag ${pinned.tag} matches no current rule (${rules.map(describeRule).join('; ') || 'no rule applies'})`);
    }
  }
  return problems.length === 0 ? undefined : problems.join('; ');
}

/**
 * Plans a pushed (or manually named) image: skip, refuse, hold or release. A release the
 * environment's gate holds (an approval required, a freeze in force and not forced) waits instead,
 * on top of the release already waiting, which it supersedes.
 *
 * @example
 * planPush(target, history, { repository, tag: 'v1.3.0', digest }, { deliveryId, source: 'push', publishedAt }, now);
 * // { action: 'release', draft: { kind: 'deploy', images: {...}, ... } }
 */
export function planPush(target: DeployTarget, records: readonly ReleaseRecord[], image: PinnedImage, trigger: DeployTrigger, now: Date): DeployPlan {
  const policy = target.workload.images.find((candidate) => candidate.repository === image.repository);
  if (policy === undefined) return { action: 'skip', outcome: 'ignored', reason: `workload ${target.workload.name} has no policy for ${image.repository}` };
  const current = currentImages(records, target);
  const running = current[image.repository];
  const runningRef = running === undefined ? undefined : parseImageRef(running);
  if (runningRef?.digest === image.digest) return { action: 'skip', outcome: 'unchanged', reason: `${pinnedRef(image)} already runs` };
  const waiting = waitingRelease(records);
  if (waiting !== undefined && sameImage(waiting, image)) {
    return { action: 'skip', outcome: 'duplicate', reason: `${pinnedRef(image)} already waits as release ${waiting.revision} (${waiting.reason ?? 'held'})` };
  }
  if (trigger.source === 'push') {
    const seen = records.find((record) => sameImage(record, image));
    if (seen !== undefined) {
      const was = seen.result === 'refused' ? 'refused' : seen.hold === undefined ? 'released' : `held (${seen.result})`;
      return {
        action: 'skip',
        outcome: 'duplicate',
        reason: `${pinnedRef(image)} was already ${was} (release ${seen.revision}): a replay changes nothing`,
      };
    }
    for (const later of [runningRelease(records), waiting]) {
      if (trigger.publishedAt !== undefined && later?.publishedAt !== undefined && Date.parse(trigger.publishedAt) < Date.parse(later.publishedAt)) {
        return {
          action: 'skip',
          outcome: 'duplicate',
          reason: `${pinnedRef(image)} was published at ${trigger.publishedAt}, before release ${later.revision} that ${later === waiting ? 'waits' : 'runs'} (${later.publishedAt})`,
        };
      }
    }
  }
  // A waiting release is built on: the newer push supersedes it and carries its other images along.
  const carried = waiting?.images ?? current;
  const base = {
    kind: 'deploy' as const,
    image,
    ...(running === undefined ? {} : { replaced: running }),
    images: carried,
    deliveryId: trigger.deliveryId,
    ...(trigger.publishedAt ? { publishedAt: trigger.publishedAt } : {}),
    ...(trigger.imageSource ? { imageSource: trigger.imageSource } : {}),
  };
  // The pushed repository's image is being replaced: only the images carried over are checked.
  const untrusted = imagesRefusal(target, Object.fromEntries(Object.entries(carried).filter(([repository]) => repository !== image.repository)));
  if (untrusted !== undefined) {
    const reason = `the running release's images are not taken by the workload's image policies (${untrusted}): fix or remove the release record`;
    return { action: 'refuse', reason, ...refuse(records, target, { ...base, reason }, now) };
  }
  const decision = decide(policy, target.workload.environment, image.tag, runningRef?.tag);
  if (!decision.deploy) return { action: 'refuse', reason: decision.reason, ...refuse(records, target, { ...base, reason: decision.reason }, now) };
  const forced = trigger.force === true && target.gate !== undefined && frozenAt(target.gate.freeze, now) !== undefined ? decisionOf(trigger, now) : undefined;
  const draft: Draft = {
    ...base,
    images: { ...carried, [image.repository]: pinnedRef(image) },
    ...(forced === undefined ? {} : { forced, reason: `released during a freeze: forced by ${forced.by}` }),
  };
  const holds = holdsOf(target.gate, now, { approved: false, forced: trigger.force === true });
  const reason = holdReason(holds);
  if (reason !== undefined) return hold(records, target, draft, holds, reason, now);
  return { action: 'release', draft };
}

/** Who decided and when: the caller's identity (`lambda-invoke` when it gave none) and its request. */
function decisionOf(request: { by?: string | undefined; requestId?: string | undefined }, now: Date): Decision {
  return { by: request.by ?? 'lambda-invoke', at: now.toISOString(), ...(request.requestId === undefined ? {} : { requestId: request.requestId }) };
}

/**
 * What every release record of a draft holds: which release, of what, from which delivery, when,
 * and how it stands; a held release and a rollout each add what is theirs.
 *
 * @example
 * draftRecord(draft, target, 4, now.toISOString(), 'progressing'); // { revision: 4, cluster, workload, kind, images, deliveryId, startedAt, result }
 */
export function draftRecord(draft: Draft, target: DeployTarget, revision: number, startedAt: string, result: ReleaseRecord['result']): ReleaseRecord {
  return {
    revision,
    cluster: target.cluster,
    workload: target.workload.name,
    kind: draft.kind,
    ...(draft.image ? { image: draft.image } : {}),
    ...(draft.replaced ? { replaced: draft.replaced } : {}),
    images: draft.images,
    deliveryId: draft.deliveryId,
    startedAt,
    result,
    ...(draft.publishedAt ? { publishedAt: draft.publishedAt } : {}),
    ...(draft.imageSource ? { imageSource: draft.imageSource } : {}),
    ...(draft.forced ? { forced: draft.forced } : {}),
  };
}

/** The held release of a draft, superseding the one that waits. */
function hold(records: readonly ReleaseRecord[], target: DeployTarget, draft: Draft, holds: Holds, reason: string, now: Date): DeployPlan {
  const at = now.toISOString();
  const revision = nextRevision(records);
  const waiting = waitingRelease(records);
  const record: ReleaseRecord = {
    ...draftRecord(draft, target, revision, at, 'waiting'),
    reason,
    hold: {
      approval: holds.approval,
      ...(holds.frozen?.until === undefined ? {} : { frozenUntil: holds.frozen.until.toISOString() }),
      ...(holds.frozen === undefined ? {} : { window: holds.frozen.window }),
    },
  };
  const history = [...records.map((item) => (item === waiting ? supersede(item, revision, at) : item)), record];
  return { action: 'hold', reason, record, history, ...(waiting === undefined ? {} : { supersedes: waiting.revision }) };
}

function supersede(record: ReleaseRecord, revision: number, at: string): ReleaseRecord {
  return { ...record, result: 'superseded', finishedAt: at, reason: `superseded by release ${revision}` };
}

/** A person's (or the schedule's) word on the held release: approve (with `force` during a freeze), reject, or the scheduled check. */
export type GateRequest = { action: 'approve' | 'reject'; release?: number; force?: boolean; by?: string; requestId?: string } | { action: 'schedule' };

/** What to do with a held release: answer without writing, record a decision (still waiting, rejected, refused), or release it. */
export type GatePlan =
  | { action: 'answer'; outcome: 'waiting' | 'unchanged' | 'ignored' | 'refused'; revision?: number; reason: string }
  | { action: 'record'; outcome: 'waiting' | 'rejected' | 'refused'; revision: number; reason: string; history: ReleaseRecord[] }
  | { action: 'release'; revision: number; draft: Draft; history: ReleaseRecord[] };

/**
 * Plans an approve, a reject or the scheduled check of a workload's held release (`release`, or the
 * one that waits). An approval during a freeze is recorded and the release keeps waiting for the
 * schedule, unless forced; the schedule releases what the gate no longer holds (the spec's current
 * gate decides, so a freeze removed from the spec releases too). An approval of a release already
 * released is answered, not repeated; one superseded or rejected is refused with the reason. The
 * images are checked against the current policies again before they are released.
 *
 * @example
 * planGate(target, history, { action: 'approve', by: 'arn:aws:sts::123456789012:assumed-role/ops/ana' }, now);
 * // { action: 'release', revision: 5, draft: { kind: 'deploy', heldAs: 5, approval: { by, at }, ... }, history }
 */
export function planGate(target: DeployTarget, records: readonly ReleaseRecord[], request: GateRequest, now: Date): GatePlan {
  const at = now.toISOString();
  const named = request.action === 'schedule' ? undefined : request.release;
  const held = named === undefined ? waitingRelease(records) : records.find((record) => record.revision === named);
  if (held === undefined) {
    return {
      action: 'answer',
      outcome: 'ignored',
      reason: named === undefined ? `no release of workload ${target.workload.name} waits` : `no release ${named} of workload ${target.workload.name}`,
    };
  }
  const revision = held.revision;
  if (held.hold === undefined)
    return { action: 'answer', outcome: 'ignored', revision, reason: `release ${revision} was never held: there is nothing to ${request.action}` };
  const rejecting = request.action === 'reject';
  switch (held.result) {
    case 'released':
      return rejecting
        ? {
            action: 'answer',
            outcome: 'refused',
            revision,
            reason: `release ${revision} was already released as release ${held.releasedAs ?? '?'}: roll back instead`,
          }
        : {
            action: 'answer',
            outcome: 'unchanged',
            revision,
            reason: `release ${revision} was already released as release ${held.releasedAs ?? '?'}${decided('approved', held.approval)}`,
          };
    case 'rejected':
      return rejecting
        ? { action: 'answer', outcome: 'unchanged', revision, reason: `release ${revision} was already rejected${decided('', held.rejection)}` }
        : {
            action: 'answer',
            outcome: 'refused',
            revision,
            reason: `release ${revision} was rejected${decided('', held.rejection)}: push it again to release it`,
          };
    case 'waiting':
      break;
    case 'superseded':
    case 'refused':
    case 'progressing':
    case 'succeeded':
    case 'failed':
    case 'rolled-back': {
      const newer = waitingRelease(records);
      const reason = `release ${revision} was ${held.result}${held.reason ? ` (${held.reason})` : ''}${newer === undefined ? '' : `: release ${newer.revision} waits instead`}`;
      return { action: 'answer', outcome: 'refused', revision, reason };
    }
    default:
      throw new Error(`unknown release result ${held.result satisfies never as string}`);
  }
  if (request.action === 'reject') {
    const rejection = decisionOf(request, now);
    const reason = `rejected by ${rejection.by}`;
    return {
      action: 'record',
      outcome: 'rejected',
      revision,
      reason,
      history: replace(records, held, { ...held, result: 'rejected', finishedAt: at, reason, rejection }),
    };
  }
  const approving = request.action === 'approve';
  const approval = held.approval ?? (approving ? decisionOf(request, now) : undefined);
  const forcing = approving && request.force === true;
  const forced =
    held.forced ?? (forcing && target.gate !== undefined && frozenAt(target.gate.freeze, now) !== undefined ? decisionOf(request, now) : undefined);
  const holds = holdsOf(target.gate, now, { approved: approval !== undefined, forced: forcing || held.forced !== undefined });
  const still = holdReason(holds);
  if (still !== undefined) {
    if (!approving || held.approval !== undefined)
      return { action: 'answer', outcome: 'waiting', revision, reason: `release ${revision} waits: ${still}${decided('approved', held.approval)}` };
    // Approved during a freeze: the approval is recorded, the schedule releases it when the freeze ends.
    const reason = `approved by ${approval?.by ?? '?'}; ${still}`;
    return { action: 'record', outcome: 'waiting', revision, reason, history: replace(records, held, { ...held, reason, ...(approval ? { approval } : {}) }) };
  }
  const untrusted = imagesRefusal(target, held.images);
  if (untrusted !== undefined) {
    const reason = `release ${revision} refused: its images are not taken by the workload's image policies (${untrusted})`;
    return { action: 'record', outcome: 'refused', revision, reason, history: replace(records, held, { ...held, result: 'refused', finishedAt: at, reason }) };
  }
  const releasedAs = nextRevision(records);
  const ended = held.hold.frozenUntil !== undefined || held.hold.window !== undefined ? 'the freeze ended' : 'nothing holds it any more';
  const by = approving ? `approved by ${approval?.by ?? '?'}` : [...(approval ? [`approved by ${approval.by}`] : []), ended].join('; ');
  const current = currentImages(records, target);
  const replaced = held.image === undefined ? undefined : current[held.image.repository];
  const draft: Draft = {
    kind: held.kind,
    ...(held.image ? { image: held.image } : {}),
    ...(replaced === undefined ? {} : { replaced }),
    images: held.images,
    deliveryId: held.deliveryId,
    reason: `held release ${revision} released: ${by}${forced !== undefined && held.forced === undefined ? ` (forced by ${forced.by})` : ''}`,
    ...(held.publishedAt ? { publishedAt: held.publishedAt } : {}),
    ...(held.imageSource ? { imageSource: held.imageSource } : {}),
    heldAs: revision,
    ...(approval ? { approval } : {}),
    ...(forced ? { forced } : {}),
  };
  const released: ReleaseRecord = {
    ...held,
    result: 'released',
    finishedAt: at,
    releasedAs,
    reason: `released as release ${releasedAs}: ${by}`,
    ...(approval ? { approval } : {}),
    ...(forced ? { forced } : {}),
  };
  return { action: 'release', revision, draft, history: replace(records, held, released) };
}

function decided(verb: string, decision: Decision | undefined): string {
  if (decision === undefined) return '';
  return ` (${verb === '' ? '' : `${verb} `}by ${decision.by} at ${decision.at})`;
}

function replace(records: readonly ReleaseRecord[], from: ReleaseRecord, to: ReleaseRecord): ReleaseRecord[] {
  return records.map((item) => (item === from ? to : item));
}

/**
 * Plans a manual rollback to release `to`, or to the newest succeeded release before the one that
 * runs. A target that failed needs `force`; a target whose images no current policy takes is refused.
 *
 * @example
 * planRollback(target, history, { to: 3, deliveryId: 'manual-c6af9ac6' }, now);
 */
export function planRollback(
  target: DeployTarget,
  records: readonly ReleaseRecord[],
  request: { to?: number; force?: boolean; deliveryId: string },
  now: Date,
): DeployPlan {
  const latest = runningRelease(records);
  const { to } = request;
  const destination = to === undefined ? lastSucceeded(records, latest?.revision) : records.find((record) => record.revision === to);
  if (destination === undefined || !isApplied(destination)) {
    const known = records.filter(isApplied).map((record) => record.revision);
    return {
      action: 'skip',
      outcome: 'ignored',
      reason: to === undefined ? 'no earlier successful release to roll back to' : `no applied release ${to}; applied releases: ${known.join(', ') || 'none'}`,
    };
  }
  const base = {
    kind: 'rollback' as const,
    images: latest?.images ?? currentImages(records, target),
    deliveryId: request.deliveryId,
    ...(latest === undefined ? {} : { rollbackOf: latest.revision }),
  };
  if (request.force !== true && (destination.result === 'failed' || destination.result === 'rolled-back')) {
    const reason = `release ${destination.revision} ${destination.result === 'failed' ? 'failed' : 'was rolled back'}${destination.reason ? ` (${destination.reason})` : ''}: rolling back to it needs "force": true`;
    return { action: 'refuse', reason, ...refuse(records, target, { ...base, reason }, now) };
  }
  const untrusted = imagesRefusal(target, destination.images);
  if (untrusted !== undefined) {
    const reason = `rollback to release ${destination.revision} refused: its images are not taken by the workload's image policies (${untrusted})`;
    return { action: 'refuse', reason, ...refuse(records, target, { ...base, reason }, now) };
  }
  return {
    action: 'release',
    draft: {
      ...base,
      images: destination.images,
      reason: `manual rollback to release ${destination.revision}${request.force === true && destination.result !== 'succeeded' ? ' (forced)' : ''}`,
    },
  };
}

/**
 * Plans the restore of a workload after a rebuild of its cluster: its last successful release
 * (from the durable store), or the manifests' own images when it never had one, released again
 * as a record of kind `restore`. A restore this rebuild already made (its delivery id) is skipped;
 * images the workload's current policies do not take are refused, never deployed.
 *
 * @example
 * planRestore(target, history, { deliveryId: 'rebuild-3f0c9a52' }, now);
 * // { action: 'release', draft: { kind: 'restore', images: {...}, reason: 'restore of release 4 after a rebuild of the cluster' } }
 */
export function planRestore(target: DeployTarget, records: readonly ReleaseRecord[], request: { deliveryId: string }, now: Date): DeployPlan {
  const seen = records.find((record) => record.deliveryId === request.deliveryId || record.lastDeliveryId === request.deliveryId);
  if (seen !== undefined) {
    return { action: 'skip', outcome: 'duplicate', reason: `${request.deliveryId} was already handled (release ${seen.revision}, ${seen.result})` };
  }
  const destination = lastSucceeded(records);
  const base = { kind: 'restore' as const, images: destination?.images ?? manifestImages(target), deliveryId: request.deliveryId };
  const untrusted = imagesRefusal(target, base.images);
  if (untrusted !== undefined) {
    const reason = `restore of release ${destination?.revision ?? '?'} refused: its images are not taken by the workload's image policies (${untrusted})`;
    return { action: 'refuse', reason, ...refuse(records, target, { ...base, reason }, now) };
  }
  const reason =
    destination === undefined
      ? "restore of the manifests' images after a rebuild of the cluster (no successful release recorded)"
      : `restore of release ${destination.revision} after a rebuild of the cluster`;
  return { action: 'release', draft: { ...base, reason } };
}

/**
 * Where the automatic rollback after a failed release goes: the newest succeeded release before
 * it, if the workload's current policies take its images.
 *
 * @example
 * planAutomaticRollback(target, history, failed); // { to: release 3 } or { refused: 'why' }
 */
export function planAutomaticRollback(
  target: DeployTarget,
  records: readonly ReleaseRecord[],
  failed: ReleaseRecord,
): { to: ReleaseRecord } | { refused: string } {
  const previous = lastSucceeded(records, failed.revision);
  if (previous === undefined) return { refused: 'no earlier successful release to roll back to' };
  const untrusted = imagesRefusal(target, previous.images);
  if (untrusted !== undefined)
    return { refused: `rollback to release ${previous.revision} refused: its images are not taken by the workload's image policies (${untrusted})` };
  return { to: previous };
}

/**
 * The images the drift check renders and restores: what runs, if the current policies take it.
 *
 * @example
 * restoreImages(target, history); // { images } or { refused: 'why' }
 */
export function restoreImages(target: DeployTarget, records: readonly ReleaseRecord[]): { images: Record<string, string> } | { refused: string } {
  const images = currentImages(records, target);
  const untrusted = imagesRefusal(target, images);
  if (untrusted === undefined) return { images };
  const running = runningRelease(records);
  return { refused: `release ${running?.revision ?? '?'}'s images are not taken by the workload's image policies (${untrusted}): not restored` };
}

/** The refusal's fields, without the bookkeeping ones. */
type RefusalFields = Omit<ReleaseRecord, 'revision' | 'cluster' | 'workload' | 'startedAt' | 'finishedAt' | 'result'> & { reason: string };

/**
 * Records a refusal: a refusal of the same tag of the same repository (or, without an image, the
 * same reason) as an earlier refusal is coalesced into it (a count, the last time, the digests),
 * so repeated refusals never fill the history.
 *
 * @example
 * refuse(history, target, { kind: 'deploy', image, images, deliveryId, reason }, now); // { record, history }
 */
export function refuse(
  records: readonly ReleaseRecord[],
  target: Pick<DeployTarget, 'cluster' | 'workload'>,
  fields: RefusalFields,
  now: Date,
): { record: ReleaseRecord; history: ReleaseRecord[] } {
  const at = now.toISOString();
  const earlier = records.find((record) => record.result === 'refused' && refusalKey(record) === refusalKey(fields));
  if (earlier !== undefined) {
    const digests = [...new Set([...(earlier.digests ?? (earlier.image ? [earlier.image.digest] : [])), ...(fields.image ? [fields.image.digest] : [])])].slice(
      -MAX_REFUSED_DIGESTS,
    );
    const record: ReleaseRecord = {
      ...earlier,
      ...(fields.image ? { image: fields.image } : {}),
      reason: fields.reason,
      count: (earlier.count ?? 1) + 1,
      lastAt: at,
      lastDeliveryId: fields.deliveryId,
      ...(digests.length > 0 ? { digests } : {}),
    };
    return { record, history: records.map((item) => (item === earlier ? record : item)) };
  }
  const record: ReleaseRecord = {
    revision: nextRevision(records),
    cluster: target.cluster,
    workload: target.workload.name,
    ...fields,
    startedAt: at,
    finishedAt: at,
    result: 'refused',
  };
  return { record, history: [...records, record] };
}

function refusalKey(record: Pick<ReleaseRecord, 'kind' | 'image' | 'reason'>): string {
  return record.image === undefined ? `${record.kind}\n${record.reason ?? ''}` : `${record.kind}\n${record.image.repository}\n${record.image.tag}`;
}

/** Whether a record is about this exact push: the same repository, tag and digest (a coalesced refusal remembers its digests). */
function sameImage(record: ReleaseRecord, image: PinnedImage): boolean {
  if (record.image?.repository !== image.repository || record.image.tag !== image.tag) return false;
  return record.image.digest === image.digest || (record.digests ?? []).includes(image.digest);
}

/** The label deploy's release history carries: its own bookkeeping, never an orphan. */
export const RELEASES_LABEL = 'eks-pilot.io/releases';

/** One delete of a prune, with why. */
export interface PruneAction {
  action: 'delete';
  object: KubernetesObject;
  reason: string;
}

/**
 * The deletes a prune makes: every live object carrying the workload's ownership label (`live`,
 * read from the workload's namespaces) that the rendering no longer holds. Namespaces and deploy's
 * own release history are never pruned.
 *
 * @example
 * planPrune([liveOldConfig], rendered, 'shop');
 * // [{ action: 'delete', object: liveOldConfig, reason: 'ConfigMap shop/old-config left the manifests of workload shop' }]
 */
export function planPrune(live: readonly KubernetesObject[], rendered: { objects: readonly KubernetesObject[] }, workload: string): PruneAction[] {
  const wanted = new Set(rendered.objects.map(describeObject));
  return live
    .filter((object) => object.kind !== 'Namespace' && object.metadata.labels?.[RELEASES_LABEL] === undefined && !wanted.has(describeObject(object)))
    .map((object) => ({ action: 'delete', object, reason: `${describeObject(object)} left the manifests of workload ${workload}` }));
}

/** A rollout object's state at one poll (rollout.ts reads it from what the API server answers). */
export type RolloutState = { state: 'complete' } | { state: 'progressing'; reason: string } | { state: 'failed'; reason: string };

/** What to do after one poll of a rollout. */
export type WatchStep =
  | { action: 'complete' }
  | { action: 'failed'; reason: string }
  | { action: 'stalled'; reason: string }
  | { action: 'hand-on'; pending: string }
  | { action: 'poll-again'; pending: string };

/** The time a watch has: the invocation's time left, the poll interval and the time kept back to record and hand on. */
export interface WatchBudget {
  remainingMs: number;
  pollMs: number;
  reserveMs: number;
}

/**
 * Decides after one poll of a release's rollout: a failed object fails it; every object complete
 * completes it; past the workload's timeout (counted from the release's start, across
 * invocations) it has stalled; with too little time left for another poll it is handed on to the
 * next invocation; else it is polled again.
 *
 * @example
 * planWatch([{ state: 'progressing', reason: 'Deployment shop/web: 1 of 3 replicas updated' }], record, 600, now, { remainingMs: 30_000, pollMs: 5_000,
 * reserveMs: 20_000 });
 * // { action: 'poll-again', pending: 'Deployment shop/web: 1 of 3 replicas updated' }
 */
export function planWatch(
  states: readonly RolloutState[],
  record: Pick<ReleaseRecord, 'startedAt'>,
  timeoutSeconds: number,
  now: Date,
  budget: WatchBudget,
): WatchStep {
  const failed = states.flatMap((state) => (state.state === 'failed' ? [state.reason] : []));
  if (failed.length > 0) return { action: 'failed', reason: failed.join('; ') };
  const progressing = states.flatMap((state) => (state.state === 'progressing' ? [state.reason] : []));
  if (progressing.length === 0) return { action: 'complete' };
  const pending = progressing.join('; ');
  if (now.getTime() >= Date.parse(record.startedAt) + timeoutSeconds * 1000) {
    return { action: 'stalled', reason: `rollout stalled: not finished within ${timeoutSeconds} s (${pending})` };
  }
  if (budget.remainingMs < budget.pollMs + budget.reserveMs) return { action: 'hand-on', pending };
  return { action: 'poll-again', pending };
}
