/**
 * `npm run bench`: builds the production bundles and measures, side by side in one run, what
 * issue 7 asks: bundle size, a cold-start proxy, webhook ack latency, push to first apply, AWS
 * calls per converged run, and fleet scale. Prints a table, writes bench/results/latest.json.
 * Offline: every AWS client is doubled and the Kubernetes API is a local fake.
 *
 * Run counts can be raised (never below the minimums) with BENCH_COLD_ROUNDS,
 * BENCH_WEBHOOK_EVENTS, BENCH_PUSH_RUNS, BENCH_FLEET_ROUNDS, BENCH_FANOUT_ROUNDS and BENCH_SPEC_PARSE_ROUNDS.
 * `BENCH_ONLY=cold` runs the first two sections alone (bundles and the cold-start proxy, with their
 * verdicts) and writes bench/results/cold.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { version as esbuildVersion } from 'esbuild';
import { buildBundles, buildComponents } from './bundles';
import { runScenario } from './child';
import { builtinsLoadedBy, measureColdStarts } from './cold-start';
import type { FirstInvoke } from './cold-start';
import { renderColdReport, renderReport } from './report';
import type { BenchResults, Settings } from './results';
import type { AwsCallsFigures } from './scenarios/aws-calls';
import type { FanOutFigures, FanOutInput } from './scenarios/fan-out';
import type { FleetPlanFigures, FleetPlanInput } from './scenarios/fleet-plan';
import type { FleetFanOutFigures, FleetFanOutInput } from './scenarios/fleet-fan-out';
import type { PushToApplyFigures, PushToApplyInput } from './scenarios/push-to-apply';
import type { RebuildFigures } from './scenarios/rebuild';
import type { SpecParseFigures, SpecParseInput } from './scenarios/spec-parse';
import type { WebhookAckFigures, WebhookAckInput } from './scenarios/webhook-ack';
import { readQueueSettings, readServerlessConfig, ROOT } from './serverless-config';
import { checkTargets, coldStartVerdicts } from './targets';

const RESULTS = path.join(ROOT, 'bench', 'results');
// Built bundles go where neither eslint nor git looks, and where `require` still finds node_modules.
const BUILD = path.join(ROOT, 'node_modules', '.cache', 'eks-pilot-bench');
const SCENARIOS = path.join(ROOT, 'bench', 'scenarios');

/**
 * What each function handles on its first invocation in the cold-start proxy: a plan (or the
 * webhook's ping) of an example, against an account with nothing in it (bench/empty-account.ts).
 * provision and eip-manager plan everything as missing; deploy-worker and scale-watch stop at the
 * cluster EKS does not know; the webhook answers the ping after reading its secret from SSM.
 * The code caches' training runs invoke the scheduled runs instead (and the same ping), so apart
 * from the webhook this figure is not the path the cache was trained on
 * (scripts/esbuild/code-cache-training.cjs).
 */
const FIRST_INVOKES: Readonly<Record<string, FirstInvoke>> = {
  provision: { event: path.join(ROOT, 'events/provision/plan-kianax.json'), env: { EKS_PILOT_SPECS: path.join(ROOT, 'examples/kianax') } },
  'eip-manager': {
    event: path.join(ROOT, 'events/eip-manager/plan-financial-move.json'),
    env: { EKS_PILOT_SPECS: path.join(ROOT, 'examples/financial-move') },
  },
  'deploy-webhook': {
    event: path.join(ROOT, 'events/deploy/webhook-ping.json'),
    env: {
      EKS_PILOT_SPECS: path.join(ROOT, 'tests/fixtures/ghcr-oms'),
      EKS_PILOT_WEBHOOK_SECRET: 'ssm:/eks-pilot/dev/github-webhook-secret',
      EKS_PILOT_DEPLOY_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/eks-pilot-dev-deploy.fifo',
    },
  },
  'deploy-worker': { event: path.join(ROOT, 'events/deploy/plan.json'), env: { EKS_PILOT_SPECS: path.join(ROOT, 'tests/fixtures/ghcr-oms') } },
  'scale-watch': { event: path.join(ROOT, 'events/scale-watch/plan-kianax-alarm.json'), env: { EKS_PILOT_SPECS: path.join(ROOT, 'examples/kianax') } },
};

