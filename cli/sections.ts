/**
 * Plan sections other than the cluster's, printed with the one plan table every function shares
 * (shared/model/plan/render.ts) under their own heading, and the JSON form of any plan.
 */
import type { AlarmAction } from '../functions/scale-watch/alarms';
import type { Plan } from '../shared/model/plan/plan';
import { planStatus, summarise } from '../shared/model/plan/plan';
import { renderPlan } from '../shared/model/plan/render';

/**
 * The alarms-as-code plan of a cluster: what scale-watch's schedule would create or update.
 *
 * @example
 * renderAlarmPlan(planAlarms(spec, [])); // 'Alarms of kianax (eu-west-1)\n  #  ...  PutMetricAlarm  alarm/kianax-general-ng-cpu-high  create ...'
 */
export function renderAlarmPlan(plan: Plan<AlarmAction>, alarms: number): string {
  const heading = `Alarms of ${plan.subject.cluster} (${plan.subject.region})`;
  if (alarms === 0) return `${heading}\n  None: the spec has no alarms.\n`;
  const [, ...table] = renderPlan(plan).trimEnd().split('\n');
  return `${[heading, ...table.map((line) => line.replace('No changes. The cluster matches its spec.', 'No changes. The alarms match the spec.'))].join('\n')}\n`;
}

/**
 * A plan as scripts read it: its subject, status, summary and actions (shared/model/plan/render.ts `planToJson` shape).
 *
 * @example
 * planJson(plan).status; // 'changes'
 */
export function planJson(plan: Plan): Record<string, unknown> {
  return { ...plan.subject, status: planStatus(plan), summary: summarise(plan), actions: plan.actions };
}
