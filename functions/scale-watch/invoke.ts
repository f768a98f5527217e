/**
 * What one scale-watch invocation does with its event: load the specs, find the rules the event
 * concerns, run them, publish a metric per action, notify, and answer with a report a person can
 * read in the console.
 *
 * - An alarm state change runs, in apply mode, every rule of a spec in the event's Region that the
 *   alarm drives. A rule that cannot even be observed (CloudWatch or the cluster unreachable) fails
 *   the invocation after the others ran, so Lambda retries the event; the retry changes nothing
 *   twice (the rules that ran see it as a duplicate).
 * - The schedule keeps the spec's alarms (PutMetricAlarm), then reconciles every rule: renewals
 *   while an alarm lasts, the next step after the cooldown, the return after the hold time, and any
 *   move a busy node group left over. It never fails: each cluster's problems are in its report.
 * - Manual invokes: `plan` (what a transition would do, no write), `reset` (the spec's values back
 *   now), `alarms` (alarms as code on demand, plan or apply).
 */
import type { CloudWatchAlarmsPort } from '../../shared/ports/cloudwatch';
import { clip, errorFacts, InvalidEventError, UpstreamError } from '../../shared/errors';
import type { MetricsSink } from '../../shared/reconcile/metrics';
import { publishCounts } from '../../shared/reconcile/metrics';
import { statusOfFailure } from '../../shared/reconcile/status';
import { renderPlan } from '../../shared/model/plan/render';
import { loadSpecsOnce } from '../../shared/model/cluster-spec/load';
import type { ScalingRuleSpec } from '../../shared/model/cluster-spec/scaling';
import { ruleWatches } from '../../shared/model/cluster-spec/runtime';
import type { ClusterSpec } from '../../shared/model/cluster-spec/schema';
import type { AlarmEvent, ManualInvoke, ScaleWatchEvent } from './event';
import { isAlarmEvent, isScheduledEvent } from './event';
import type { Trigger } from './plan';
import type { Mode } from '../../shared/reconcile/status';
import type { AlarmsReport, RuleReport, ScaleWatchDeps } from './run';
import { describeTrigger, reconcileAlarms, runRule } from './run';
import type { EventNotifier } from '../../shared/ports/notifier';
import { sendNotifications } from '../../shared/reconcile/notify';
import { ruleNotification } from './notify';

export interface InvokeDeps extends ScaleWatchDeps {
  cloudWatchFor(spec: ClusterSpec): CloudWatchAlarmsPort;
  specPaths: readonly string[];
  metrics?: MetricsSink;
  /** Set when a topic is configured: every bound change is told there (shared/adapters/aws/sns-notifier.ts `SnsNotifier` is one). */
  notifier?: EventNotifier;
}

type Rendered<T extends { plan?: unknown }> = Omit<T, 'plan'> & { plan?: string[] };

export interface ScaleWatchResponse {
  rules: Rendered<RuleReport>[];
  alarms: Rendered<AlarmsReport>[];
  /** Why nothing ran, when nothing did. */
  ignored?: string;
}

/**
 * @example
 * await handleScaleWatchEvent(alarmStateChange, deps);          // runs the rules the alarm drives
 * await handleScaleWatchEvent({ action: 'plan', alarm: 'kianax-general-ng-cpu-high', state: 'ALARM' }, deps);
 */
export async function handleScaleWatchEvent(event: ScaleWatchEvent, deps: InvokeDeps): Promise<ScaleWatchResponse> {
  const specs = (await loadSpecsOnce(deps.specPaths)).map((loaded) => loaded.spec);
  let response: ScaleWatchResponse;
  if (isAlarmEvent(event)) response = await onAlarm(event, specs, deps);
  else if (isScheduledEvent(event)) response = await onSchedule(specs, deps);
  else response = await onManual(event, specs, deps);
  publishMetrics(response, deps.metrics);
  return response;
}

