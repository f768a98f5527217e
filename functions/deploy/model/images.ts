/**
 * Container image references as deploy reads and writes them: `registry/owner/name[:tag][@digest]`.
 * Deploy always writes a pinned reference, `ghcr.io/o/n:tag@sha256:<64 hex>`: the tag for people,
 * the digest for the kubelet, so a tag moved later cannot change what runs.
 */

/** A parsed image reference. `repository` is everything before the tag and digest, lower-cased for GHCR. */
export interface ImageRef {
  repository: string;
  tag?: string;
  digest?: string;
}

/** What a push names and deploy pins: all three parts present. */
export interface PinnedImage {
  repository: string;
  tag: string;
  digest: string;
}

/** A private ECR registry host, `<account>.dkr.ecr.<region>.amazonaws.com` (`.amazonaws.com.cn` in the China Regions), any case. */
const ECR_HOST = /^\d{12}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com(\.cn)?\//i;

export const DIGEST_PATTERN = /^sha256:[0-9a-f]{64}$/;

/** An OCI tag: a word character, then up to 127 word characters, dots and dashes. */
export const TAG_PATTERN = /^[\w][\w.-]{0,127}$/;

/**
 * Splits an image reference into repository, tag and digest. A `:` after the last `/` starts the
 * tag (a `:` before it is a registry port). GHCR repositories are lower-cased, as the registry
 * serves them whatever case the owner's login has; so are ECR ones (a DNS host, and ECR repository
 * names are lower case).
 *
 * @example
 * parseImageRef('ghcr.io/acme/web:v1.2.3@sha256:ab...'); // { repository: 'ghcr.io/acme/web', tag: 'v1.2.3', digest: 'sha256:ab...' }
 * parseImageRef('grafana/grafana:11.2.0');                // { repository: 'grafana/grafana', tag: '11.2.0' }
 */
export function parseImageRef(ref: string): ImageRef {
  let rest = ref.trim();
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at !== -1) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  const repository = rest.toLowerCase().startsWith('ghcr.io/') || ECR_HOST.test(rest) ? rest.toLowerCase() : rest;
  return { repository, ...(tag ? { tag } : {}), ...(digest ? { digest } : {}) };
}

/**
 * The reference deploy writes into a manifest.
 *
 * @example
 * pinnedRef({ repository: 'ghcr.io/acme/web', tag: 'v1.2.3', digest: 'sha256:ab...' }); // 'ghcr.io/acme/web:v1.2.3@sha256:ab...'
 */
export function pinnedRef(image: PinnedImage): string {
  return `${image.repository}:${image.tag}@${image.digest}`;
}

/**
 * A pinned reference read back from a release or a manual invoke; `undefined` when any part is
 * missing or the digest is not a sha256 digest.
 *
 * @example
 * parsePinned('ghcr.io/acme/web:v1@sha256:ab...'); // { repository, tag: 'v1', digest }
 */
export function parsePinned(ref: string): PinnedImage | undefined {
  const { repository, tag, digest } = parseImageRef(ref);
  if (tag === undefined || digest === undefined || !DIGEST_PATTERN.test(digest)) return undefined;
  return { repository, tag, digest };
}
