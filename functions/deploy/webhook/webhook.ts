/**
 * The webhook receiver's work, transport aside: check size, signature and JSON, read the push,
 * find the workloads whose policy takes it, queue one message per workload, answer. Answers fast:
 * no cluster is touched here (GitHub gives up after 10 s and never retries by itself).
 */
import type { FifoQueuePort } from '../../../shared/ports/fifo-queue';
import { SETTING_DEFAULTS } from '../../../shared/config';
import { isPackageEvent, parsePackageEvent } from '../../../shared/model/package-event';
import { SIGNATURE_HEADER, signatureHeaderProblem, verifySignature } from './signature';
import { pinnedRef } from '../model/images';
import { publicationTime, toFifo } from '../model/messages';
import { planPushMessages } from '../model/queue-push';
import type { RunLogger } from '../../../shared/reconcile/run-logger';
import type { BrokenWorkload, DeployTarget } from '../model/targets';
import { targetKey } from '../model/targets';

/** The largest body read; registry_package payloads are a few KB, GitHub caps payloads at 25 MB. */
export const DEFAULT_MAX_BODY_BYTES = SETTING_DEFAULTS.webhookMaxBytes;

/** One HTTP request as the receiver sees it: lower-cased headers and the raw bytes. */
export interface WebhookRequest {
  headers: Readonly<Record<string, string | undefined>>;
  body: Buffer;
  /** The body's size before decoding, when it is known without decoding (base64). */
  declaredBytes?: number;
}

/** The answer: a status and a JSON body. */
export interface WebhookResponse {
  statusCode: number;
  body: WebhookAnswer;
}

/** What the JSON body says; `queued` lists what went on the queue. */
export interface WebhookAnswer {
  status: 'queued' | 'ignored' | 'pong' | 'rejected';
  reason?: string;
  /** For a rejected request: the part that is wrong (`body`, `headers.x-github-event`). */
  field?: string;
  deliveryId?: string;
  queued?: { cluster: string; workload: string; image: string }[];
  skipped?: { cluster: string; workload: string; reason: string }[];
  /** Workloads that might take this push but whose spec or manifests are broken: skipped, the others deployed. */
  broken?: { cluster?: string; workload?: string; source: string; reason: string }[];
}

/** What the receiver needs, all ports. */
export interface WebhookDeps {
  secrets: { get(options?: { reload?: boolean }): Promise<{ values: string[]; reloaded: boolean }> };
  queue: FifoQueuePort;
  targets: () => Promise<DeployTarget[]>;
  /** The workloads whose spec or manifests are broken: named in the answer, never blocking the others. */
  broken?: () => Promise<BrokenWorkload[]>;
  now: () => Date;
  logger: RunLogger;
  maxBodyBytes?: number;
}

/**
 * Handles one webhook delivery. Bad requests get their status and queue nothing; a push that no
 * workload takes is a 202 with the reason (GitHub shows it in the delivery log).
 *
 * @example
 * const { statusCode, body } = await receiveWebhook({ headers, body: rawBytes }, deps);
 */
