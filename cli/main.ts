/**
 * The `eks-pilot` command line: one command per function of the suite, each running that function's
 * own code (its invoke or run module) with the adapters the CLI builds, lazily, in cli/deps.ts.
 * Exit codes follow terraform's: 0 success, 1 error (bad usage and an invalid spec included), and
 * with --detailed-exitcode 2 when changes are pending. Each command lives in cli/commands/.
 */
import { applyCommand } from './commands/apply';
import { deployCommand, DEPLOY_USAGE } from './commands/deploy';
import { planCommand } from './commands/plan';
import { poolsCommand } from './commands/pools';
import { rebuildCommand, REBUILD_USAGE } from './commands/rebuild';
import { scaleCommand, SCALE_USAGE } from './commands/scale';
import { statusCommand } from './commands/status';
import { validateCommand, VALIDATE_USAGE } from './commands/validate';
import type { CliFactories, Ports } from './deps';
import { portsFrom } from './deps';
import type { Io } from './output';
import { describeFailure, EXIT, UsageError } from './output';
import { scrubSecrets } from '../shared/errors';

export type { Io } from './output';
export { EXIT } from './output';
export type { CliFactories, ClusterRef } from './deps';

export const USAGE = `Usage: eks-pilot plan [--offline] [--json] [--detailed-exitcode] <spec file or folder>...
       eks-pilot apply [--json] [--only kind/name]... <spec file or folder>...
       eks-pilot status [--json] [--detailed-exitcode] <spec file or folder>...
       eks-pilot pools [--offline] [--json] [--detailed-exitcode] <spec file or folder>...
${DEPLOY_USAGE.replace('Usage: ', '       ')}${SCALE_USAGE.replace('Usage: ', '       ')}${VALIDATE_USAGE.replace('Usage: ', '       ')}${REBUILD_USAGE.replace('Usage: ', '       ')}
plan     what all four functions would do: the cluster, node groups, add-ons and access
         (provision), the Elastic IP pools (eip-manager), the alarms as code and each scaling
         rule's state (scale-watch), and each workload rendered at the images it would run,
         with its drift against the cluster (deploy).
apply    reconciles once, as the provision function does: starts the first safe steps,
         never waits for EKS; run it again (or let the schedule) to go on.
status   one screen per fleet: provision status and drift, each workload's running release,
         the scaling overrides in force and until when, each pool's held/attached/missing.
pools    eip-manager's plan of each Elastic IP pool and the addresses it holds.
deploy   deploy-worker's manual invokes: plan a workload (or, with --payload, which workloads
         a GitHub registry_package push would change), deploy a pinned image, list its
         releases, roll back. The rollout is watched to its end.
scale    scale-watch's manual invokes: what an alarm state would do to a rule (no write),
         or the spec's values back now (reset).
validate whether each cluster is usable, as kops validate cluster answers it: Ready nodes
         within each node group's bounds, Ready kube-system pods, add-ons ACTIVE with no
         health issue; Validated or Unhealthy with each failure. Read-only. --wait 10m asks
         again (every --interval, default 10s) until Validated; exit 1 when Unhealthy.
rebuild  disaster recovery, as provision's rebuild invoke: recreates a lost cluster from its
         spec, then restores every workload at its last successful release from the
         release table (EKS_PILOT_RELEASE_TABLE) and re-attaches the Elastic IP pools;
         runs until done (every --interval seconds, default 60).

A folder is a fleet: every *.yaml and *.yml directly inside it. Without a spec argument, the
commands read EKS_PILOT_SPECS, as the functions do. Live commands use the credentials the AWS SDK
finds (AWS_PROFILE, ...); AWS_ENDPOINT_URL sends every AWS call to an emulator such as moto.
Kubernetes is reached as deploy and scale-watch reach it: an EKS token, or KUBECONFIG's current
context when KUBECONFIG is set.

Options:
  --offline            plan against an empty account and cluster; no AWS or Kubernetes call
  --json               print the plan or report as JSON
  --only kind/name     apply only to these targets, e.g. --only nodegroup/jobs-ng
  --spec <path>        the spec file or folder (deploy, scale), as an option
  --cluster <name>     the cluster, when a workload or rule name exists on several
  --detailed-exitcode  exit 2 when changes are pending (0: no changes, 1: error)
  --wait <duration>    validate: ask again until Validated or this long (30s, 10m, 1h)
  -h, --help           show this help
`;

type Command = (argv: readonly string[], io: Io, ports: Ports) => Promise<number>;

const COMMANDS: Record<string, Command> = {
  plan: planCommand,
  apply: applyCommand,
  status: statusCommand,
  pools: poolsCommand,
  deploy: deployCommand,
  scale: scaleCommand,
  validate: validateCommand,
  rebuild: rebuildCommand,
};

/**
 * Runs the CLI and resolves to its exit code; never throws. Tests pass fakes for any factory.
 *
 * @example
 * process.exitCode = await main(['plan', '--offline', 'examples/starter/cluster.yaml'], process);
 * await main(['status', 'specs/'], io, { provision: () => Promise.resolve({ eksFor: () => fakeEks, now, logger }) });
 */
export async function main(argv: readonly string[], given: Io, chosen: Partial<CliFactories> = {}): Promise<number> {
  // Everything written (errors and warnings, and the reports, which repeat per-cluster errors) is
  // scrubbed of tokens, signatures and keys, whichever command wrote it.
  const io: Io = {
    stdout: { write: (text: string) => given.stdout.write(scrubSecrets(text)) },
    stderr: { write: (text: string) => given.stderr.write(scrubSecrets(text)) },
  };
  const [command, ...rest] = argv;
  const wantsHelp = argv.includes('--help') || argv.includes('-h');
  if (command === undefined || command.startsWith('-')) {
    if (wantsHelp) {
      io.stdout.write(USAGE);
      return EXIT.ok;
    }
    io.stderr.write(command === undefined ? USAGE : `error: expected a command before ${command}\n\n${USAGE}`);
    return EXIT.error;
  }
  const run = COMMANDS[command];
  if (run === undefined) {
    io.stderr.write(`error: unknown command "${command}" (expected ${Object.keys(COMMANDS).join(', ')})\n\n${USAGE}`);
    return EXIT.error;
  }
  if (wantsHelp) {
    io.stdout.write(USAGE);
    return EXIT.ok;
  }
  try {
    return await run(rest, io, portsFrom(chosen));
  } catch (error) {
    io.stderr.write(error instanceof UsageError ? `error: ${error.message}\n\n${USAGE}` : describeFailure(error));
    return EXIT.error;
  }
}
