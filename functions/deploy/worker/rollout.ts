/**
 * Rollout status, pure: is a Deployment, StatefulSet or DaemonSet done rolling out, still going, or
 * failed? The rules are `kubectl rollout status`'s: the controller must have observed the latest
 * generation, then every replica must be updated and available. Kubernetes only flags a stalled
 * Deployment (`Progressing=False`, `ProgressDeadlineExceeded`); deciding to roll back is ours.
 */
import type { KubernetesObject } from '../../../shared/ports/kubernetes';
import { describeObject } from '../model/manifests';
import type { RolloutState } from '../model/plan';

export type { RolloutState } from '../model/plan';

interface Status {
  observedGeneration?: number;
  replicas?: number;
  updatedReplicas?: number;
  readyReplicas?: number;
  availableReplicas?: number;
  currentRevision?: string;
  updateRevision?: string;
  desiredNumberScheduled?: number;
  updatedNumberScheduled?: number;
  numberAvailable?: number;
  conditions?: { type?: string; status?: string; reason?: string; message?: string }[];
}

/**
 * The rollout state of one object as the API server answered it (`null`: not there yet).
 *
 * @example
 * rolloutState(deployment); // { state: 'progressing', reason: 'Deployment shop/web: 1 of 3 updated replicas are available' }
 */
export function rolloutState(object: KubernetesObject | null): RolloutState {
  if (object === null) return { state: 'progressing', reason: 'not created yet' };
  const name = describeObject(object);
  const status = (object.status ?? {}) as Status;
  const spec = (object.spec ?? {}) as { replicas?: number; updateStrategy?: { type?: string; rollingUpdate?: { partition?: number } } };
  const generation = object.metadata.generation ?? 0;
  if ((status.observedGeneration ?? 0) < generation) {
    return { state: 'progressing', reason: `${name}: waiting for the controller to observe generation ${generation}` };
  }
  switch (object.kind) {
    case 'Deployment': {
      const stalled = status.conditions?.find((condition) => condition.type === 'Progressing' && condition.reason === 'ProgressDeadlineExceeded');
      if (stalled !== undefined)
        return { state: 'failed', reason: `${name} exceeded its progress deadline (ProgressDeadlineExceeded)${stalled.message ? `: ${stalled.message}` : ''}` };
      const wanted = spec.replicas ?? 1;
      const updated = status.updatedReplicas ?? 0;
      if (updated < wanted) return { state: 'progressing', reason: `${name}: ${updated} of ${wanted} replicas updated` };
      if ((status.replicas ?? 0) > updated)
        return { state: 'progressing', reason: `${name}: ${(status.replicas ?? 0) - updated} old replicas pending termination` };
      if ((status.availableReplicas ?? 0) < updated)
        return { state: 'progressing', reason: `${name}: ${status.availableReplicas ?? 0} of ${updated} updated replicas are available` };
      return { state: 'complete' };
    }
    case 'StatefulSet': {
      if (spec.updateStrategy?.type === 'OnDelete') return { state: 'complete' };
      const wanted = spec.replicas ?? 1;
      if ((status.readyReplicas ?? 0) < wanted) return { state: 'progressing', reason: `${name}: ${status.readyReplicas ?? 0} of ${wanted} pods ready` };
      const partition = spec.updateStrategy?.rollingUpdate?.partition ?? 0;
      if (partition > 0) {
        const updated = status.updatedReplicas ?? 0;
        return updated < wanted - partition
          ? { state: 'progressing', reason: `${name}: ${updated} of ${wanted - partition} pods updated` }
          : { state: 'complete' };
      }
      if (status.updateRevision !== status.currentRevision)
        return { state: 'progressing', reason: `${name}: ${status.updatedReplicas ?? 0} of ${wanted} pods updated` };
      return { state: 'complete' };
    }
    case 'DaemonSet': {
      const wanted = status.desiredNumberScheduled ?? 0;
      if ((status.updatedNumberScheduled ?? 0) < wanted)
        return { state: 'progressing', reason: `${name}: ${status.updatedNumberScheduled ?? 0} of ${wanted} pods updated` };
      if ((status.numberAvailable ?? 0) < wanted)
        return { state: 'progressing', reason: `${name}: ${status.numberAvailable ?? 0} of ${wanted} pods available` };
      return { state: 'complete' };
    }
    default:
      return { state: 'complete' };
  }
}