export async function receiveWebhook(request: WebhookRequest, deps: WebhookDeps): Promise<WebhookResponse> {
  const { headers } = request;
  const deliveryId = headers['x-github-delivery'];
  const event = headers['x-github-event'];
  const facts = { deliveryId, githubEvent: event };
  const max = deps.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const size = Math.max(request.declaredBytes ?? 0, request.body.length);
  if (size > max) {
    deps.logger.warn('webhook refused: body too large', { ...facts, bytes: size, limit: max });
    return reject(413, `the body is larger than ${max} bytes`, 'body');
  }

  // An unsigned or malformed request is refused before the secret is read: a flood of them costs no AWS call.
  const headerProblem = signatureHeaderProblem(headers[SIGNATURE_HEADER]);
  if (headerProblem !== undefined) {
    deps.logger.warn('webhook refused: signature', { ...facts, problem: headerProblem });
    return reject(401, headerProblem === 'missing' ? 'X-Hub-Signature-256 is missing' : 'the signature does not match', `headers.${SIGNATURE_HEADER}`);
  }
  let { values, reloaded } = await deps.secrets.get();
  let check = verifySignature(request.body, headers[SIGNATURE_HEADER], values);
  if (!check.valid && check.problem === 'mismatch' && !reloaded) {
    // The secret may have just been rotated: read it again (rate-limited by the cache) and retry once.
    ({ values, reloaded } = await deps.secrets.get({ reload: true }));
    if (reloaded) check = verifySignature(request.body, headers[SIGNATURE_HEADER], values);
  }
  if (!check.valid) {
    deps.logger.warn('webhook refused: signature', { ...facts, problem: check.problem });
    return reject(401, check.problem === 'missing' ? 'X-Hub-Signature-256 is missing' : 'the signature does not match', `headers.${SIGNATURE_HEADER}`);
  }
  if (check.secretIndex > 0) deps.logger.info('webhook signed with the previous secret', { ...facts, secretIndex: check.secretIndex });

  if (event === undefined || event === '') return reject(400, 'X-GitHub-Event is missing', 'headers.x-github-event');
  if (deliveryId === undefined || deliveryId === '') return reject(400, 'X-GitHub-Delivery is missing', 'headers.x-github-delivery');
  let payload: unknown;
  try {
    payload = JSON.parse(request.body.toString('utf8'));
  } catch {
    deps.logger.warn('webhook refused: body is not JSON', facts);
    return reject(400, "the body is not JSON (set the hook's content type to application/json)", 'body');
  }
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) return reject(400, 'the body is not a JSON object', 'body');

  if (event === 'ping') {
    deps.logger.info('webhook ping', facts);
    return { statusCode: 200, body: { status: 'pong', deliveryId } };
  }
  if (!isPackageEvent(event)) return ignored(deliveryId, `event ${event} is not handled (only registry_package and package)`, deps, facts);
  const parsed = parsePackageEvent(event, payload);
  if (parsed.kind === 'ignored') return ignored(deliveryId, parsed.reason, deps, facts);
  const { push } = parsed;

  const publishedAt = publicationTime(event, payload);
  const origin = {
    deliveryId,
    event,
    receivedAt: deps.now().toISOString(),
    ...(publishedAt === undefined ? {} : { publishedAt }),
    ...(push.source === undefined ? {} : { imageSource: push.source }),
  };
  const { messages, skipped, broken, reason } = planPushMessages(push, await deps.targets(), (await deps.broken?.()) ?? [], origin);
  for (const item of broken) deps.logger.error('broken workload skipped', { ...facts, ...item });
  const image = pinnedRef(push);
  if (reason !== undefined) {
    return {
      ...(await ignored(deliveryId, reason, deps, facts)),
      body: { status: 'ignored', reason, deliveryId, ...(skipped.length > 0 ? { skipped } : {}), ...(broken.length > 0 ? { broken } : {}) },
    };
  }
  await deps.queue.send(messages.map(toFifo));
  const queued = messages.map((message) => ({ cluster: message.cluster, workload: message.workload, image }));
  for (const message of messages)
    deps.logger.info('deploy queued', {
      ...facts,
      cluster: message.cluster,
      workload: targetKey({ cluster: message.cluster, workload: { name: message.workload } }),
      image,
    });
  return {
    statusCode: 202,
    body: { status: 'queued', deliveryId, queued, ...(skipped.length > 0 ? { skipped } : {}), ...(broken.length > 0 ? { broken } : {}) },
  };
}

function reject(statusCode: number, reason: string, field: string): WebhookResponse {
  return { statusCode, body: { status: 'rejected', reason, field } };
}

function ignored(deliveryId: string, reason: string, deps: WebhookDeps, facts: Record<string, unknown>): Promise<WebhookResponse> {
  deps.logger.info('webhook ignored', { ...facts, reason });
  return Promise.resolve({ statusCode: 202, body: { status: 'ignored', reason, deliveryId } });
}