async function onAlarm(event: AlarmEvent, specs: readonly ClusterSpec[], deps: InvokeDeps): Promise<ScaleWatchResponse> {
  const { alarmName, state } = event.detail;
  const matched = rulesWatching(
    specs.filter((spec) => spec.region === event.region),
    alarmName,
  );
  if (matched.length === 0) {
    const ignored = `no scaling rule in ${event.region} is driven by alarm ${alarmName}`;
    deps.logger.info('alarm not handled by any rule', { alarm: alarmName, region: event.region, eventId: event.id });
    return { rules: [], alarms: [], ignored };
  }
  const trigger: Trigger = { kind: 'alarm', alarmName, state: state.value, at: state.timestamp };
  const failures: unknown[] = [];
  const failed: string[] = [];
  const rules: RuleReport[] = [];
  for (const { spec, rule } of matched) {
    try {
      rules.push(await runAndNotify(spec, rule, trigger, deps, 'apply'));
    } catch (error) {
      failures.push(error);
      failed.push(`${spec.name}/${rule.name}`);
      rules.push(failedReport(spec, rule, trigger, 'apply', error));
      deps.logger.error('rule run failed', { cluster: spec.name, rule: rule.name, alarm: alarmName, error: errorFacts(error) });
    }
  }
  if (failures.length > 0) {
    throw new UpstreamError(`${failures.length} of ${matched.length} rule(s) driven by ${alarmName} could not run; the event is retried`, {
      cause: failures[0],
      context: { alarm: alarmName, failed },
    });
  }
  return { rules: rules.map(rendered), alarms: [] };
}

async function onSchedule(specs: readonly ClusterSpec[], deps: InvokeDeps): Promise<ScaleWatchResponse> {
  const alarms: AlarmsReport[] = [];
  const rules: RuleReport[] = [];
  for (const spec of specs) {
    if (spec.alarms.length > 0) alarms.push(await alarmsOrFailure(spec, 'apply', deps));
    for (const rule of spec.scalingRules) {
      try {
        rules.push(await runAndNotify(spec, rule, { kind: 'schedule' }, deps, 'apply'));
      } catch (error) {
        rules.push(failedReport(spec, rule, { kind: 'schedule' }, 'apply', error));
        deps.logger.error('rule run failed', { cluster: spec.name, rule: rule.name, error: errorFacts(error) });
      }
    }
  }
  return { rules: rules.map(rendered), alarms: alarms.map(rendered) };
}

async function onManual(event: ManualInvoke, specs: readonly ClusterSpec[], deps: InvokeDeps): Promise<ScaleWatchResponse> {
  switch (event.action) {
    case 'plan': {
      const matched = rulesWatching(clustersNamed(specs, event.cluster), event.alarm);
      if (matched.length === 0) {
        const reason = `no scaling rule${event.cluster === undefined ? '' : ` of cluster ${clip(event.cluster)}`} is driven by alarm ${clip(event.alarm)}`;
        throw new InvalidEventError(reason, { context: { alarm: clip(event.alarm) }, issues: [{ field: 'alarm', reason }] });
      }
      const trigger: Trigger = { kind: 'alarm', alarmName: event.alarm, state: event.state, at: event.at ?? deps.now() };
      const rules = await Promise.all(matched.map(({ spec, rule }) => runRule(spec, rule, trigger, deps, 'plan')));
      return { rules: rules.map(rendered), alarms: [] };
    }
    case 'reset': {
      const [spec] = clustersNamed(specs, event.cluster);
      if (spec === undefined) {
        const reason = `no spec for cluster ${clip(event.cluster)}; the specs name ${specs.map((candidate) => candidate.name).join(', ')}`;
        throw new InvalidEventError(reason, { context: { cluster: clip(event.cluster) }, issues: [{ field: 'cluster', reason }] });
      }
      const selected = spec.scalingRules.filter((rule) => event.rule === undefined || rule.name === event.rule);
      if (selected.length === 0) {
        const reason = `cluster ${spec.name} has no scaling rule ${clip(event.rule ?? '')}; its rules: ${spec.scalingRules.map((rule) => rule.name).join(', ') || 'none'}`;
        throw new InvalidEventError(reason, {
          context: { cluster: spec.name, rule: event.rule === undefined ? undefined : clip(event.rule) },
          issues: [{ field: 'rule', reason }],
        });
      }
      const rules: RuleReport[] = [];
      for (const rule of selected) rules.push(await runAndNotify(spec, rule, { kind: 'reset' }, deps, 'apply'));
      return { rules: rules.map(rendered), alarms: [] };
    }
    case 'alarms': {
      const alarms: AlarmsReport[] = [];
      for (const spec of clustersNamed(specs, event.cluster)) alarms.push(await reconcileAlarms(spec, deps.cloudWatchFor(spec), event.mode, deps.logger));
      return { rules: [], alarms: alarms.map(rendered) };
    }
    default:
      throw new Error(`unknown action ${String((event satisfies never as { action: unknown }).action)}`);
  }
}

