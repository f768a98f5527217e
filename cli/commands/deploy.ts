/**
 * `eks-pilot deploy plan|deploy|history|rollback|approve|reject`: deploy-worker's manual invokes, run by the CLI
 * through the worker's own handleWorkerEvent against the cluster (EKS token, or KUBECONFIG), and
 * `deploy plan --offline` (a workload rendered with no cluster) or `deploy plan --payload` (which
 * workloads a GitHub push would change, through the webhook's matching and policy code).
 */
import { randomUUID } from 'node:crypto';
import { hostname, userInfo } from 'node:os';
import { readFile } from 'node:fs/promises';
import type { PlanReport } from '../../functions/deploy/model/preview';
import { describeDecision } from '../../functions/deploy/model/preview';
import { planWorkload } from '../../functions/deploy/worker/drift';
import { manualInvokeSchema } from '../../functions/deploy/worker/event';
import type { ManualInvoke } from '../../functions/deploy/worker/event';
import { parsePinned } from '../../functions/deploy/model/images';
import type { ManualResponse } from '../../functions/deploy/worker/invoke';
import type { OfflinePushPlan } from '../../functions/deploy/model/offline';
import { planPushOffline } from '../../functions/deploy/model/offline';
import type { ReleaseRecord } from '../../functions/deploy/model/releases';
import type { DeployOutcome, WorkerDeps } from '../../functions/deploy/worker/run';
import type { DeployTarget } from '../../functions/deploy/model/targets';
import { findTarget, targetsOf } from '../../functions/deploy/model/targets';
import { EksPilotError } from '../../shared/errors';
import { ECR_IMAGE_ACTION } from '../../shared/model/ecr-event';
import { PACKAGE_EVENTS } from '../../shared/model/package-event';
import { loadSpecs } from '../../shared/model/cluster-spec/load';
import { parseCommand, specPaths, wholeNumber } from '../args';
import type { Ports } from '../deps';
import type { Io } from '../output';
import { formatTable } from '../../shared/model/plan/render';
import { EXIT, QUIET_LOGGER, toJson, UsageError } from '../output';
import { renderWorkloads } from '../workloads';

export const DEPLOY_USAGE = `Usage: eks-pilot deploy plan <workload> [--image <pinned image>] [--offline] [--spec <file or folder>]...
       eks-pilot deploy plan --payload <webhook or ECR event .json> --offline [--spec <file or folder>]...
       eks-pilot deploy deploy <workload> --image <ghcr.io/o/n:tag@sha256:...> [--spec <file or folder>]...
       eks-pilot deploy history <workload> [--spec <file or folder>]...
       eks-pilot deploy rollback <workload> [--to <revision>] [--spec <file or folder>]...
       eks-pilot deploy approve <workload> [--release <revision>] [--force] [--spec <file or folder>]...
       eks-pilot deploy reject <workload> [--release <revision>] [--spec <file or folder>]...
       (--workload <workload> instead of the positional name: eks-pilot deploy approve <spec> --workload <workload>)
       deploy deploy --force releases during a freeze window; approve --force releases a held release during one.
`;

const ACTIONS = ['plan', 'deploy', 'history', 'rollback', 'approve', 'reject'] as const;
type Action = (typeof ACTIONS)[number];

const OPTIONS = {
  spec: { type: 'string', multiple: true },
  cluster: { type: 'string' },
  image: { type: 'string' },
  to: { type: 'string' },
  release: { type: 'string' },
  workload: { type: 'string' },
  force: { type: 'boolean', default: false },
  payload: { type: 'string' },
  event: { type: 'string' },
  offline: { type: 'boolean', default: false },
  'detailed-exitcode': { type: 'boolean', default: false },
} as const;

