/**
 * GHCR pushes as GitHub reports them: `registry_package` (and the older `package`) events, actions
 * `published` and `updated`. One push of a multi-arch image sends one event per manifest: the
 * platform manifests carry an empty tag and are ignored; the index carries the tag and its digest,
 * which is what deploy pins.
 */

/** The events that carry container pushes. */
export const PACKAGE_EVENTS = ['registry_package', 'package'] as const;
export type PackageEventName = (typeof PACKAGE_EVENTS)[number];

/** The actions that mean "a version was pushed". */
export const PUSH_ACTIONS = ['published', 'updated'] as const;
export type PushAction = (typeof PUSH_ACTIONS)[number];

/** A tagged container push, normalised: a lower-case repository, a tag, a sha256 digest. */
export interface ImagePush {
  event: PackageEventName;
  action: PushAction;
  /** `ghcr.io/<owner>/<name>`, lower-cased. */
  repository: string;
  tag: string;
  digest: string;
  /** The manifest's media type when GitHub sends it (an OCI index for a multi-arch push). */
  mediaType?: string;
  /** Where the image was built from, when the payload says: the repository that pushed it, the commit of its revision label. */
  source?: { repository?: string; revision?: string };
}

/** A push to deploy, or the reason the event is acknowledged and left alone. */
export type PackageEventResult = { kind: 'push'; push: ImagePush } | { kind: 'ignored'; reason: string };

const DIGEST = /^sha256:[0-9a-f]{64}$/;
const TAG = /^[\w][\w.-]{0,127}$/;

/**
 * Reads a `registry_package` or `package` payload (already JSON-parsed). Everything that is not a
 * tagged container push with a valid digest comes back `ignored` with the reason.
 *
 * @example
 * const result = parsePackageEvent('registry_package', JSON.parse(body));
 * if (result.kind === 'push') queue(result.push); // { repository: 'ghcr.io/acme/web', tag: 'v1.2.3', digest: 'sha256:...' }
 */
export function parsePackageEvent(event: PackageEventName, payload: unknown): PackageEventResult {
  const body = record(payload);
  const action = body?.action;
  if (!isPushAction(action))
    return { kind: 'ignored', reason: `action ${JSON.stringify(action ?? null)} of ${event} is not handled (only published, updated)` };
  const pkg = record(body?.[event]);
  if (pkg === undefined) return { kind: 'ignored', reason: `the ${event} event has no "${event}" object` };
  const version = record(pkg.package_version);
  const container = record(version?.container_metadata);
  if (!isContainer(pkg, container)) {
    return { kind: 'ignored', reason: `package ${text(pkg.name) ?? '?'} is a ${text(pkg.package_type) ?? 'non-container'} package, not a container image` };
  }
  const tagName = text(record(container?.tag)?.name) ?? '';
  const mediaType = text(record(container?.manifest)?.media_type);
  if (tagName === '') {
    return { kind: 'ignored', reason: 'untagged manifest (a platform manifest of a multi-arch push): the tagged index deploys instead' };
  }
  if (!TAG.test(tagName)) return { kind: 'ignored', reason: `tag ${JSON.stringify(tagName)} is not a valid OCI tag` };
  const digest = [text(version?.version), text(record(container?.manifest)?.digest), text(record(container?.tag)?.digest)].find(
    (candidate) => candidate !== undefined && DIGEST.test(candidate),
  );
  if (digest === undefined) return { kind: 'ignored', reason: `tag ${tagName} comes without a sha256 digest to pin` };
  const repository = repositoryOf(pkg, version);
  if (repository === undefined) return { kind: 'ignored', reason: 'the event names no ghcr.io repository (package_url, or owner and name)' };
  const source = sourceOf(body, container);
  return { kind: 'push', push: { event, action, repository, tag: tagName, digest, ...(mediaType ? { mediaType } : {}), ...(source ? { source } : {}) } };
}

const REPOSITORY_NAME = /^[\w.-]+\/[\w.-]+$/;
const GITHUB_SOURCE = /^https:\/\/github\.com\/([\w.-]+\/[\w.-]+?)(?:\.git)?\/?$/;

/**
 * Where the image was built from: the repository is the payload's `repository.full_name` (the one
 * that pushed), else the image's `org.opencontainers.image.source` label when it is a github.com
 * URL; the revision is the `org.opencontainers.image.revision` label (GitHub's own example sends it
 * under `labels.all_labels`, with `labels.revision` empty).
 */
function sourceOf(body: Record<string, unknown> | undefined, container: Record<string, unknown> | undefined): ImagePush['source'] {
  const labels = record(container?.labels);
  const all = record(labels?.all_labels);
  const fullName = text(record(body?.repository)?.full_name);
  const label = GITHUB_SOURCE.exec(text(all?.['org.opencontainers.image.source']) ?? text(labels?.source) ?? '')?.[1];
  const repository = [fullName, label].find((candidate) => candidate !== undefined && REPOSITORY_NAME.test(candidate));
  const revision = [text(all?.['org.opencontainers.image.revision']), text(labels?.revision)].find(
    (candidate) => candidate !== undefined && /^[\w./-]{1,255}$/.test(candidate),
  );
  if (repository === undefined && revision === undefined) return undefined;
  return { ...(repository === undefined ? {} : { repository }), ...(revision === undefined ? {} : { revision }) };
}

/**
 * Whether GitHub's event name is one this module reads.
 *
 * @example
 * isPackageEvent(headers['x-github-event']); // true for registry_package and package
 */
export function isPackageEvent(event: string): event is PackageEventName {
  return (PACKAGE_EVENTS as readonly string[]).includes(event);
}

function isPushAction(action: unknown): action is PushAction {
  return typeof action === 'string' && (PUSH_ACTIONS as readonly string[]).includes(action);
}

/**
 * GitHub spells the type `container` (registry_package) or `CONTAINER`/`docker` (package), and its
 * own example labels a docker push `npm`: container metadata settles it.
 */
function isContainer(pkg: Record<string, unknown>, container: Record<string, unknown> | undefined): boolean {
  if (container !== undefined) return true;
  const type = text(pkg.package_type)?.toLowerCase();
  return type === 'container' || type === 'docker';
}

/** `ghcr.io/<owner>/<name>` from `package_url` (`ghcr.io/o/n:tag`), else from the owner and name. */
function repositoryOf(pkg: Record<string, unknown>, version: Record<string, unknown> | undefined): string | undefined {
  const url = text(version?.package_url);
  if (url?.toLowerCase().startsWith('ghcr.io/')) {
    const withoutDigest = url.split('@')[0] ?? url;
    const colon = withoutDigest.lastIndexOf(':');
    const repository = colon > withoutDigest.lastIndexOf('/') ? withoutDigest.slice(0, colon) : withoutDigest;
    return repository.toLowerCase();
  }
  const owner = text(record(pkg.owner)?.login);
  const name = text(pkg.name);
  return owner !== undefined && name !== undefined ? `ghcr.io/${owner}/${name}`.toLowerCase() : undefined;
}

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}
