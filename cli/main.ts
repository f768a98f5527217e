/**
 * The `eks-pilot` command line. `plan` validates specs and prints what provision would do.
 * Exit codes follow terraform's: 0 success, 1 error (an invalid spec included), and with
 * --detailed-exitcode 2 when changes are pending.
 */
import { parseArgs } from 'node:util';
import { planCluster } from '../functions/provision/plan';
import { EMPTY_ACCOUNT } from '../functions/provision/observed';
import { EksPilotError, SpecError } from '../shared/errors';
import type { Plan } from '../shared/plan/plan';
import { planStatus } from '../shared/plan/plan';
import { planToJson, renderPlan } from '../shared/plan/render';
import { loadSpecs } from '../shared/spec/load';

export interface Io {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
}

export const EXIT = { ok: 0, error: 1, changesPending: 2 } as const;

const USAGE = `Usage: eks-pilot plan [options] <spec file or folder>...

Validates cluster specs and prints the plan: what provision would create or change.
A folder is a fleet: every *.yaml and *.yml directly inside it.

Options:
  --offline            plan against an empty account; makes no AWS call at all
  --json               print the plan as JSON instead of a table
  --detailed-exitcode  exit 2 when changes are pending (0: no changes, 1: error)
  -h, --help           show this help
`;

/**
 * Runs the CLI and resolves to its exit code; never throws.
 *
 * @example
 * process.exitCode = await main(['plan', '--offline', 'examples/starter/cluster.yaml'], process);
 */
export async function main(argv: readonly string[], io: Io): Promise<number> {
  let args;
  try {
    args = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        offline: { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
        'detailed-exitcode': { type: 'boolean', default: false },
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
  if (command !== 'plan') {
    io.stderr.write(`error: unknown command "${command}"\n\n${USAGE}`);
    return EXIT.error;
  }
  if (paths.length === 0) {
    io.stderr.write(`error: plan needs a spec file or folder\n\n${USAGE}`);
    return EXIT.error;
  }
  if (!args.values.offline) {
    io.stderr.write(
      'error: planning against a live account needs provision\'s account observer, which is not built yet; run with --offline to plan against an empty account\n',
    );
    return EXIT.error;
  }

  try {
    const specs = await loadSpecs(paths);
    const plans: Plan[] = specs.map(({ file, spec }) => planCluster(spec, EMPTY_ACCOUNT, file));
    io.stdout.write(args.values.json ? planToJson(plans) : plans.map(renderPlan).join('\n'));
    const statuses = plans.map(planStatus);
    if (statuses.includes('blocked')) return EXIT.error;
    return args.values['detailed-exitcode'] && statuses.includes('changes') ? EXIT.changesPending : EXIT.ok;
  } catch (error) {
    io.stderr.write(describeFailure(error));
    return EXIT.error;
  }
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