async function runAndNotify(spec: ClusterSpec, rule: ScalingRuleSpec, trigger: Trigger, deps: InvokeDeps, mode: Mode): Promise<RuleReport> {
  const report = await runRule(spec, rule, trigger, deps, mode);
  const notification = ruleNotification(report, deps.now());
  // The bounds moved; a lost notification must not make Lambda retry the move (it is logged, never thrown).
  if (notification !== undefined) await sendNotifications(deps.notifier, [notification], deps.logger);
  return report;
}

async function alarmsOrFailure(spec: ClusterSpec, mode: Mode, deps: InvokeDeps): Promise<AlarmsReport> {
  try {
    return await reconcileAlarms(spec, deps.cloudWatchFor(spec), mode, deps.logger);
  } catch (error) {
    deps.logger.error('alarms reconcile failed', { cluster: spec.name, error: errorFacts(error) });
    // Throttled, a 5xx or the network: the next schedule tries again; anything else needs a person.
    const status = statusOfFailure(error);
    return {
      cluster: spec.name,
      region: spec.region,
      mode,
      status,
      drift: [],
      written: [],
      failed: [{ alarm: '*', reason: error instanceof Error ? error.message : String(error) }],
    };
  }
}

function rulesWatching(specs: readonly ClusterSpec[], alarm: string): { spec: ClusterSpec; rule: ScalingRuleSpec }[] {
  return specs.flatMap((spec) => spec.scalingRules.filter((rule) => ruleWatches(rule, alarm)).map((rule) => ({ spec, rule })));
}

function clustersNamed(specs: readonly ClusterSpec[], cluster: string | undefined): ClusterSpec[] {
  return cluster === undefined ? [...specs] : specs.filter((spec) => spec.name === cluster);
}

function failedReport(spec: ClusterSpec, rule: ScalingRuleSpec, trigger: Trigger, mode: Mode, error: unknown): RuleReport {
  return {
    cluster: spec.name,
    region: spec.region,
    rule: rule.name,
    mode,
    trigger: describeTrigger(trigger),
    decision: 'failed',
    // A rule that could not be observed for now (throttling, a 5xx, the network) is retried by the next run.
    status: statusOfFailure(error),
    summary: `could not run: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`,
    executed: [],
    boundChanges: [],
    deferred: [],
    blocked: [],
  };
}

function rendered<T extends { plan?: Parameters<typeof renderPlan>[0] }>(report: T): Rendered<T> {
  const { plan, ...rest } = report;
  return { ...rest, ...(plan ? { plan: renderPlan(plan).trimEnd().split('\n') } : {}) };
}

/** Embedded metric format: one count per action taken, under the action's name, by cluster and rule. */
function publishMetrics(response: ScaleWatchResponse, metrics: InvokeDeps['metrics']): void {
  for (const report of response.rules) {
    const counts = new Map<string, number>();
    for (const executed of report.executed) counts.set(executed.kind, (counts.get(executed.kind) ?? 0) + 1);
    if (report.boundChanges.length > 0 && report.mode === 'apply') counts.set('BoundChanges', report.boundChanges.length);
    if (report.deferred.length > 0) counts.set('DeferredActions', report.deferred.length);
    if (report.decision === 'ignore') counts.set('IgnoredEvents', 1);
    publishCounts(metrics, { Cluster: report.cluster, Rule: report.rule }, counts);
  }
  for (const report of response.alarms) publishCounts(metrics, { Cluster: report.cluster }, [['AlarmDrift', report.drift.length]]);
}
