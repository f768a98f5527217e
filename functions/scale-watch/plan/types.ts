/** The shapes scale-watch's plan is made of: what it is made for, what it decides, what it moves. */
import type { Nodegroup } from '@aws-sdk/client-eks';
import type { Plan, TargetId } from '../../../shared/model/plan/plan';
import type { HpaTargetSpec, NodeGroupTargetSpec } from '../../../shared/model/cluster-spec/scaling';
import type { NodeGroupSpec } from '../../../shared/model/cluster-spec/schema';
import type { ScaleWatchAction } from '../actions';
import type { AlarmStateValue, ObservedScaler } from '../observed';
import type { BoundsRecord, RecordReading, ReplicaRecord } from '../records';

/** What a plan is made for. */
export type Trigger =
  /** An alarm state change (from EventBridge, or a manual "what would it do"). */
  | { kind: 'alarm'; alarmName: string; state: AlarmStateValue; at: Date }
  /** The scheduled run: the alarms' state as CloudWatch reports it. */
  | { kind: 'schedule' }
  /** A person asked for the spec's values back now. */
  | { kind: 'reset' };

/** The rule's alarms taken together: ALARM while any is, OK once all are. */
export interface RuleState {
  value: AlarmStateValue;
  /** The alarm that decides the state (the latest in ALARM, or the last to turn OK). */
  alarmName: string;
  since: Date;
}

export type Decision =
  | { kind: 'ignore'; reason: string }
  | { kind: 'step'; state: RuleState; stepAt: Date; reason: string }
  | { kind: 'cooldown'; state: RuleState; lastStep: Date; until: Date; reason: string }
  | { kind: 'hold'; state: RuleState; returnAt: Date; reason: string }
  | { kind: 'return'; reason: string; state?: RuleState }
  | { kind: 'freeze'; state: RuleState | undefined; reason: string };

export interface RulePlan extends Plan<ScaleWatchAction> {
  rule: string;
  decision: Decision;
}

/** A node group the rule moves, with what the spec and EKS say of it and the record its tags carry. */
export interface NodeGroupTarget {
  kind: 'nodegroup';
  id: TargetId;
  spec: NodeGroupTargetSpec;
  group: NodeGroupSpec | undefined;
  observed: Nodegroup | null;
  reading: RecordReading<BoundsRecord>;
}

/** An HPA (or the ScaledObject that owns it) the rule moves, with the record its annotations carry. */
export interface ScalerTarget {
  kind: 'scaler';
  id: TargetId;
  spec: HpaTargetSpec;
  observed: ObservedScaler | null;
  reading: RecordReading<ReplicaRecord>;
}

/** What a rule moves. */
export type Target = NodeGroupTarget | ScalerTarget;
