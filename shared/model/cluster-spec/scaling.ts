/**
 * The `alarms` and `scalingRules` sections of a cluster spec, for scale-watch.
 *
 * - `alarms` are CloudWatch metric alarms kept as code: a scheduled run creates or updates them
 *   with PutMetricAlarm and reports what had drifted.
 * - `scalingRules` say what an alarm moves: a managed node group's minSize/maxSize and an HPA's
 *   minReplicas/maxReplicas (through its KEDA ScaledObject when KEDA owns the HPA), one step at a
 *   time within a hard ceiling or floor, with a cooldown between steps and a hold time after the
 *   alarm returns to OK before the spec's values come back.
 *
 * Like the rest of the spec, every object is strict and defaults are applied here.
 */
import * as z from 'zod';
import { stepRaises } from './runtime';

export { ruleWatches, scalingDurationMs, stepRaises } from './runtime';

/** Cross-field checks run even when other fields failed (see schema.ts), so they read defensively. */
const always = { when: () => true };

/** The most nodes EKS allows in one managed node group. */
const MAX_NODE_GROUP_SIZE = 450;

/**
 * CloudWatch allows almost any character in an alarm name; ours also end up in the override source
 * tag on node groups (`alarm/<name>@<time>`), and EKS tag values take only these.
 */
const alarmName = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9_.:/=+@-]{0,254}$/,
    'expected an alarm name of letters, digits and _ . : / = + @ -, at most 255 characters (it is written into the override tags)',
  );

const ruleName = z.string().regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, 'expected a rule name: lower-case letters, digits and -, at most 63 characters');

const k8sName = z.string().regex(/^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/, 'expected a Kubernetes object name (lower-case DNS subdomain)');
const k8sNamespace = z.string().regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, 'expected a Kubernetes namespace name');

/** `90s`, `5m`, `12h`, `7d`. */
const duration = z.string().regex(/^[1-9]\d{0,5}[smhd]$/, 'expected a duration such as 90s, 5m, 12h or 7d');

// ---- alarms as code -----------------------------------------------------------------------------

export const ALARM_STATISTICS = ['Average', 'Sum', 'Minimum', 'Maximum', 'SampleCount'] as const;
export const COMPARISON_OPERATORS = ['GreaterThanOrEqualToThreshold', 'GreaterThanThreshold', 'LessThanThreshold', 'LessThanOrEqualToThreshold'] as const;
export const TREAT_MISSING_DATA = ['missing', 'notBreaching', 'breaching', 'ignore'] as const;

const actionArn = z
  .string()
  .regex(/^arn:aws[\w-]*:[a-z0-9-]+:[a-z0-9-]*:\d{0,12}:.+$/, 'expected an ARN, e.g. an SNS topic arn:aws:sns:<region>:<account>:<topic>');

