/**
 * `eks-pilot scale plan|reset <rule>`: scale-watch's manual invokes, run through its own
 * handleScaleWatchEvent: what an alarm transition would do to a rule (no write), or the spec's
 * values back now.
 */
import { planInvokeSchema, resetInvokeSchema } from '../../functions/scale-watch/event';
import type { ScaleWatchEvent } from '../../functions/scale-watch/event';
import type { InvokeDeps, ScaleWatchResponse } from '../../functions/scale-watch/invoke';
import type { LoadedSpec } from '../../shared/model/cluster-spec/load';
import { loadSpecs } from '../../shared/model/cluster-spec/load';
import type { ScalingRuleSpec } from '../../shared/model/cluster-spec/scaling';
import type { ClusterSpec } from '../../shared/model/cluster-spec/schema';
import { parseCommand, specPaths } from '../args';
import type { Ports } from '../deps';
import type { Io } from '../output';
import { EXIT, QUIET_LOGGER, toJson, UsageError } from '../output';

export const SCALE_USAGE = `Usage: eks-pilot scale plan <rule> [--state ALARM|OK|INSUFFICIENT_DATA] [--alarm <name>] [--at <time>] [--cluster <name>] <spec file or folder>...
       eks-pilot scale reset <rule> [--cluster <name>] <spec file or folder>...
`;

const OPTIONS = {
  spec: { type: 'string', multiple: true },
  cluster: { type: 'string' },
  state: { type: 'string', default: 'ALARM' },
  alarm: { type: 'string' },
  at: { type: 'string' },
  offline: { type: 'boolean', default: false },
  'detailed-exitcode': { type: 'boolean', default: false },
} as const;

type Report = ScaleWatchResponse['rules'][number];

export async function scaleCommand(argv: readonly string[], io: Io, ports: Ports): Promise<number> {
  const { values, positionals } = parseCommand(argv, OPTIONS);
  const [action, ruleName, ...rest] = positionals;
  if (action === undefined) throw new UsageError('scale needs an action: plan or reset');
  if (action !== 'plan' && action !== 'reset') throw new UsageError(`unknown scale action "${action}" (expected plan or reset)`);
  if (ruleName === undefined) throw new UsageError(`scale ${action} needs a scaling rule name`);
  if (values.offline) throw new UsageError(`scale ${action} reads the alarms and the cluster; for the rules offline, run eks-pilot plan --offline`);
  if (action === 'reset' && (values.alarm !== undefined || values.at !== undefined)) throw new UsageError('--alarm and --at go with scale plan only');
  const paths = specPaths(rest, values.spec, `scale ${action}`);
  const { spec, rule } = findRule(await loadSpecs(paths), ruleName, values.cluster);
  const event: ScaleWatchEvent =
    action === 'plan'
      ? planEvent(spec, rule, values.state, values.alarm, values.at)
      : validated(resetInvokeSchema.safeParse({ action: 'reset', cluster: spec.name, rule: rule.name }));

  const { handleScaleWatchEvent } = await import('../../functions/scale-watch/invoke');
  const response = await handleScaleWatchEvent(event, await invokeDeps(paths, ports));
  const reports = response.rules.filter((report) => report.rule === rule.name && report.cluster === spec.name);
  io.stdout.write(values.json ? toJson({ rules: reports, ...(response.ignored ? { ignored: response.ignored } : {}) }) : reports.map(renderReport).join('\n'));
  if (reports.some((report) => report.status === 'Blocked')) return EXIT.error;
  return values['detailed-exitcode'] && reports.some((report) => report.status === 'Drifted') ? EXIT.changesPending : EXIT.ok;
}

function findRule(specs: readonly LoadedSpec[], name: string, cluster: string | undefined): { spec: ClusterSpec; rule: ScalingRuleSpec } {
  const found = specs.flatMap(({ spec }) =>
    spec.scalingRules.filter((rule) => rule.name === name && (cluster === undefined || spec.name === cluster)).map((rule) => ({ spec, rule })),
  );
  const [only, second] = found;
  if (only !== undefined && second === undefined) return only;
  if (only !== undefined)
    throw new UsageError(`scaling rule "${name}" exists on several clusters (${found.map((item) => item.spec.name).join(', ')}): name one with --cluster`);
  const known = specs.flatMap(({ spec }) => spec.scalingRules.map((rule) => `${spec.name}/${rule.name}`)).join(', ') || 'none';
  throw new UsageError(`no scaling rule "${name}"${cluster === undefined ? '' : ` on cluster ${cluster}`}; the specs have: ${known}`);
}

function planEvent(spec: ClusterSpec, rule: ScalingRuleSpec, state: string, alarm: string | undefined, at: string | undefined): ScaleWatchEvent {
  const name = alarm ?? rule.alarm;
  if (name === undefined) throw new UsageError(`rule ${rule.name} is driven by every alarm named ${rule.alarmPrefix ?? ''}*: name one with --alarm`);
  return validated(planInvokeSchema.safeParse({ action: 'plan', alarm: name, state, cluster: spec.name, ...(at === undefined ? {} : { at }) }));
}

function validated<T>(
  parsed: { success: true; data: T } | { success: false; error: { issues: readonly { path: readonly PropertyKey[]; message: string }[] } },
): T {
  if (parsed.success) return parsed.data;
  throw new UsageError(
    parsed.error.issues
      .map((issue) => `--${issue.path.map(String).join('.') || 'arguments'}: ${issue.message.replace(/^Invalid (option|input): /, '')}`)
      .join('; '),
  );
}

async function invokeDeps(specPaths: readonly string[], ports: Ports): Promise<InvokeDeps> {
  const [provision, cloudWatchFor, connect] = await Promise.all([ports.provision(), ports.cloudWatch(), ports.kubernetes()]);
  return {
    eksFor: (spec) => provision.eksFor(spec),
    cloudWatchFor,
    kubernetesFor: (spec) => connect({ cluster: spec.name, region: spec.region, ...(spec.assumeRoleArn ? { assumeRoleArn: spec.assumeRoleArn } : {}) }),
    now: ports.now,
    logger: QUIET_LOGGER,
    specPaths,
  };
}

function renderReport(report: Report): string {
  const lines = [
    `Rule ${report.rule} of ${report.cluster} (${report.region}): ${report.status}: ${report.decision}: ${report.summary}`,
    `  trigger: ${report.trigger}`,
  ];
  for (const change of report.boundChanges)
    lines.push(`  ${report.mode === 'plan' ? 'would move' : 'moved'} ${change.target} ${change.field}: ${valueText(change.from)} -> ${valueText(change.to)}`);
  for (const item of report.executed) lines.push(`  applied  ${item.kind} ${item.target}`);
  for (const item of report.deferred) lines.push(`  later    ${item.kind} ${item.target}: ${item.reason}`);
  for (const item of report.blocked) lines.push(`  blocked  ${item.kind} ${item.target}: ${item.reason}`);
  for (const line of report.plan ?? []) lines.push(`  ${line}`);
  return `${lines.join('\n')}\n`;
}

function valueText(value: unknown): string {
  if (value === undefined || value === null) return '(unset)';
  return typeof value === 'string' ? value : JSON.stringify(value);
}
