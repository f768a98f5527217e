/**
 * Deploy's side of the scaling-override protocol (shared/model/overrides.ts). While scale-watch holds an
 * HPA's or KEDA ScaledObject's replica bounds raised, deploy applies the raised bounds in place of
 * the manifest's, so an apply during an incident never lowers them. It also writes the manifest's
 * values into the `eks-pilot/spec-*-replicas` annotations, so the end of the override restores the
 * current manifest and not the one that was live when the override began. An expired or unreadable
 * override changes nothing: the manifest is applied as it is, and scale-watch cleans the record up.
 */
import type { KubernetesObject, KubernetesPort } from '../../../shared/ports/kubernetes';
import type { ReplicaRecord } from '../../../shared/model/overrides';
import { readReplicaRecord, specReplicaAnnotations } from '../../../shared/model/overrides';

/** The replica-bound fields of the kinds scale-watch raises (the manifests' kinds are checked against their API group on load). */
export const BOUND_FIELDS: Readonly<Partial<Record<string, { min: string; max: string }>>> = {
  HorizontalPodAutoscaler: { min: 'minReplicas', max: 'maxReplicas' },
  ScaledObject: { min: 'minReplicaCount', max: 'maxReplicaCount' },
};

/** What to apply for one rendered object. */
export interface Honoured {
  /** The rendered object, or a copy with the override's bounds and the manifest's values as spec-* annotations. */
  object: KubernetesObject;
  /** The active override that was kept, if any. */
  override?: ReplicaRecord;
}

/**
 * The object to apply for `rendered` (as rendered from the manifests, never an already honoured
 * copy) given the `live` object and the time. Pure.
 *
 * @example
 * honourOverride(renderedHpa, liveHpa, now).object.spec; // { ..., maxReplicas: 15 } while an override to 15 is active
 */
export function honourOverride(rendered: KubernetesObject, live: KubernetesObject | null, now: Date): Honoured {
  const fields = BOUND_FIELDS[rendered.kind];
  if (fields === undefined || live === null) return { object: rendered };
  const reading = readReplicaRecord(live.metadata.annotations, now);
  if (reading.kind !== 'active') return { object: rendered };
  const { record } = reading;
  const spec: Record<string, unknown> = { ...(rendered.spec as Record<string, unknown> | undefined) };
  const restore = {
    ...(record.min === undefined ? {} : { specMin: manifestCount(spec[fields.min]) }),
    ...(record.max === undefined ? {} : { specMax: manifestCount(spec[fields.max]) }),
  };
  if (record.min !== undefined) spec[fields.min] = record.min;
  if (record.max !== undefined) spec[fields.max] = record.max;
  const metadata = { ...rendered.metadata, annotations: { ...rendered.metadata.annotations, ...specReplicaAnnotations(restore) } };
  return { object: { ...rendered, metadata, spec }, override: record };
}

/**
 * Reads the live object of an HPA or ScaledObject and honours its override; any other kind is
 * returned as rendered, without a request.
 *
 * @example
 * const { object, override } = await withLiveOverride(k8s, renderedHpa, deps.now());
 */
export async function withLiveOverride(k8s: KubernetesPort, rendered: KubernetesObject, now: Date): Promise<Honoured> {
  if (BOUND_FIELDS[rendered.kind] === undefined) return { object: rendered };
  const { apiVersion, kind, metadata } = rendered;
  // One extra GET per HPA/ScaledObject per deploy: scale-watch records its override on the live object.
  const live = await k8s.get(apiVersion, kind, metadata.namespace, metadata.name);
  return honourOverride(rendered, live, now);
}

/** The manifest's value to restore; `null` (restore as unset) when the manifest leaves the field out. */
function manifestCount(value: unknown): number | null {
  return typeof value === 'number' && Number.isInteger(value) ? value : null;
}
