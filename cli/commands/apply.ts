/**
 * `eks-pilot apply`: one reconcile of provision, as the Lambda runs it: starts the first safe steps,
 * never waits for EKS. Run it again (or let the schedule) to go on.
 */
import { loadSpecs } from '../../shared/model/cluster-spec/load';
import { parseCommand, specPaths } from '../args';
import type { Ports } from '../deps';
import type { Io } from '../output';
import { EXIT, toJson, UsageError } from '../output';

export async function applyCommand(argv: readonly string[], io: Io, ports: Ports): Promise<number> {
  const { values, positionals } = parseCommand(argv, { only: { type: 'string', multiple: true }, offline: { type: 'boolean', default: false } });
  if (values.offline) throw new UsageError('apply changes a real account; --offline goes with plan only');
  const specs = await loadSpecs(specPaths(positionals, undefined, 'apply'));
  const { reconcileFleet } = await import('../../functions/provision/run');
  const reports = await reconcileFleet(
    specs.map(({ file, spec }) => ({ spec, file, mode: 'apply' as const })),
    await ports.provision(),
    values.only ? { only: values.only } : {},
  );
  if (values.json) {
    io.stdout.write(toJson({ reports: reports.map(({ plan: _plan, ...report }) => report) }));
  } else {
    for (const report of reports) {
      io.stdout.write(`${report.cluster} (${report.region}): ${report.status}: ${report.summary}\n`);
      for (const item of report.executed) io.stdout.write(`  applied  ${item.kind} ${item.target}${item.alreadyDone ? ' (already done)' : ''}\n`);
      for (const item of report.deferred) io.stdout.write(`  later    ${item.kind} ${item.target}: ${item.reason}\n`);
      for (const item of report.blocked) io.stdout.write(`  blocked  ${item.kind} ${item.target}: ${item.reason}\n`);
    }
  }
  return reports.some((report) => report.status === 'Blocked') ? EXIT.error : EXIT.ok;
}