export const alarmSchema = z
  .strictObject({
    name: alarmName.describe('Alarm name, unique in the Region. Scaling rules name it (`alarm`) or a prefix of it (`alarmPrefix`).'),
    description: z.string().max(1024).optional().describe('AlarmDescription, for people reading the console.'),
    metric: z
      .strictObject({
        namespace: z.string().min(1).max(255).describe('Metric namespace, e.g. ContainerInsights (Container Insights on EKS) or AWS/EC2.'),
        name: z
          .string()
          .min(1)
          .max(255)
          .describe(
            'Metric name, e.g. node_cpu_utilization, node_memory_utilization, cluster_failed_node_count (Container Insights), or pod_status_pending (Container Insights with enhanced observability).',
          ),
        dimensions: z
          .record(z.string().min(1).max(255), z.string().min(1).max(1024))
          .refine((dimensions) => Object.keys(dimensions).length <= 30, 'at most 30 dimensions')
          .default({})
          .describe(
            'Metric dimensions, exactly as the metric is published. Container Insights aggregates node metrics by ClusterName (and per node by ClusterName, InstanceId, NodeName); it publishes no node group dimension.',
          ),
        statistic: z.enum(ALARM_STATISTICS).default('Average').describe('Statistic over each period. Default Average.'),
        period: z
          .number()
          .int()
          .refine((period) => [10, 20, 30].includes(period) || (period >= 60 && period % 60 === 0), 'expected 10, 20, 30 or a multiple of 60 seconds')
          .default(60)
          .describe('Seconds per datapoint: 10, 20 or 30 (high-resolution metrics) or a multiple of 60. Default 60.'),
      })
      .describe('The metric the alarm watches.'),
    comparisonOperator: z
      .enum(COMPARISON_OPERATORS)
      .default('GreaterThanOrEqualToThreshold')
      .describe('How a datapoint is compared with the threshold. Default GreaterThanOrEqualToThreshold.'),
    threshold: z.number().describe("The value datapoints are compared with, in the metric's unit (percent for the *_utilization metrics)."),
    evaluationPeriods: z.number().int().min(1).max(100).default(3).describe('How many recent periods are evaluated. Default 3.'),
    datapointsToAlarm: z
      .number()
      .int()
      .min(1)
      .optional()
      .describe('How many of those periods must breach to go to ALARM ("M out of N"). Unset: all of evaluationPeriods.'),
    treatMissingData: z
      .enum(TREAT_MISSING_DATA)
      .default('missing')
      .describe('What a missing datapoint counts as: missing (default), notBreaching, breaching or ignore.'),
    alarmActions: z
      .array(actionArn)
      .max(5)
      .default([])
      .describe('ARNs notified on ALARM (an SNS topic that pages a person). Default none: scale-watch hears every change through EventBridge.'),
    okActions: z.array(actionArn).max(5).default([]).describe('ARNs notified on OK. Default none.'),
  })
  .superRefine((alarm, ctx) => {
    if (alarm.datapointsToAlarm !== undefined && alarm.datapointsToAlarm > alarm.evaluationPeriods) {
      ctx.addIssue({
        code: 'custom',
        path: ['datapointsToAlarm'],
        message: `datapointsToAlarm (${alarm.datapointsToAlarm}) must not exceed evaluationPeriods (${alarm.evaluationPeriods})`,
      });
    }
  });

export type AlarmSpec = z.output<typeof alarmSchema>;

// ---- scaling rules ------------------------------------------------------------------------------

export const stepSchema = z
  .strictObject({
    add: z
      .number()
      .int()
      .refine((n) => n !== 0, 'a step of 0 moves nothing')
      .optional()
      .describe('Add this many (negative: take away) per step.'),
    multiply: z
      .number()
      .positive()
      .refine((factor) => factor !== 1, 'a factor of 1 moves nothing')
      .optional()
      .describe('Multiply by this factor per step (rounded away from the current value, by at least 1): 1.5 raises, 0.5 lowers.'),
    ceiling: z
      .number()
      .int()
      .min(0)
      .optional()
      .describe('The hard ceiling a raising step never crosses, however many alarms arrive. Required for a step that raises.'),
    floor: z.number().int().min(0).optional().describe('The hard floor a lowering step never crosses. Required for a step that lowers.'),
  })
  .superRefine(checkStep, always)
  .describe('One step: add or multiply, within a ceiling (raising) or a floor (lowering).');

export type StepSpec = z.output<typeof stepSchema>;

const nodeGroupTarget = z
  .strictObject({
    name: z.string().min(1).describe('A managed node group of this spec (nodeGroups[].name).'),
    minSize: stepSchema.optional().describe('How minSize moves on ALARM (pre-warms capacity).'),
    maxSize: stepSchema.optional().describe('How maxSize moves on ALARM (room for Cluster Autoscaler to add nodes).'),
  })
  .superRefine((target, ctx) => {
    if (target.minSize === undefined && target.maxSize === undefined) ctx.addIssue({ code: 'custom', message: 'name minSize, maxSize or both' });
  });

