/**
 * What a push puts on the deploy queue, whichever registry reported it (a GHCR webhook, an ECR
 * event): the workloads whose policy names the repository and whose manifests use it, the static
 * part of each policy, one deploy message per workload. Pure: the caller sends the messages (through
 * `toFifo`, so both sources deduplicate alike) and answers.
 */
import { clip } from '../../../shared/errors';
import type { PinnedImage } from './images';
import { pinnedRef } from './images';
import type { DeployMessage } from './messages';
import { decide } from './policy';
import type { BrokenWorkload, DeployTarget } from './targets';
import { matchRepository } from './targets';

/** Where a push came from, as the deploy message records it. */
export interface PushOrigin {
  /** `X-GitHub-Delivery`, or the EventBridge event id. */
  deliveryId: string;
  /** `registry_package`, `package`, or `ECR Image Action`. */
  event: string;
  receivedAt: string;
  publishedAt?: string;
  /** Where the image was built from, when the push said. */
  imageSource?: { repository?: string; revision?: string };
}

/** The messages to queue, and why the other workloads that might have taken the push do not. */
export interface PushPlan {
  messages: DeployMessage[];
  skipped: { cluster: string; workload: string; reason: string }[];
  /** Workloads that might take this push but whose spec or manifests are broken: skipped, the others deployed. */
  broken: { cluster?: string; workload?: string; source: string; reason: string }[];
  /** Why nothing is queued, when nothing is. */
  reason?: string;
}

/**
 * The deploy messages of one push.
 *
 * @example
 * const { messages, skipped } = planPushMessages(push, targets, broken, { deliveryId, event: 'registry_package', receivedAt });
 * await queue.send(messages.map(toFifo));
 */
export function planPushMessages(
  push: PinnedImage,
  targets: readonly DeployTarget[],
  brokenWorkloads: readonly BrokenWorkload[],
  origin: PushOrigin,
): PushPlan {
  const { matched, unused } = matchRepository(targets, push.repository);
  const broken = brokenWorkloads
    .filter((item) => item.repositories.length === 0 || item.repositories.includes(push.repository))
    .map((item) => ({
      ...(item.cluster === undefined ? {} : { cluster: item.cluster }),
      ...(item.workload === undefined ? {} : { workload: item.workload }),
      source: item.source,
      reason: clip(item.reason, 600),
    }));
  const skipped: PushPlan['skipped'] = unused.map((target) => ({
    cluster: target.cluster,
    workload: target.workload.name,
    reason: `a policy names ${push.repository} but no container of the manifests uses it`,
  }));
  const messages: DeployMessage[] = [];
  for (const { target, policy } of matched) {
    // The static part of the policy; moving forward is checked by the worker against what runs.
    const decision = decide(policy, target.workload.environment, push.tag);
    if (!decision.deploy) {
      skipped.push({ cluster: target.cluster, workload: target.workload.name, reason: decision.reason });
      continue;
    }
    messages.push({
      type: 'deploy',
      cluster: target.cluster,
      workload: target.workload.name,
      image: { repository: push.repository, tag: push.tag, digest: push.digest },
      deliveryId: origin.deliveryId,
      event: origin.event,
      receivedAt: origin.receivedAt,
      ...(origin.publishedAt === undefined ? {} : { publishedAt: origin.publishedAt }),
      ...(origin.imageSource === undefined ? {} : { imageSource: origin.imageSource }),
    });
  }
  const plan: PushPlan = { messages, skipped, broken };
  if (messages.length === 0)
    plan.reason = matched.length + unused.length === 0 ? `no workload deploys ${push.repository}` : `no workload takes ${pinnedRef(push)}`;
  return plan;
}