export async function deployCommand(argv: readonly string[], io: Io, ports: Ports): Promise<number> {
  const { values, positionals } = parseCommand(argv, OPTIONS);
  const [action, ...rest] = positionals;
  if (action === undefined) throw new UsageError(`deploy needs an action: ${ACTIONS.join(', ')}`);
  if (!isAction(action)) throw new UsageError(`unknown deploy action "${action}" (expected ${ACTIONS.join(', ')})`);
  if (values.payload !== undefined) {
    if (action !== 'plan') throw new UsageError('--payload goes with deploy plan only');
    if (!values.offline) throw new UsageError('deploy plan --payload plans offline (with no cluster): add --offline');
    const targets = await targetsOf(await loadSpecs(specPaths(rest, values.spec, 'deploy plan')));
    const { event, payload } = await readPayload(values.payload, values.event);
    const plan = planPushOffline(targets, event, payload, ports.now());
    return printPushPlan(plan, targets, io, values.json, values['detailed-exitcode']);
  }
  const [workload, ...paths] = values.workload === undefined ? rest : [values.workload, ...rest];
  if (workload === undefined) throw new UsageError(`deploy ${action} needs a workload name`);
  if (values.image !== undefined && action !== 'plan' && action !== 'deploy')
    throw new UsageError(`--image goes with deploy plan and deploy deploy, not ${action}`);
  if (values.to !== undefined && action !== 'rollback') throw new UsageError('--to goes with deploy rollback only');
  if (values.release !== undefined && action !== 'approve' && action !== 'reject')
    throw new UsageError('--release goes with deploy approve and deploy reject only');
  if (values.force && action !== 'deploy' && action !== 'approve') throw new UsageError('--force goes with deploy deploy and deploy approve only');
  if (values.offline && action !== 'plan') throw new UsageError(`deploy ${action} changes or reads a cluster; --offline goes with deploy plan only`);
  const targets = await targetsOf(await loadSpecs(specPaths(paths, values.spec, `deploy ${action}`)));
  const options = {
    cluster: values.cluster,
    image: values.image,
    to: wholeNumber(values.to, '--to'),
    release: wholeNumber(values.release, '--release'),
    force: values.force,
  };
  // Checked before any call: a bad argument never asks STS who is calling.
  const invoke = manualInvoke(action, workload, options);

  if (values.offline) {
    const target = findTarget(targets, workload, values.cluster);
    const image = invoke.action === 'plan' && invoke.image !== undefined ? parsePinned(invoke.image) : undefined;
    // The worker's own planPush decides, against the manifests' images (no history offline).
    const plan = await planWorkload(
      target,
      { now: ports.now() },
      image === undefined ? undefined : { image, trigger: { deliveryId: 'cli-plan', source: 'manual' } },
    );
    return printPlan(plan, target, false, io, values.json, values['detailed-exitcode']);
  }
  const { handleWorkerEvent } = await import('../../functions/deploy/worker/invoke');
  // Who decides is recorded: an approval, a rejection, a deploy forced through a freeze.
  const decides = action === 'approve' || action === 'reject' || (action === 'deploy' && values.force);
  const by = decides ? await callerOf(findTarget(targets, workload, values.cluster), ports) : undefined;
  const response = await handleWorkerEvent(
    { trigger: 'manual', event: by === undefined ? invoke : manualInvoke(action, workload, { ...options, by }) },
    await workerDeps(targets, ports),
    { remainingMs: () => Number.MAX_SAFE_INTEGER },
    `cli-${randomUUID().slice(0, 8)}`,
  );
  if (!('action' in response)) throw new Error('deploy-worker answered a manual invoke without an action');
  return printManual(response, targets, io, values.json, values['detailed-exitcode']);
}

function isAction(value: string): value is Action {
  return (ACTIONS as readonly string[]).includes(value);
}

/**
 * Who runs the CLI, as recorded with an approval, a rejection or a forced deploy: the STS caller
 * ARN; with no AWS identity (a kind cluster through KUBECONFIG, no credentials) the local user and
 * host, marked as such.
 */
async function callerOf(target: DeployTarget, ports: Ports): Promise<string> {
  try {
    return await (await ports.identity()).callerArn(target.region);
  } catch (error) {
    return `cli ${userInfo().username}@${hostname()} (no AWS identity: ${error instanceof Error ? error.message : String(error)})`;
  }
}

interface InvokeOptions {
  cluster: string | undefined;
  image: string | undefined;
  to: number | undefined;
  release: number | undefined;
  force: boolean;
  by?: string;
}

/** The worker's manual invoke, validated by the worker's own schema so the CLI refuses what it would. */
function manualInvoke(action: Action, workload: string, options: InvokeOptions): ManualInvoke {
  const { cluster, image, to, release, force, by } = options;
  if (action === 'deploy' && image === undefined) throw new UsageError('deploy deploy needs --image ghcr.io/<owner>/<name>:<tag>@sha256:<64 hex>');
  const parsed = manualInvokeSchema.safeParse({
    action,
    workload,
    ...(cluster === undefined ? {} : { cluster }),
    ...(image === undefined ? {} : { image }),
    ...(to === undefined ? {} : { to }),
    ...(release === undefined ? {} : { release }),
    ...(force ? { force } : {}),
    ...(by === undefined ? {} : { by }),
  });
  if (!parsed.success) {
    throw new UsageError(
      parsed.error.issues.map((issue) => `--${issue.path.join('.') || 'arguments'}: ${issue.message.replace(/^Invalid (option|input): /, '')}`).join('; '),
    );
  }
  return parsed.data;
}

