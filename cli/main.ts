/**
 * The `eks-pilot` command line. `plan` validates specs and prints what provision would do; `apply`
 * runs provision's reconcile once, as the Lambda does. Exit codes follow terraform's: 0 success,
 * 1 error (an invalid spec included), and with --detailed-exitcode 2 when changes are pending.
 */
import { parseArgs } from 'node:util';
import { EMPTY_ACCOUNT as NO_ADDRESSES } from '../functions/eip-manager/observed';
import type { EipPlan } from '../functions/eip-manager/plan';
import { planPools } from '../functions/eip-manager/plan';
import { renderPoolPlan } from '../functions/eip-manager/render';
import type { EipClusterReport, EipDeps } from '../functions/eip-manager/run';
import { reconcilePools } from '../functions/eip-manager/run';
import { EMPTY_ACCOUNT } from '../functions/provision/observed';
import { planCluster } from '../functions/provision/plan';
import type { ClusterReport, Mode, ProvisionDeps } from '../functions/provision/run';
import { reconcileFleet } from '../functions/provision/run';
import { EksPilotError, SpecError } from '../shared/errors';
import type { Plan } from '../shared/plan/plan';
import { planStatus } from '../shared/plan/plan';
import { planToJson, renderPlan } from '../shared/plan/render';
import { loadSpecs } from '../shared/spec/load';
import type { LoadedSpec } from '../shared/spec/load';

export interface Io {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
}

export const EXIT = { ok: 0, error: 1, changesPending: 2 } as const;

const USAGE = `Usage: eks-pilot plan [options] <spec file or folder>...
       eks-pilot apply [--json] [--only kind/name]... <spec file or folder>...

plan   validates cluster specs and prints what provision would create or change (and,
       for a spec with elasticIpPools, what eip-manager would do and each pool's addresses),
       reading the account with the credentials the AWS SDK finds (AWS_PROFILE, ...).
apply  reconciles once, as the provision function does: starts the first safe steps,
       never waits for EKS; run it again (or let the schedule) to go on.
A folder is a fleet: every *.yaml and *.yml directly inside it.
AWS_ENDPOINT_URL sends every AWS call to an emulator such as LocalStack or moto.

Options:
  --offline            plan against an empty account; makes no AWS call at all
  --json               print the plan (or the apply report) as JSON
  --only kind/name     apply only to these targets, e.g. --only nodegroup/jobs-ng
  --detailed-exitcode  exit 2 when changes are pending (0: no changes, 1: error)
  -h, --help           show this help
`;

/** How the CLI reaches EKS; tests pass a fake. Loaded lazily so --offline never touches the SDK. */
export type DepsFactory = () => Promise<ProvisionDeps>;

const defaultDeps: DepsFactory = async () => {
  const { createEksPort } = await import('../shared/aws/eks');
  return {
    eksFor: (spec) => createEksPort({ region: spec.region, ...(spec.assumeRoleArn ? { assumeRoleArn: spec.assumeRoleArn } : {}) }),
    now: () => new Date(),
    logger: { info: () => undefined, warn: () => undefined, error: () => undefined },
  };
};

/** How the CLI reaches EC2 for the pools' plan; tests pass a fake. Loaded lazily like {@link DepsFactory}. */
export type EipDepsFactory = () => Promise<EipDeps>;

const defaultEipDeps: EipDepsFactory = async () => {
  const { createEc2Port } = await import('../shared/aws/ec2');
  return {
    ec2For: (spec) => createEc2Port({ region: spec.region, ...(spec.assumeRoleArn ? { assumeRoleArn: spec.assumeRoleArn } : {}) }),
    now: () => new Date(),
    logger: { info: () => undefined, warn: () => undefined, error: () => undefined },
  };
};

/**
 * Runs the CLI and resolves to its exit code; never throws.
 *
 * @example
 * process.exitCode = await main(['plan', '--offline', 'examples/starter/cluster.yaml'], process);
 */