const hpaTarget = z
  .strictObject({
    namespace: k8sNamespace.describe('Namespace of the HorizontalPodAutoscaler.'),
    name: k8sName.describe(
      "Name of the HorizontalPodAutoscaler. When KEDA owns it (an ownerReference to a ScaledObject, e.g. keda-hpa-<name>), scale-watch patches the ScaledObject's minReplicaCount/maxReplicaCount instead, since KEDA reverts edits to its HPA.",
    ),
    minReplicas: stepSchema.optional().describe('How minReplicas (KEDA: minReplicaCount) moves on ALARM.'),
    maxReplicas: stepSchema.optional().describe('How maxReplicas (KEDA: maxReplicaCount) moves on ALARM.'),
  })
  .superRefine((target, ctx) => {
    if (target.minReplicas === undefined && target.maxReplicas === undefined) {
      ctx.addIssue({ code: 'custom', message: 'name minReplicas, maxReplicas or both' });
    }
    const min = target.minReplicas?.ceiling;
    const max = target.maxReplicas?.ceiling;
    if (min !== undefined && max !== undefined && min > max) {
      ctx.addIssue({ code: 'custom', path: ['minReplicas', 'ceiling'], message: `minReplicas ceiling (${min}) must not exceed maxReplicas ceiling (${max})` });
    }
  });

export const scalingRuleSchema = z
  .strictObject({
    name: ruleName.describe('Rule name, unique in the cluster: in logs, metrics and notifications.'),
    alarm: alarmName.optional().describe("The alarm that drives the rule, one of this spec's `alarms`. Exactly one of alarm and alarmPrefix."),
    alarmPrefix: z
      .string()
      .min(1)
      .max(255)
      .optional()
      .describe(
        'Every alarm whose name starts with this prefix drives the rule (alarms defined here or elsewhere). The rule is in ALARM while any of them is, and OK once all of them are.',
      ),
    cooldown: duration
      .default('5m')
      .describe(
        'The least time between two steps of the rule. An ALARM inside it moves nothing; while the alarm stays in ALARM, the scheduled run takes the next step once it has passed. Default 5m.',
      ),
    hold: duration.default('15m').describe("How long the alarm must stay OK before the spec's values come back (hysteresis). Default 15m."),
    expireAfter: duration
      .default('6h')
      .describe(
        "How long raised bounds last without renewal. scale-watch renews them while the alarm stays in ALARM; if it stops hearing (INSUFFICIENT_DATA, or scale-watch itself down), they lapse and the spec's values come back. Default 6h.",
      ),
    nodeGroups: z.array(nodeGroupTarget).default([]).describe('Managed node groups whose bounds the rule moves. Raised before the HPAs, lowered after them.'),
    hpas: z.array(hpaTarget).default([]).describe('HPAs (or the KEDA ScaledObjects that own them) whose bounds the rule moves.'),
  })
  .superRefine((rule, ctx) => {
    if ((rule.alarm === undefined) === (rule.alarmPrefix === undefined)) {
      ctx.addIssue({ code: 'custom', message: 'name exactly one of alarm and alarmPrefix' });
    }
    if (rule.nodeGroups.length === 0 && rule.hpas.length === 0) {
      ctx.addIssue({ code: 'custom', message: 'a rule moves at least one node group or HPA' });
    }
  });

export type ScalingRuleSpec = z.output<typeof scalingRuleSchema>;
export type NodeGroupTargetSpec = ScalingRuleSpec['nodeGroups'][number];
export type HpaTargetSpec = ScalingRuleSpec['hpas'][number];

function checkStep(step: unknown, ctx: z.RefinementCtx): void {
  const { add, multiply, ceiling, floor } = (step ?? {}) as Record<string, unknown>;
  const kinds = [add, multiply].filter((value) => value !== undefined).length;
  if (kinds !== 1) {
    ctx.addIssue({ code: 'custom', message: kinds === 0 ? 'name add or multiply' : 'name add or multiply, not both' });
    return;
  }
  if (typeof add !== 'number' && typeof multiply !== 'number') return;
  const raises = stepRaises({ add: typeof add === 'number' ? add : undefined, multiply: typeof multiply === 'number' ? multiply : undefined });
  if (raises && ceiling === undefined) ctx.addIssue({ code: 'custom', path: ['ceiling'], message: 'a raising step needs a ceiling' });
  if (!raises && floor === undefined) ctx.addIssue({ code: 'custom', path: ['floor'], message: 'a lowering step needs a floor' });
  if (typeof ceiling === 'number' && typeof floor === 'number' && floor > ceiling) {
    ctx.addIssue({ code: 'custom', path: ['floor'], message: `floor (${floor}) must not exceed ceiling (${ceiling})` });
  }
}