/** A run count from the environment, refused below the minimum. */
function count(variable: string, fallback: number, minimum: number): number {
  const raw = process.env[variable];
  const value = raw === undefined || raw === '' ? fallback : Number(raw);
  if (!Number.isInteger(value) || value < minimum) throw new Error(`${variable} must be an integer >= ${String(minimum)}, not ${raw ?? ''}`);
  return value;
}

function step(message: string): void {
  process.stderr.write(`bench: ${message}\n`);
}

async function main(): Promise<void> {
  const major = Number(process.versions.node.split('.')[0]);
  if (major !== 22) throw new Error(`the bench runs on Node 22 (the Lambda nodejs22.x runtime), not ${process.version}: run it with "npm run bench"`);
  const started = new Date();
  const config = readServerlessConfig();
  const worker = config.functions.find((fn) => fn.name === 'deploy-worker');
  const settings: Settings = {
    coldStartRounds: count('BENCH_COLD_ROUNDS', 21, 15),
    webhookEvents: count('BENCH_WEBHOOK_EVENTS', 250, 200),
    pushRuns: count('BENCH_PUSH_RUNS', 100, 50),
    fleetClusters: 100,
    fleetNodeGroups: 30,
    fleetRounds: count('BENCH_FLEET_ROUNDS', 21, 5),
    fanOutWorkloads: 50,
    fanOutBatchSize: worker?.sqsBatchSize ?? 10,
    fanOutConcurrency: [1, Math.ceil(50 / (worker?.sqsBatchSize ?? 10))],
    fanOutRounds: count('BENCH_FANOUT_ROUNDS', 5, 3),
    specParseKeys: [1_000, 5_000, 25_000],
    specParseRounds: count('BENCH_SPEC_PARSE_ROUNDS', 5, 3),
  };
  const machine = {
    cpus: os.availableParallelism(),
    cpuModel: os.cpus()[0]?.model.trim() ?? 'unknown',
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    esbuild: esbuildVersion,
    loadAverage: os.loadavg()[0] ?? 0,
  };

  step('building the bundles (esbuild, as serverless-esbuild does)');
  // Each function is packaged with the specs its first invocation reads (pre-validated in its bundle).
  const bundles = await buildBundles(config, BUILD, (fn) => (FIRST_INVOKES[fn]?.env.EKS_PILOT_SPECS ?? '').split(',').filter(Boolean));
  const components = await buildComponents(config, BUILD);
  step(`cold-start proxy: ${String(settings.coldStartRounds)} rounds of ${String(1 + 13 * bundles.length + components.length)} fresh node processes`);
  const builtins = await Promise.all(bundles.map((bundle) => builtinsLoadedBy(bundle.packaged.loader, bundle.packaged.v8Flags)));
  const coldStart = await measureColdStarts(
    bundles.map((bundle, index) => ({
      function: bundle.function,
      bundled: bundle.bundlePath,
      unbundled: bundle.unbundledPath,
      ...(FIRST_INVOKES[bundle.function] === undefined ? {} : { firstInvoke: FIRST_INVOKES[bundle.function] }),
      codeCache: {
        loader: bundle.packaged.loader,
        v8Flags: bundle.packaged.v8Flags,
        builtins: builtins[index] ?? [],
        variants: bundle.variants.map((variant) => ({ name: variant.name, loader: variant.loader })),
      },
    })),
    components.map((component) => ({ name: component.name, bundled: component.bundlePath })),
    { rounds: settings.coldStartRounds, warmupRounds: 1 },
  );
  if (process.env.BENCH_ONLY === 'cold') {
    const finished = new Date();
    const partial = { startedAt: started.toISOString(), finishedAt: finished.toISOString(), durationSeconds: (finished.getTime() - started.getTime()) / 1000 };
    const cold = { ...partial, machine, settings, bundles, components, coldStart };
    mkdirSync(RESULTS, { recursive: true });
    writeFileSync(path.join(RESULTS, 'cold.json'), `${JSON.stringify(cold, null, 2)}\n`);
    process.stdout.write(renderColdReport({ ...cold, verdicts: coldStartVerdicts(cold) }));
    return;
  }
  step(`webhook ack: ${String(settings.webhookEvents + 1)} signed pushes`);
  const webhook = await runScenario<WebhookAckFigures>(path.join(SCENARIOS, 'webhook-ack.ts'), { events: settings.webhookEvents } satisfies WebhookAckInput);
  step(`push to first apply: ${String(settings.pushRuns + 1)} pushes`);
  const pushToApply = await runScenario<PushToApplyFigures>(path.join(SCENARIOS, 'push-to-apply.ts'), { runs: settings.pushRuns } satisfies PushToApplyInput);
  step('AWS calls per converged run');
  const awsCalls = await runScenario<AwsCallsFigures>(path.join(SCENARIOS, 'aws-calls.ts'));
  step(`fleet plan: ${String(settings.fleetClusters)} x ${String(settings.fleetNodeGroups)}`);
  const fleetPlan = await runScenario<FleetPlanFigures>(path.join(SCENARIOS, 'fleet-plan.ts'), {
    clusters: settings.fleetClusters,
    nodeGroups: settings.fleetNodeGroups,
    rounds: settings.fleetRounds,
  } satisfies FleetPlanInput);
  step(`deploy fan-out: ${String(settings.fanOutWorkloads)} workloads`);
  const fanOut = await runScenario<FanOutFigures>(path.join(SCENARIOS, 'fan-out.ts'), {
    workloads: settings.fanOutWorkloads,
    batchSize: settings.fanOutBatchSize,
    concurrency: settings.fanOutConcurrency,
    rounds: settings.fanOutRounds,
  } satisfies FanOutInput);

  const provision = config.functions.find((fn) => fn.name === 'provision');
  step('fleet fan-out: 1,000 clusters x 10 node groups across 20 accounts, in virtual time');
  const fleetFanOut = await runScenario<FleetFanOutFigures>(path.join(SCENARIOS, 'fleet-fan-out.ts'), {
    clusters: 1000,
    nodeGroups: 10,
    accounts: 20,
    maximumConcurrency: provision?.sqsMaximumConcurrency ?? 2,
    ...readQueueSettings('ProvisionFleetQueue'),
  } satisfies FleetFanOutInput);

  step(`spec parse cost: ${settings.specParseKeys.join(', ')} keys in one map`);
  const specParse = await runScenario<SpecParseFigures>(path.join(SCENARIOS, 'spec-parse.ts'), {
    keys: settings.specParseKeys,
    rounds: settings.specParseRounds,
  } satisfies SpecParseInput);

  step('disaster recovery: a rebuild simulated with EKS durations (virtual time)');
  const rebuild = await runScenario<RebuildFigures>(path.join(SCENARIOS, 'rebuild.ts'));

  const figures = {
    startedAt: started.toISOString(),
    machine,
    settings,
    bundles,
    components,
    coldStart,
    webhook,
    pushToApply,
    awsCalls,
    fleetPlan,
    fanOut,
    specParse,
    fleetFanOut,
    rebuild,
  };
  const finished = new Date();
  const results: BenchResults = {
    ...figures,
    finishedAt: finished.toISOString(),
    durationSeconds: (finished.getTime() - started.getTime()) / 1000,
    verdicts: checkTargets(figures),
  };
  mkdirSync(RESULTS, { recursive: true });
  writeFileSync(path.join(RESULTS, 'latest.json'), `${JSON.stringify(results, null, 2)}\n`);
  process.stdout.write(renderReport(results));
  process.stdout.write(`\nwritten: ${path.relative(ROOT, path.join(RESULTS, 'latest.json'))}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