export async function main(argv: readonly string[], io: Io, makeDeps: DepsFactory = defaultDeps, makeEipDeps: EipDepsFactory = defaultEipDeps): Promise<number> {
  let args;
  try {
    args = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        offline: { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
        'detailed-exitcode': { type: 'boolean', default: false },
        only: { type: 'string', multiple: true },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    io.stderr.write(`error: ${(error as Error).message}\n\n${USAGE}`);
    return EXIT.error;
  }
  const [command, ...paths] = args.positionals;
  if (args.values.help || command === undefined) {
    (args.values.help ? io.stdout : io.stderr).write(USAGE);
    return args.values.help ? EXIT.ok : EXIT.error;
  }
  if (command !== 'plan' && command !== 'apply') {
    io.stderr.write(`error: unknown command "${command}"\n\n${USAGE}`);
    return EXIT.error;
  }
  if (paths.length === 0) {
    io.stderr.write(`error: ${command} needs a spec file or folder\n\n${USAGE}`);
    return EXIT.error;
  }
  if (command === 'apply' && args.values.offline) {
    io.stderr.write('error: apply changes a real account; --offline goes with plan only\n');
    return EXIT.error;
  }

  try {
    const specs = await loadSpecs(paths);
    if (command === 'plan' && args.values.offline) {
      const now = new Date();
      const poolPlans = specs.flatMap(({ file, spec }) => (spec.elasticIpPools.length > 0 ? [planPools(spec, NO_ADDRESSES, { now, source: file })] : []));
      return printPlans(specs.map(({ file, spec }) => planCluster(spec, EMPTY_ACCOUNT, { now, source: file })), args.values, io, poolPlans);
    }
    const mode: Mode = command;
    const reports = await reconcileFleet(
      specs.map(({ file, spec }: LoadedSpec) => ({ spec, file, mode })),
      await makeDeps(),
      args.values.only ? { only: args.values.only } : {},
    );
    if (mode === 'apply') return printApplyReports(reports, args.values.json, io);
    const withPools = specs.filter(({ spec }) => spec.elasticIpPools.length > 0);
    const eipDeps = withPools.length > 0 ? await makeEipDeps() : undefined;
    const poolReports = eipDeps === undefined ? [] : await Promise.all(withPools.map(({ file, spec }) => reconcilePools(spec, eipDeps, { mode: 'plan', source: file })));
    return printPlanReports(reports, args.values, io, poolReports);
  } catch (error) {
    io.stderr.write(describeFailure(error));
    return EXIT.error;
  }
}

interface OutputFlags {
  json: boolean;
  'detailed-exitcode': boolean;
}

/** Each cluster's plan, followed by its pools' plan when it has pools. */
function printPlans(plans: readonly Plan[], flags: OutputFlags, io: Io, poolPlans: readonly EipPlan[] = []): number {
  const poolsOf = (plan: Plan): EipPlan | undefined => poolPlans.find((pools) => pools.subject.cluster === plan.subject.cluster && pools.subject.region === plan.subject.region);
  const alone = poolPlans.filter((pools) => !plans.some((plan) => poolsOf(plan) === pools));
  const text = [...plans.map((plan) => [renderPlan(plan), ...[poolsOf(plan)].flatMap((pools) => (pools ? [renderPoolPlan(pools)] : []))].join('\n')), ...alone.map(renderPoolPlan)];
  io.stdout.write(flags.json ? planToJson([...plans, ...poolPlans]) : text.join('\n'));
  const statuses = [...plans, ...poolPlans].map(planStatus);
  if (statuses.includes('blocked')) return EXIT.error;
  return flags['detailed-exitcode'] && statuses.includes('changes') ? EXIT.changesPending : EXIT.ok;
}

/** A cluster (or its pools) that could not be read has no plan: say why, and fail. */
function printPlanReports(reports: readonly ClusterReport[], flags: OutputFlags, io: Io, poolReports: readonly EipClusterReport[] = []): number {
  const unread = [...reports, ...poolReports].filter((report) => report.plan === undefined);
  for (const report of unread) io.stderr.write(`error: ${report.cluster} (${report.region}): ${report.summary}\n`);
  const poolPlans = poolReports.flatMap((report) => (report.plan ? [report.plan] : []));
  const code = printPlans(reports.flatMap((report) => (report.plan ? [report.plan] : [])), flags, io, poolPlans);
  return unread.length > 0 ? EXIT.error : code;
}

function printApplyReports(reports: readonly ClusterReport[], json: boolean, io: Io): number {
  if (json) {
    io.stdout.write(`${JSON.stringify({ formatVersion: 1, reports: reports.map(({ plan: _plan, ...report }) => report) }, null, 2)}\n`);
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

function describeFailure(error: unknown): string {
  if (error instanceof SpecError) {
    const count = error.issues.length;
    return `error: the spec is not valid (${count} ${count === 1 ? 'problem' : 'problems'}):\n${error.message}\n`;
  }
  if (error instanceof EksPilotError) return `error: ${error.message}\n`;
  // A bug of ours: say so plainly; the stack only on request.
  const detail = process.env.EKS_PILOT_DEBUG ? `\n${(error as Error).stack ?? String(error)}` : '';
  return `internal error: ${error instanceof Error ? error.message : String(error)}${detail}\n`;
}