/** The worker's ports for one CLI run: the rollout is watched to its end here, so nothing is queued. */
/**
 * deploy-worker's ports as the CLI builds them: the cluster's Kubernetes API, the Secrets' sources,
 * the durable release store when EKS_PILOT_RELEASE_TABLE names it (written first, as the Lambda does), and
 * each workload's lease unless the cluster is reached through KUBECONFIG.
 *
 * @example
 * const deps = await workerDeps(targets, ports);
 */
export async function workerDeps(targets: readonly DeployTarget[], ports: Ports): Promise<WorkerDeps> {
  const connect = await ports.kubernetes();
  const releases = await ports.releases();
  const lease = await ports.workloadLeases();
  return {
    ...(releases === undefined ? {} : { releases }),
    // The Lambda's and the CLI's runs take turns on a workload (functions/deploy/worker/lease.ts).
    ...(lease === undefined ? {} : { lease }),
    targets: () => Promise.resolve([...targets]),
    // Only a workload that sources Secrets from AWS loads the adapter.
    ...(targets.some((target) => target.workload.secrets.length > 0) ? { secretValues: await ports.secrets() } : {}),
    connect: (target) => connect(target),
    queue: { send: () => Promise.reject(new EksPilotError('the CLI watches the rollout to its end; it queues no watch')) },
    now: ports.now,
    sleep: ports.sleep,
    logger: QUIET_LOGGER,
  };
}

/**
 * A payload file: the raw GitHub payload (its event from --event, else from the key it carries),
 * an API Gateway event whose `body` is the payload and whose X-GitHub-Event names it, or an
 * EventBridge `ECR Image Action` event as deploy-worker gets it.
 */
async function readPayload(file: string, eventOption: string | undefined): Promise<{ event: string; payload: unknown }> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new UsageError(`--payload ${file}: cannot read the file (${(error as NodeJS.ErrnoException).code ?? 'error'})`, { cause: error });
  }
  const json = parseJson(text, `--payload ${file}`);
  const fields = typeof json === 'object' && json !== null ? (json as Record<string, unknown>) : {};
  if (typeof fields.body === 'string') {
    const body = fields.isBase64Encoded === true ? Buffer.from(fields.body, 'base64').toString('utf8') : fields.body;
    const headers = Object.fromEntries(
      Object.entries(typeof fields.headers === 'object' && fields.headers !== null ? fields.headers : {}).map(([key, value]) => [key.toLowerCase(), value]),
    );
    const event = eventOption ?? (typeof headers['x-github-event'] === 'string' ? headers['x-github-event'] : undefined);
    if (event === undefined) throw new UsageError(`--payload ${file}: the event has no X-GitHub-Event header; name it with --event registry_package`);
    return { event, payload: parseJson(body, `--payload ${file} (its body)`) };
  }
  if (fields['detail-type'] === ECR_IMAGE_ACTION) return { event: ECR_IMAGE_ACTION, payload: json };
  const event = eventOption ?? PACKAGE_EVENTS.find((name) => name in fields);
  if (event === undefined) {
    throw new UsageError(`--payload ${file}: neither a registry_package or package payload nor an ECR Image Action event; name the event with --event`);
  }
  return { event, payload: json };
}

