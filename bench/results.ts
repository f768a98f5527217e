/**
 * The shape of one bench run, as written to bench/results/latest.json.
 */
import type { BundleFigures, ComponentFigures } from './bundles';
import type { ColdStartFigures } from './cold-start';
import type { AwsCallsFigures } from './scenarios/aws-calls';
import type { FanOutFigures } from './scenarios/fan-out';
import type { FleetPlanFigures } from './scenarios/fleet-plan';
import type { FleetFanOutFigures } from './scenarios/fleet-fan-out';
import type { SpecParseFigures } from './scenarios/spec-parse';
import type { PushToApplyFigures } from './scenarios/push-to-apply';
import type { RebuildFigures } from './scenarios/rebuild';
import type { WebhookAckFigures } from './scenarios/webhook-ack';

export interface Machine {
  /** `nproc`: the CPUs this process may use. */
  cpus: number;
  cpuModel: string;
  node: string;
  platform: string;
  esbuild: string;
  /** 1-minute load average when the run started: how busy the shared machine was. */
  loadAverage: number;
}

export interface Settings {
  coldStartRounds: number;
  webhookEvents: number;
  pushRuns: number;
  fleetClusters: number;
  fleetNodeGroups: number;
  fleetRounds: number;
  fanOutWorkloads: number;
  fanOutBatchSize: number;
  fanOutConcurrency: number[];
  fanOutRounds: number;
  specParseKeys: number[];
  specParseRounds: number;
}

/** One target of issue 7 and how far this run's figure is from it. */
export interface Verdict {
  /** `bundle size`, `bundled load`, ... */
  target: string;
  /** What the figure is of: a function, an example, the fleet. */
  subject: string;
  /** The limit as the issue states it. */
  limit: string;
  /** This run's figure. */
  figure: string;
  met: boolean;
  /** How far under (met) or over (missed) the limit, in the figure's unit. */
  distance: string;
  /** For a missed target: what would help, from what the run measured. */
  help?: string;
}

export interface BenchResults {
  startedAt: string;
  finishedAt: string;
  durationSeconds: number;
  machine: Machine;
  settings: Settings;
  bundles: BundleFigures[];
  /** Parts of the handlers bundled alone, for the cold-start proxy's breakdown. */
  components: ComponentFigures[];
  coldStart: ColdStartFigures;
  webhook: WebhookAckFigures;
  pushToApply: PushToApplyFigures;
  awsCalls: AwsCallsFigures;
  fleetPlan: FleetPlanFigures;
  fanOut: FanOutFigures;
  specParse: SpecParseFigures;
  /** Issue 16's 1,000-cluster fleet, fanned out over SQS, in virtual time. */
  fleetFanOut: FleetFanOutFigures;
  rebuild: RebuildFigures;
  verdicts: Verdict[];
}
