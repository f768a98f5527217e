/**
 * ECR pushes as EventBridge delivers them: source `aws.ecr`, detail-type `ECR Image Action`, detail
 * `{result, repository-name, image-digest, action-type, image-tag}` (Amazon ECR user guide, "Amazon
 * ECR events and EventBridge", sample "Event for a completed image push"; the event's `account` and
 * `region` say whose registry). Emitted on a best-effort basis, one event per pushed manifest: a
 * multi-arch push sends its platform manifests untagged, and the tagged index is what deploys.
 */
import * as z from 'zod/mini';

/**
 * The repository URI of a private ECR repository, as `docker push` and a manifest name it
 * (Amazon ECR user guide, "Amazon ECR private registry": `aws_account_id.dkr.ecr.region.amazonaws.com`).
 *
 * @example
 * ecrRepositoryUri('123456789012', 'eu-west-1', 'crypto-oms/order-ingestion'); // '123456789012.dkr.ecr.eu-west-1.amazonaws.com/crypto-oms/order-ingestion'
 * ecrRepositoryUri('123456789012', 'cn-north-1', 'web'); // '123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn/web'
 */
export function ecrRepositoryUri(account: string, region: string, repositoryName: string): string {
  const suffix = region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com';
  return `${account}.dkr.ecr.${region}.${suffix}/${repositoryName}`.toLowerCase();
}

/** The detail-type of ECR's push and delete events. */
export const ECR_IMAGE_ACTION = 'ECR Image Action';

/** The EventBridge envelope and ECR's detail, as far as deploy reads them; other fields pass through. */
export const ecrImageActionSchema = z.looseObject({
  id: z.string().check(z.minLength(1)),
  'detail-type': z.literal(ECR_IMAGE_ACTION),
  source: z.literal('aws.ecr'),
  account: z.string().check(z.regex(/^\d{12}$/, 'expected a 12-digit AWS account id')),
  region: z.string().check(z.minLength(1)),
  time: z.string().check(z.minLength(1)),
  detail: z.looseObject({
    result: z.string(),
    'action-type': z.string(),
    'repository-name': z.string().check(z.minLength(1)),
    'image-digest': z.optional(z.string()),
    'image-tag': z.optional(z.string()),
  }),
});

export type EcrImageAction = z.output<typeof ecrImageActionSchema>;

/** A tagged ECR push, normalised as a GHCR push is: the repository URI, a tag, a sha256 digest. */
export interface EcrPush {
  /** `<account>.dkr.ecr.<region>.amazonaws.com/<repository-name>`, lower case. */
  repository: string;
  tag: string;
  digest: string;
}

export type EcrEventResult = { kind: 'push'; push: EcrPush } | { kind: 'ignored'; reason: string };

const DIGEST = /^sha256:[0-9a-f]{64}$/;
const TAG = /^[\w][\w.-]{0,127}$/;

/**
 * Reads an `ECR Image Action` event (already validated by {@link ecrImageActionSchema}). A delete,
 * a failed push, an untagged manifest or a digest that is not a full sha256 comes back `ignored`
 * with the reason.
 *
 * @example
 * const result = parseEcrEvent(event);
 * if (result.kind === 'push') queue(result.push); // { repository: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/web', tag: 'v1.3.0', digest: 'sha256:...' }
 */
export function parseEcrEvent(event: EcrImageAction): EcrEventResult {
  const { detail } = event;
  if (detail['action-type'] !== 'PUSH') return { kind: 'ignored', reason: `action-type ${detail['action-type']} is not handled (only PUSH)` };
  if (detail.result !== 'SUCCESS') return { kind: 'ignored', reason: `the push's result is ${detail.result}, not SUCCESS` };
  const tag = detail['image-tag'] ?? '';
  if (tag === '') return { kind: 'ignored', reason: 'untagged manifest (a platform manifest of a multi-arch push): the tagged index deploys instead' };
  if (!TAG.test(tag)) return { kind: 'ignored', reason: `tag ${JSON.stringify(tag)} is not a valid OCI tag` };
  const digest = detail['image-digest'] ?? '';
  if (!DIGEST.test(digest)) return { kind: 'ignored', reason: `tag ${tag} comes without a sha256 digest to pin (image-digest ${JSON.stringify(digest)})` };
  return { kind: 'push', push: { repository: ecrRepositoryUri(event.account, event.region, detail['repository-name']), tag, digest } };
}
