/**
 * What travels on the deploy queue. The receiver sends `deploy` messages; the worker sends itself
 * `watch` messages to keep watching a rollout past one invocation. Both are grouped per workload
 * (`<cluster>/<workload>`), so one workload's messages are processed one at a time, in order.
 */
import { createHash } from 'node:crypto';
import * as z from 'zod/mini';
import type { FifoMessage } from '../../../shared/ports/fifo-queue';
import type { PackageEventName } from '../../../shared/model/package-event';
import { DIGEST_PATTERN, TAG_PATTERN } from './images';

const pinnedImageSchema = z.strictObject({
  repository: z.string().check(z.minLength(1)),
  tag: z.string().check(z.regex(TAG_PATTERN)),
  digest: z.string().check(z.regex(DIGEST_PATTERN)),
});

export const deployMessageSchema = z.strictObject({
  type: z.literal('deploy'),
  cluster: z.string().check(z.minLength(1)),
  workload: z.string().check(z.minLength(1)),
  image: pinnedImageSchema,
  /** `X-GitHub-Delivery`, or `manual-<request id>` for a manual invoke. */
  deliveryId: z.string().check(z.minLength(1)),
  event: z.string().check(z.minLength(1)),
  receivedAt: z.string().check(z.minLength(1)),
  /** When GitHub published the package version (`package_version.updated_at`), when the payload says. */
  publishedAt: z.optional(z.string().check(z.minLength(1))),
  /** Where the image was built from, when the push said (the repository `owner/name`, the commit of its revision label). */
  imageSource: z.optional(z.strictObject({ repository: z.optional(z.string().check(z.minLength(1))), revision: z.optional(z.string().check(z.minLength(1))) })),
});

export const watchMessageSchema = z.strictObject({
  type: z.literal('watch'),
  cluster: z.string().check(z.minLength(1)),
  workload: z.string().check(z.minLength(1)),
  /** The release whose rollout is watched. */
  revision: z.number().check(z.int(), z.gte(1)),
  deliveryId: z.string().check(z.minLength(1)),
  /** How many times the watch was handed on; part of the deduplication id. */
  attempt: z.number().check(z.int(), z.gte(1)),
});

export const queueMessageSchema = z.discriminatedUnion('type', [deployMessageSchema, watchMessageSchema]);

export type DeployMessage = z.output<typeof deployMessageSchema>;
export type WatchMessage = z.output<typeof watchMessageSchema>;
export type QueueMessage = z.output<typeof queueMessageSchema>;

/**
 * The FIFO envelope of a message: grouped per workload; a deploy is deduplicated on what the push
 * is (repository, tag, digest) and the workload, never on the delivery id or the event name, so a
 * redelivery, a replay under a new delivery id, and one push sent as both `registry_package` and
 * `package` are one message within SQS's five minutes (the release history catches them after).
 *
 * @example
 * toFifo({ type: 'deploy', cluster: 'crypto-oms', workload: 'crypto-oms', image, deliveryId, event: 'registry_package', receivedAt });
 * // { groupId: 'crypto-oms/crypto-oms', deduplicationId: '<sha256 hex>', body: '{...}' }
 */
export function toFifo(message: QueueMessage): FifoMessage {
  const about =
    message.type === 'deploy'
      ? ['deploy', message.image.repository, message.image.tag, message.image.digest, message.cluster, message.workload]
      : ['watch', message.deliveryId, String(message.revision), String(message.attempt), message.cluster, message.workload];
  return {
    body: JSON.stringify(message),
    groupId: `${message.cluster}/${message.workload}`,
    deduplicationId: createHash('sha256').update(about.join('\n')).digest('hex'),
  };
}

/**
 * When GitHub published the pushed package version (`package_version.updated_at`, else
 * `created_at`), or undefined when the payload has no real time (GitHub sends `0001-01-01T00:00:00Z`
 * for some container versions).
 *
 * @example
 * publicationTime('registry_package', payload); // '2026-11-22T11:59:58Z'
 */
export function publicationTime(event: PackageEventName, payload: object): string | undefined {
  const pkg = (payload as Record<string, unknown>)[event];
  const version = typeof pkg === 'object' && pkg !== null ? (pkg as Record<string, unknown>).package_version : undefined;
  if (typeof version !== 'object' || version === null) return undefined;
  for (const key of ['updated_at', 'created_at']) {
    const value = (version as Record<string, unknown>)[key];
    if (typeof value === 'string' && Date.parse(value) > Date.parse('2000-01-01T00:00:00Z')) return value;
  }
  return undefined;
}
