/**
 * What differs between an object as it is and as deploy would store it, pure. Fields the API server
 * maintains (status, managedFields, resourceVersion, generation, uid, timestamps) are not drift.
 * Arrays compare by position, as a server-side apply replaces atomic lists and merges keyed ones
 * in place.
 */
import type { KubernetesObject } from '../../../shared/ports/kubernetes';

const SERVER_FIELDS = ['managedFields', 'resourceVersion', 'generation', 'uid', 'creationTimestamp', 'selfLink'];

/** The most paths listed for one object; the rest are summarised. */
export const MAX_PATHS = 20;

/**
 * Field paths that differ between `live` and `wanted` (`spec.template.spec.containers[0].image`).
 *
 * @example
 * diffObjects(live, dryRunAnswer); // ['spec.template.spec.containers[0].image']
 */
export function diffObjects(live: KubernetesObject, wanted: KubernetesObject): string[] {
  const paths: string[] = [];
  walk(normalise(live), normalise(wanted), '', paths);
  return paths.length > MAX_PATHS ? [...paths.slice(0, MAX_PATHS), `and ${paths.length - MAX_PATHS} more`] : paths;
}

function normalise(object: KubernetesObject): Record<string, unknown> {
  const rest: Record<string, unknown> = Object.fromEntries(Object.entries(object).filter(([key]) => key !== 'status' && key !== 'metadata'));
  const meta: Record<string, unknown> = Object.fromEntries(Object.entries(object.metadata).filter(([key]) => !SERVER_FIELDS.includes(key)));
  const annotations = { ...(meta.annotations as Record<string, string> | undefined) };
  // Written by the Deployment controller and kubectl, not by whoever applies.
  delete annotations['deployment.kubernetes.io/revision'];
  delete annotations['kubectl.kubernetes.io/last-applied-configuration'];
  meta.annotations = Object.keys(annotations).length === 0 ? undefined : annotations;
  return { ...rest, metadata: meta };
}

function walk(a: unknown, b: unknown, at: string, paths: string[]): void {
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) {
      paths.push(`${at} (${a.length} items, wanted ${b.length})`);
      return;
    }
    a.forEach((item: unknown, index) => {
      walk(item, b[index], `${at}[${index}]`, paths);
    });
    return;
  }
  if (isRecord(a) && isRecord(b)) {
    for (const key of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
      if (a[key] === undefined && b[key] === undefined) continue;
      walk(a[key], b[key], at === '' ? key : `${at}.${key}`, paths);
    }
    return;
  }
  if (JSON.stringify(a) !== JSON.stringify(b)) paths.push(at);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
