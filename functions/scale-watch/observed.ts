/**
 * What scale-watch reads before it plans one rule: the state of the rule's alarms as CloudWatch
 * reports it, its node groups as EKS describes them, and the objects that bound its HPAs (the HPA
 * itself, or the KEDA ScaledObject that owns it).
 */
import type { Nodegroup } from '@aws-sdk/client-eks';

export const ALARM_STATES = ['OK', 'ALARM', 'INSUFFICIENT_DATA'] as const;
export type AlarmStateValue = (typeof ALARM_STATES)[number];

/** One alarm's current state and when it entered it. */
export interface AlarmState {
  alarmName: string;
  value: AlarmStateValue;
  since: Date;
  reason?: string;
}

/** The object that bounds an HPA's replicas, and the bounds it holds. */
export interface ObservedScaler {
  /** `hpa`: a plain HPA, patched itself. `keda`: its owner ScaledObject, patched instead. */
  via: 'hpa' | 'keda';
  apiVersion: string;
  kind: 'HorizontalPodAutoscaler' | 'ScaledObject';
  namespace: string;
  name: string;
  /** minReplicas / minReplicaCount as written on the object; undefined when unset (the default applies). */
  min: number | undefined;
  max: number | undefined;
  annotations: Record<string, string>;
}

/** Defaults of the bounds when the object leaves them unset (Kubernetes HPA, KEDA ScaledObject). */
export const SCALER_DEFAULTS: Record<ObservedScaler['via'], { min: number; max: number }> = {
  hpa: { min: 1, max: 1 },
  keda: { min: 0, max: 100 },
};

export interface RuleObservation {
  /** The rule's alarms (its one alarm, or every alarm its prefix matches) as CloudWatch reports them. */
  alarms: AlarmState[];
  /** The rule's node groups by name; null when EKS has no such node group. */
  nodeGroups: Record<string, Nodegroup | null>;
  /** The rule's HPAs by `namespace/name`; null when the HPA (or its ScaledObject) does not exist. */
  scalers: Record<string, ObservedScaler | null>;
}

/**
 * `namespace/name`, how scalers are keyed.
 *
 * @example
 * scalerKey({ namespace: 'kianax', name: 'kianax-api' }); // 'kianax/kianax-api'
 */
export function scalerKey(target: { namespace: string; name: string }): string {
  return `${target.namespace}/${target.name}`;
}