function parseJson(text: string, where: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${where}: not JSON (${(error as Error).message})`, { cause: error });
  }
}

function printPushPlan(plan: OfflinePushPlan, targets: readonly DeployTarget[], io: Io, json: boolean, detailed: boolean): number {
  if (json) io.stdout.write(toJson({ push: plan }));
  else {
    io.stdout.write(
      `Push ${plan.image ?? '(none)'}: ${plan.plans.length} ${plan.plans.length === 1 ? 'workload changes' : 'workloads change'}${plan.reason ? ` (${plan.reason})` : ''}\n`,
    );
    for (const skipped of plan.skipped) io.stdout.write(`  skipped ${skipped.cluster}/${skipped.workload}: ${skipped.reason}\n`);
    for (const report of plan.plans)
      io.stdout.write(
        `\n${renderWorkloads(subjectOf(report, targets), [{ cluster: report.cluster, workload: report.workload, live: false, plan: report }], { objects: true })}`,
      );
  }
  return detailed && plan.plans.length > 0 ? EXIT.changesPending : EXIT.ok;
}

function printPlan(plan: PlanReport, target: DeployTarget, live: boolean, io: Io, json: boolean, detailed: boolean): number {
  if (json) io.stdout.write(toJson({ plan }));
  else {
    if (plan.decision !== undefined) io.stdout.write(`${plan.cluster}/${plan.workload}: the worker would ${describeDecision(plan.decision)}\n\n`);
    io.stdout.write(
      renderWorkloads({ name: target.cluster, region: target.region }, [{ cluster: plan.cluster, workload: plan.workload, live, plan }], { objects: true }),
    );
  }
  // A planned image the worker would skip or refuse changes nothing.
  if (plan.decision !== undefined && plan.decision.action !== 'release') return EXIT.ok;
  // Live, only drift is a change: `images` compares the rendering with the manifests, not with the cluster.
  const changes = live ? plan.drift.length > 0 : plan.objects.length > 0;
  return detailed && changes ? EXIT.changesPending : EXIT.ok;
}

function printManual(response: ManualResponse, targets: readonly DeployTarget[], io: Io, json: boolean, detailed: boolean): number {
  switch (response.action) {
    case 'plan': {
      const target = findTarget(targets, response.plan.workload, response.plan.cluster);
      return printPlan(response.plan, target, true, io, json, detailed);
    }
    case 'history':
      io.stdout.write(json ? toJson({ ...response }) : renderHistory(`${response.cluster}/${response.workload}`, response.releases));
      return EXIT.ok;
    case 'deploy':
    case 'rollback':
    case 'approve':
    case 'reject':
    case 'restore':
      io.stdout.write(json ? toJson({ ...response }) : `${response.cluster}/${response.workload}: ${describeOutcome(response.result)}\n`);
      return outcomeExit(response.result);
    case 'platform':
      io.stdout.write(
        json
          ? toJson({ ...response })
          : response.reports
              .map(
                (report) =>
                  `${report.cluster} platform: ${report.status}, ${report.applied.length} object(s) applied${report.reason ? `; ${report.reason}` : ''}\n`,
              )
              .join(''),
      );
      return response.reports.some((report) => report.status === 'Blocked') ? EXIT.error : EXIT.ok;
    default:
      throw new Error(`unknown manual response ${(response satisfies never as { action: string }).action}`);
  }
}

function subjectOf(report: PlanReport, targets: readonly DeployTarget[]): { name: string; region: string } {
  return { name: report.cluster, region: targets.find((target) => target.cluster === report.cluster)?.region ?? '?' };
}

/** The history, newest first, as a table. */
export function renderHistory(key: string, releases: readonly ReleaseRecord[]): string {
  if (releases.length === 0) return `${key}: no releases recorded yet (the manifests' images run, if it was ever applied)\n`;
  const rows = releases.map((record) => [
    String(record.revision),
    record.result,
    record.kind === 'rollback' ? `rollback${record.rollbackOf === undefined ? '' : ` of ${record.rollbackOf}`}` : record.kind,
    record.image === undefined ? '-' : `${record.image.repository}:${record.image.tag}`,
    record.startedAt,
    record.reason ?? '',
  ]);
  return `${[`${key}: ${releases.length} ${releases.length === 1 ? 'release' : 'releases'}, newest first`, ...formatTable(['REV', 'RESULT', 'KIND', 'IMAGE', 'STARTED', 'REASON'], rows).map((line) => `  ${line}`)].join('\n')}\n`;
}

/**
 * One line for how a deploy or rollback ended.
 *
 * @example
 * describeOutcome({ outcome: 'succeeded', revision: 4, images }); // 'succeeded: release 4 runs ...'
 */
export function describeOutcome(result: DeployOutcome): string {
  switch (result.outcome) {
    case 'succeeded':
      return `succeeded: release ${result.revision} runs ${Object.values(result.images).join(', ') || "the manifests' images"}`;
    case 'rolled-back':
      return `rolled back: release ${result.revision} failed (${result.reason}); release ${result.rollback} restored the previous images`;
    case 'failed':
      return `failed: release ${result.revision}: ${result.reason}`;
    case 'watching':
      return `release ${result.revision} is still rolling out: ${result.pending}`;
    case 'refused':
      return `refused (release ${result.revision}): ${result.reason}`;
    case 'waiting':
      return `waiting: release ${result.revision} is held (${result.reason})${result.supersedes === undefined ? '' : `; it supersedes release ${result.supersedes}`}`;
    case 'rejected':
      return `rejected: release ${result.revision} (${result.reason})`;
    case 'unchanged':
    case 'duplicate':
    case 'ignored':
      return `${result.outcome}: ${result.reason}`;
    default:
      throw new Error(`unknown outcome ${(result satisfies never as { outcome: string }).outcome}`);
  }
}

function outcomeExit(result: DeployOutcome): number {
  // Held or rejected is what the gate or the person asked for: not an error.
  return ['succeeded', 'unchanged', 'duplicate', 'waiting', 'rejected'].includes(result.outcome) ? EXIT.ok : EXIT.error;
}
