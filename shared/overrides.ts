/**
 * The scaling-override protocol between scale-watch (which raises node-group bounds for a while)
 * and provision (whose drift check must not undo them while they last).
 *
 * An override is four tags on the managed node group, written in one TagResource call together
 * with the UpdateNodegroupConfig that applied it:
 *
 *   eks-pilot/override-min-size   the minSize in force while the override lasts (optional)
 *   eks-pilot/override-max-size   the maxSize in force while the override lasts (optional)
 *   eks-pilot/override-expires    ISO 8601 UTC instant after which the spec's bounds apply again
 *   eks-pilot/override-source     who set it, e.g. `alarm/orders-cpu-high` (for people and logs)
 *
 * While `expires` is in the future, provision treats the override's bounds as desired. Once it has
 * passed, the override is drift: provision puts the spec's bounds back and removes the tags.
 * Tags live on the resource, so the record survives cold starts and is visible in the console.
 */
export const OVERRIDE_TAG = {
  minSize: 'eks-pilot/override-min-size',
  maxSize: 'eks-pilot/override-max-size',
  expires: 'eks-pilot/override-expires',
  source: 'eks-pilot/override-source',
} as const;

export const OVERRIDE_TAG_KEYS: readonly string[] = Object.values(OVERRIDE_TAG);

export interface ScalingOverride {
  minSize?: number;
  maxSize?: number;
  expires: Date;
  source: string;
}

export type OverrideReading =
  | { kind: 'none' }
  | { kind: 'active'; override: ScalingOverride }
  | { kind: 'expired'; override: ScalingOverride }
  /** Tags are present but unreadable: treated as absent for bounds, and cleaned up. */
  | { kind: 'malformed'; reason: string };

/**
 * Reads the override on a node group's tags as of `now`.
 *
 * @example
 * readOverride({ 'eks-pilot/override-max-size': '20', 'eks-pilot/override-expires': '2026-11-22T12:00:00Z', 'eks-pilot/override-source': 'alarm/x' }, now);
 */
export function readOverride(tags: Readonly<Record<string, string>> | undefined, now: Date): OverrideReading {
  if (!tags || !OVERRIDE_TAG_KEYS.some((key) => key in tags)) return { kind: 'none' };
  const expires = new Date(tags[OVERRIDE_TAG.expires] ?? '');
  if (Number.isNaN(expires.getTime())) return { kind: 'malformed', reason: `${OVERRIDE_TAG.expires} is not an ISO 8601 time` };
  const minSize = readSize(tags[OVERRIDE_TAG.minSize]);
  const maxSize = readSize(tags[OVERRIDE_TAG.maxSize]);
  if (minSize === null || maxSize === null) return { kind: 'malformed', reason: 'a size tag is not a whole number' };
  if (minSize === undefined && maxSize === undefined) return { kind: 'malformed', reason: 'neither size tag is set' };
  const override: ScalingOverride = {
    ...(minSize === undefined ? {} : { minSize }),
    ...(maxSize === undefined ? {} : { maxSize }),
    expires,
    source: tags[OVERRIDE_TAG.source] ?? 'unknown',
  };
  return expires.getTime() > now.getTime() ? { kind: 'active', override } : { kind: 'expired', override };
}

/** The tags that record an override; the writer sends them with TagResource. */
export function overrideTags(override: ScalingOverride): Record<string, string> {
  return {
    ...(override.minSize === undefined ? {} : { [OVERRIDE_TAG.minSize]: String(override.minSize) }),
    ...(override.maxSize === undefined ? {} : { [OVERRIDE_TAG.maxSize]: String(override.maxSize) }),
    [OVERRIDE_TAG.expires]: override.expires.toISOString(),
    [OVERRIDE_TAG.source]: override.source,
  };
}

function readSize(value: string | undefined): number | undefined | null {
  if (value === undefined) return undefined;
  return /^\d+$/.test(value) ? Number(value) : null;
}