/**
 * The checks that need the rest of the spec: unique alarm and rule names; a rule's `alarm` is one of
 * `alarms`; its node groups exist, and their ceilings and floors agree with the spec's bounds (a
 * ceiling below the spec's value would lower it on ALARM); one rule per bound, so two rules never
 * fight over a value. Reads its input defensively (it runs after other fields may have failed).
 *
 * @example
 * clusterSpecSchema.superRefine((spec, ctx) => checkScalingRules(spec, ctx));
 */
export function checkScalingRules(fields: Record<string, unknown>, ctx: z.RefinementCtx): void {
  const alarms = Array.isArray(fields.alarms) ? (fields.alarms as unknown[]) : [];
  const rules = Array.isArray(fields.scalingRules) ? (fields.scalingRules as unknown[]) : [];
  const alarmNames = alarms.map((alarm) => (alarm as Record<string, unknown> | null)?.name).filter((name): name is string => typeof name === 'string');
  unique(
    alarmNames.map((name, index) => [name, index]),
    'alarms',
    'alarm name',
    ctx,
  );
  unique(
    rules.map((rule, index) => [(rule as Record<string, unknown> | null)?.name, index]),
    'scalingRules',
    'rule name',
    ctx,
  );

  const groups = new Map<string, { min: number; max: number }>();
  if (Array.isArray(fields.nodeGroups)) {
    for (const group of fields.nodeGroups as unknown[]) {
      const { name, scaling } = (group ?? {}) as Record<string, unknown>;
      const { min, max } = (scaling ?? {}) as Record<string, unknown>;
      if (typeof name === 'string' && typeof min === 'number' && typeof max === 'number') groups.set(name, { min, max });
    }
  }

  const owner = new Map<string, number>();
  const claim = (key: string, index: number, path: (string | number)[], what: string): void => {
    const first = owner.get(key);
    if (first === undefined) owner.set(key, index);
    else if (first !== index)
      ctx.addIssue({
        code: 'custom',
        path,
        message: `${what} is already moved by scalingRules[${first}]; one rule per bound, so two rules never fight over it`,
      });
    else ctx.addIssue({ code: 'custom', path, message: `${what} is listed twice in this rule` });
  };

  rules.forEach((item, index) => {
    const rule = (item ?? {}) as Record<string, unknown>;
    if (typeof rule.alarm === 'string' && !alarmNames.includes(rule.alarm)) {
      ctx.addIssue({
        code: 'custom',
        path: ['scalingRules', index, 'alarm'],
        message: `no alarm "${rule.alarm}" in alarms${alarmNames.length > 0 ? ` (the spec has ${alarmNames.join(', ')})` : ''}; define it there, or name alarms kept elsewhere with alarmPrefix`,
      });
    }
    const nodeGroups = Array.isArray(rule.nodeGroups) ? (rule.nodeGroups as unknown[]) : [];
    nodeGroups.forEach((target, at) => {
      const { name, minSize, maxSize } = (target ?? {}) as Record<string, unknown>;
      if (typeof name !== 'string') return;
      const path = ['scalingRules', index, 'nodeGroups', at];
      const spec = groups.get(name);
      if (spec === undefined) {
        if (Array.isArray(fields.nodeGroups)) {
          ctx.addIssue({
            code: 'custom',
            path: [...path, 'name'],
            message: `no node group "${name}" in nodeGroups${groups.size > 0 ? ` (the spec has ${[...groups.keys()].join(', ')})` : ''}`,
          });
        }
        return;
      }
      if (minSize !== undefined) claim(`nodegroup/${name}/minSize`, index, [...path, 'minSize'], `minSize of node group ${name}`);
      if (maxSize !== undefined) claim(`nodegroup/${name}/maxSize`, index, [...path, 'maxSize'], `maxSize of node group ${name}`);
      const max = readStep(maxSize);
      const min = readStep(minSize);
      if (max !== undefined) {
        if (max.raises && max.ceiling !== undefined) {
          if (max.ceiling < spec.max)
            issue(ctx, [...path, 'maxSize', 'ceiling'], `ceiling (${max.ceiling}) is below the spec's maxSize (${spec.max}) of ${name}`);
          if (max.ceiling > MAX_NODE_GROUP_SIZE)
            issue(ctx, [...path, 'maxSize', 'ceiling'], `ceiling (${max.ceiling}) exceeds the ${MAX_NODE_GROUP_SIZE} nodes EKS allows in a node group`);
        }
        if (!max.raises && max.floor !== undefined) {
          if (max.floor > spec.max) issue(ctx, [...path, 'maxSize', 'floor'], `floor (${max.floor}) is above the spec's maxSize (${spec.max}) of ${name}`);
          if (max.floor < Math.max(spec.min, 1))
            issue(ctx, [...path, 'maxSize', 'floor'], `floor (${max.floor}) is below the spec's minSize (${spec.min}) of ${name} (or below 1)`);
        }
      }
      if (min !== undefined) {
        if (min.raises && min.ceiling !== undefined) {
          if (min.ceiling < spec.min)
            issue(ctx, [...path, 'minSize', 'ceiling'], `ceiling (${min.ceiling}) is below the spec's minSize (${spec.min}) of ${name}`);
          const highestMax = max?.raises === true && max.ceiling !== undefined ? Math.max(max.ceiling, spec.max) : spec.max;
          if (min.ceiling > highestMax) {
            issue(
              ctx,
              [...path, 'minSize', 'ceiling'],
              `ceiling (${min.ceiling}) is above the highest maxSize ${name} can have (${highestMax}); minSize never exceeds maxSize`,
            );
          }
        }
        if (!min.raises && min.floor !== undefined && min.floor > spec.min) {
          issue(ctx, [...path, 'minSize', 'floor'], `floor (${min.floor}) is above the spec's minSize (${spec.min}) of ${name}`);
        }
      }
    });
    const hpas = Array.isArray(rule.hpas) ? (rule.hpas as unknown[]) : [];
    hpas.forEach((target, at) => {
      const { namespace, name, minReplicas, maxReplicas } = (target ?? {}) as Record<string, unknown>;
      if (typeof namespace !== 'string' || typeof name !== 'string') return;
      const path = ['scalingRules', index, 'hpas', at];
      if (minReplicas !== undefined) claim(`hpa/${namespace}/${name}/minReplicas`, index, [...path, 'minReplicas'], `minReplicas of HPA ${namespace}/${name}`);
      if (maxReplicas !== undefined) claim(`hpa/${namespace}/${name}/maxReplicas`, index, [...path, 'maxReplicas'], `maxReplicas of HPA ${namespace}/${name}`);
      const max = readStep(maxReplicas);
      if (max !== undefined && max.ceiling !== undefined && max.ceiling < 1)
        issue(ctx, [...path, 'maxReplicas', 'ceiling'], 'an HPA needs maxReplicas of at least 1');
      if (max !== undefined && !max.raises && max.floor !== undefined && max.floor < 1)
        issue(ctx, [...path, 'maxReplicas', 'floor'], 'an HPA needs maxReplicas of at least 1');
    });
  });
}

function readStep(value: unknown): { raises: boolean; ceiling?: number; floor?: number } | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { add, multiply, ceiling, floor } = value as Record<string, unknown>;
  if (typeof add !== 'number' && typeof multiply !== 'number') return undefined;
  return {
    raises: stepRaises({ add: typeof add === 'number' ? add : undefined, multiply: typeof multiply === 'number' ? multiply : undefined }),
    ...(typeof ceiling === 'number' ? { ceiling } : {}),
    ...(typeof floor === 'number' ? { floor } : {}),
  };
}

function issue(ctx: z.RefinementCtx, path: (string | number)[], message: string): void {
  ctx.addIssue({ code: 'custom', path, message });
}

function unique(items: readonly (readonly [unknown, number])[], list: string, what: string, ctx: z.RefinementCtx): void {
  const first = new Map<string, number>();
  for (const [value, index] of items) {
    if (typeof value !== 'string') continue;
    const earlier = first.get(value);
    if (earlier === undefined) first.set(value, index);
    else ctx.addIssue({ code: 'custom', path: [list, index, 'name'], message: `duplicate ${what} "${value}" (first at ${list}[${earlier}])` });
  }
}
