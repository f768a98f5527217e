import type { Action, Classification, Plan } from './plan';
import { planStatus, summarise, targetId } from './plan';

const SYMBOL: Record<Classification, string> = { create: '+', update: '~', replace: '-/+', delete: '-', forbidden: '!', 'no-op': '=' };

/**
 * The plan as a person reads it: a heading, a table of actions in order, each change beneath its
 * action, and a summary line. Deterministic, so it can be compared in tests and in CI logs.
 *
 * @example
 * process.stdout.write(renderPlan(plan));
 */
export function renderPlan(plan: Plan): string {
  const { cluster, region, source } = plan.subject;
  const heading = `Cluster ${cluster} (${region})${source ? ` from ${source}` : ''}`;
  const status = planStatus(plan);
  if (plan.actions.length === 0) return `${heading}\n  No changes. The cluster matches its spec.\n`;

  const rows = plan.actions.map((action, index) => [
    String(index + 1),
    SYMBOL[action.classification],
    action.kind,
    shortenArns(targetId(action.target)),
    action.classification,
    action.reason,
  ]);
  const table = formatTable(['#', '', 'ACTION', 'TARGET', 'CLASS', 'REASON'], rows);
  const lines = [heading];
  table.forEach((line, index) => {
    lines.push(`  ${line}`);
    const action = index === 0 ? undefined : plan.actions[index - 1];
    if (action) lines.push(...renderChanges(action));
  });
  const s = summarise(plan);
  const counts = `${s.create} to create, ${s.update} to update, ${s.replace} to replace, ${s.delete} to delete, ${s.forbidden} forbidden`;
  lines.push(`  Plan: ${counts}.${status === 'blocked' ? ' Blocked: the forbidden actions need a person.' : ''}`);
  return `${lines.join('\n')}\n`;
}

/** In the table only: an IAM ARN reads as its resource part (`role/x`); JSON keeps it whole. */
function shortenArns(text: string): string {
  return text.replace(/arn:aws[\w-]*:iam::\d{12}:/g, '');
}

function renderChanges(action: Action): string[] {
  return action.changes.map((change) => {
    const to = 'to' in change ? formatValue(change.to) : '(removed)';
    const text = 'from' in change ? `${formatValue(change.from)} -> ${to}` : to;
    return `        ${change.field}: ${text}`;
  });
}

function formatValue(value: unknown): string {
  if (value === undefined) return '(unset)';
  if (Array.isArray(value) && value.every((item) => typeof item === 'string')) return value.join(', ');
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/**
 * Columns padded to the widest cell; the last column is not padded, so no line ends in spaces.
 *
 * @example
 * formatTable(['REV', 'RESULT'], [['3', 'succeeded']]); // ['REV  RESULT', '3    succeeded']
 */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const all = [header, ...rows];
  const widths = header.map((_, column) => Math.max(...all.map((row) => (row[column] ?? '').length)));
  return all.map((row) =>
    row
      .map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column] ?? 0)))
      .join('  ')
      .trimEnd(),
  );
}

/** The machine-readable form: stable keys, the summary and status precomputed for scripts. */
export function planToJson(plans: readonly Plan[]): string {
  const body = {
    formatVersion: 1,
    plans: plans.map((plan) => ({
      ...plan.subject,
      status: planStatus(plan),
      summary: summarise(plan),
      actions: plan.actions,
    })),
  };
  return `${JSON.stringify(body, null, 2)}\n`;
}
