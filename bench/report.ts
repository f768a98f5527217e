/**
 * The printed report of a bench run: one table per figure of issue 7, then every target with how
 * far the figure is from it and, where missed, what would help.
 */
import path from 'node:path';
import { EC2_CLIENT } from './bundles';
import type { BenchResults, Verdict } from './results';
import type { FirstInvokeFigures } from './cold-start';
import type { Summary } from './stats';
import { BUNDLE_LIMIT_BYTES, PROCESS_RATIO_LIMIT } from './targets';
import type { ColdFigures } from './targets';
import { bytes, ms, percent, renderTable } from './table';

/** `p50 / p90` of a summary, in ms. */
function p50p90(summary: Summary): string {
  return `${ms(summary.p50)} / ${ms(summary.p90)}`;
}

function verdictText(verdict: Verdict | undefined): string {
  if (verdict === undefined) return '';
  return verdict.met ? `met, ${verdict.distance}` : `MISSED, ${verdict.distance}`;
}

/** What the first two sections print from: a whole run, or `BENCH_ONLY=cold`'s. */
type ColdResults = ColdFigures & Pick<BenchResults, 'verdicts' | 'startedAt' | 'durationSeconds' | 'machine'>;

function find(verdicts: readonly Verdict[], target: string, subject: string): Verdict | undefined {
  return verdicts.find((verdict) => verdict.target === target && verdict.subject === subject);
}

function bundleSection(results: ColdResults): string {
  const rows = results.bundles.map((bundle) => [
    bundle.function,
    bytes(bundle.bytes),
    bytes(bundle.gzipBytes),
    bundle.packages
      .slice(0, 4)
      .map((item) => `${item.name} ${percent(item.share)}`)
      .join(', '),
    bundle.ec2ClientBytes > 0 ? bytes(bundle.ec2ClientBytes) : '-',
    verdictText(find(results.verdicts, 'bundle size', bundle.function)),
  ]);
  const ec2 = results.verdicts.find((verdict) => verdict.target === 'EC2 client only in eip-manager');
  return [
    `1. Bundle size: minified, built with serverless.yml's custom.esbuild as serverless-esbuild passes it (target: <= ${bytes(BUNDLE_LIMIT_BYTES)} B each)`,
    renderTable(['function', 'bytes', 'gzip', 'top packages (share of bytes)', EC2_CLIENT, 'verdict'], rows, [
      'left',
      'right',
      'right',
      'left',
      'right',
      'left',
    ]),
    ec2 === undefined ? '' : `${ec2.met ? 'ok' : 'FLAG'}: ${EC2_CLIENT} ${ec2.figure}${ec2.met ? '' : ` (${ec2.distance})`}`,
  ].join('\n');
}

function coldStartSection(results: ColdResults): string {
  const { coldStart } = results;
  const bare = coldStart.bare.process;
  const rows = coldStart.functions.map((fn) => [
    fn.function,
    p50p90(fn.bundled.require),
    p50p90(fn.unbundled.require),
    (fn.bundled.require.p50 / fn.unbundled.require.p50).toFixed(2),
    p50p90(fn.bundled.process),
    p50p90(fn.unbundled.process),
    (fn.bundled.process.p50 / bare.p50).toFixed(2),
    verdictText(find(results.verdicts, 'bundled load <= 1/2 unbundled', fn.function)),
    verdictText(find(results.verdicts, 'cold process <= 3 x bare node', fn.function)),
  ]);
  const components = coldStart.components.map((component) => {
    const size = results.components.find((item) => item.name === component.name)?.bytes ?? 0;
    return `${component.name} ${bytes(size)} B: require ${p50p90(component.bundled.require)} ms`;
  });
  const warnings = coldStart.functions.flatMap((fn) => fn.warnings.map((warning) => `  ${fn.function} wrote to stderr: ${warning}`));
  return [
    `2. Cold-start proxy: require() of the handler in a fresh \`node\` (ms, median / p90 of ${String(coldStart.rounds)} interleaved rounds; targets: bundled require <= 0.50 x unbundled, bundled process <= ${String(PROCESS_RATIO_LIMIT)} x bare node)`,
    `bare \`node -e ""\`: whole process ${p50p90(bare)} ms`,
    renderTable(
      ['function', 'require bundled', 'require unbundled', 'ratio', 'process bundled', 'process unbundled', 'x bare', 'verdict (ratio)', 'verdict (x bare)'],
      rows,
      ['left', 'right', 'right', 'right', 'right', 'right', 'right', 'left', 'left'],
    ),
    'require + first invoke: a fresh process loads the bundled handler and handles one event against a local endpoint answering as an empty account (Lambda init + first invocation)',
    renderTable(
      ['function', 'event', 'require', 'first invoke', 'process', 'x bare', 'AWS calls', 'answer'],
      coldStart.functions.flatMap((fn) =>
        fn.firstInvoke === undefined
          ? []
          : [
              [
                fn.function,
                path.basename(fn.firstInvoke.event),
                p50p90(fn.firstInvoke.require),
                p50p90(fn.firstInvoke.invoke),
                p50p90(fn.firstInvoke.process),
                (fn.firstInvoke.process.p50 / bare.p50).toFixed(2),
                String(fn.firstInvoke.awsRequests.length),
                fn.firstInvoke.answer.slice(0, 60),
              ],
            ],
      ),
      ['left', 'left', 'right', 'right', 'right', 'right', 'right', 'left'],
    ),
    `parts bundled alone (same options): ${components.join('; ')}`,
    codeCacheTable(results),
    variantsTable(results),
    ...warnings,
  ].join('\n');
}

/**
 * The bundle as packaged, with its V8 code cache, beside today's figure: every load here starts
 * Node with Lambda's flags for the function's memory size, which the cache was made with, but the
 * one whose cache V8 refuses (started without them).
 */
function codeCacheTable(results: ColdResults): string {
  const bare = results.coldStart.bare.process.p50;
  const ratio = (summary: Summary | undefined): string => (summary === undefined ? '-' : (summary.p50 / bare).toFixed(2));
  const rows = results.coldStart.functions.flatMap((fn) => {
    const cache = fn.codeCache;
    const packaged = results.bundles.find((bundle) => bundle.function === fn.function)?.packaged;
    if (cache === undefined || packaged === undefined) return [];
    return [
      [
        fn.function,
        `${String(packaged.memorySize)} MB`,
        `${bytes(packaged.cacheBytes)} (${packaged.made})`,
        `+${bytes(packaged.zipAddedBytes)}`,
        ratio(fn.bundled.process),
        ratio(cache.plain.process),
        p50p90(cache.cached.require),
        p50p90(cache.cached.process),
        ratio(cache.cached.process),
        ratio(cache.refused.process),
        ratio(cache.builtins.process),
        cache.plainInvoke === undefined ? '-' : ms(cache.plainInvoke.process.p50),
        cache.cachedInvoke === undefined ? '-' : ms(cache.cachedInvoke.process.p50),
      ],
    ];
  });
  if (rows.length === 0) return '';
  return [
    "as packaged, with its V8 code cache (scripts/esbuild/code-cache.cjs): Node started with Lambda's heap flags for the function's memory size; 'refused': the same loader without them, so V8 refuses the cache (what a runtime of another V8 version or flags pays)",
    renderTable(
      [
        'function',
        'memory',
        'cache B (made)',
        'zip B',
        'x bare today',
        'x bare, Lambda flags, no cache',
        'require cached',
        'process cached',
        'x bare cached',
        'x bare refused',
        "x bare, Node's modules alone",
        'require + first invoke, no cache',
        'cached',
      ],
      rows,
      ['left', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right'],
    ),
    `Node's modules alone: a process that requires only the public Node modules the handler's require loads (${[...new Set(results.coldStart.functions.flatMap((fn) => fn.codeCache?.builtinNames ?? []))].join(', ')}), with the same flags: no cache of the bundle takes that away`,
    `Node's modules the first invoke loads after the require (scripts/esbuild/lazy-builtins.cjs leaves them to first use; the empty account answers over TLS, as AWS does): ${results.coldStart.functions
      .map((fn) => `${fn.function} ${fn.codeCache?.cachedInvoke?.builtinsLoaded.join(', ') || '-'}`)
      .join('; ')}`,
  ].join('\n');
}

/**
 * What the shipped package is measured against in the same rounds: its cache made after the top
 * level only (no training invocation), and a bundle that loads Node's heavier modules at require
 * (no scripts/esbuild/lazy-builtins.cjs). Each change is judged on require + first invoke.
 */
function variantsTable(results: ColdResults): string {
  const bare = results.coldStart.bare.process.p50;
  const names = [...new Set(results.coldStart.functions.flatMap((fn) => fn.codeCache?.variants.map((variant) => variant.name) ?? []))];
  if (names.length === 0) return '';
  const cell = (process: Summary | undefined, invoke: FirstInvokeFigures | undefined): string =>
    `${process === undefined ? '-' : `${ms(process.p50)} (${(process.p50 / bare).toFixed(2)}x)`} / ${invoke === undefined ? '-' : ms(invoke.process.p50)}`;
  const rows = results.coldStart.functions.flatMap((fn) => {
    const cache = fn.codeCache;
    if (cache === undefined) return [];
    return [
      [
        fn.function,
        cell(cache.cached.process, cache.cachedInvoke),
        ...names.map((name) => {
          const variant = cache.variants.find((candidate) => candidate.name === name);
          return cell(variant?.cached.process, variant?.cachedInvoke);
        }),
      ],
    ];
  });
  return [
    "as shipped beside its other packagings, same rounds and flags: cold process (x bare) / require + first invoke, ms medians. 'top level only': the cache made right after the top level ran, no training invocation; 'builtins at require': a bundle without scripts/esbuild/lazy-builtins.cjs",
    renderTable(['function', 'as shipped', ...names], rows, ['left', 'right', ...names.map((): 'right' => 'right')]),
  ].join('\n');
}

function webhookSection(results: BenchResults): string {
  const { webhook } = results;
  const answers = Object.entries(webhook.answers)
    .map(([answer, times]) => `${String(times)} x ${answer}`)
    .join(', ');
  const calls = Object.entries(webhook.aws.byAction)
    .map(([action, times]) => `${action} ${String(times)}`)
    .join(', ');
  return [
    `3. Webhook ack latency: deploy-webhook handler time, real middy stack, SSM and SQS doubled at the SDK client (target: p99 < 50 ms)`,
    renderTable(
      ['deliveries', 'first (new container)', 'p50', 'p90', 'p99', 'max', 'verdict'],
      [
        [
          `1 + ${String(webhook.warm.n)}`,
          ms(webhook.firstMs),
          ms(webhook.warm.p50),
          ms(webhook.warm.p90),
          ms(webhook.warm.p99),
          ms(webhook.warm.max),
          verdictText(find(results.verdicts, 'webhook ack p99', 'deploy-webhook')),
        ],
      ],
      ['left', 'right', 'right', 'right', 'right', 'right', 'left'],
    ),
    `answers: ${answers}; AWS calls over all deliveries: ${calls}`,
  ].join('\n');
}

function pushSection(results: BenchResults): string {
  const { pushToApply } = results;
  const row = (label: string, summary: Summary, first: number): string[] => [
    label,
    ms(first),
    ms(summary.p50),
    ms(summary.p90),
    ms(summary.p99),
    ms(summary.max),
  ];
  return [
    `4. Push to first apply: signed push into deploy-webhook -> queued batch into deploy-worker -> first server-side apply at a local API server (ms; SQS's own delivery delay not included; target: p99 < 1,000 ms)`,
    renderTable(
      ['from the push to', 'first push', `p50 (${String(pushToApply.warm.firstApply.n)} warm)`, 'p90', 'p99', 'max'],
      [
        row('the 202 ack', pushToApply.warm.ack, pushToApply.first.ackMs),
        row('the first apply', pushToApply.warm.firstApply, pushToApply.first.firstApplyMs),
        row('rollout recorded', pushToApply.warm.done, pushToApply.first.doneMs),
      ],
      ['left', 'right', 'right', 'right', 'right', 'right'],
    ),
    `${verdictText(find(results.verdicts, 'push to first apply p99', 'deploy-webhook -> deploy-worker'))}; ${String(pushToApply.appliesPerPush)} server-side applies per push; last push running at the end: ${pushToApply.lastPushLanded ? 'yes' : 'NO'}`,
  ].join('\n');
}

function callsSection(results: BenchResults): string {
  const rows: string[][] = [];
  const notes: string[] = [];
  for (const fn of results.awsCalls.functions) {
    const subject = `${fn.function} (${fn.example})`;
    for (const run of fn.runs) {
      rows.push([
        fn.function,
        fn.example,
        run.run,
        String(run.reads),
        String(run.writes),
        run.kubernetesRequests === undefined ? '-' : String(run.kubernetesRequests),
        run.outcome,
      ]);
    }
    const reads = find(results.verdicts, 'reads per converged run', subject);
    const writes = find(results.verdicts, 'writes per converged run', subject);
    const byAction = Object.entries(fn.runs[0]?.byAction ?? {})
      .map(([action, times]) => `${action} ${String(times)}`)
      .join(', ');
    notes.push(
      `${subject}: writes ${verdictText(writes)}${reads ? `; reads ${reads.limit}: ${verdictText(reads)}` : ''}` +
        `${fn.convergingRuns === undefined ? '' : `; converged first by ${String(fn.convergingRuns)} apply run(s)`}\n    first run by action: ${byAction || 'none'}`,
    );
  }
  return [
    '5. AWS calls per converged run: real handlers, every SDK client doubled, calls counted per API action (Describe/List/Get = read; k8s req = Kubernetes API requests, not AWS)',
    renderTable(['function', 'example', 'run', 'reads', 'writes', 'k8s req', 'outcome'], rows, ['left', 'left', 'left', 'right', 'right', 'right', 'left']),
    ...notes,
    `deploy-webhook per push: ${String(results.webhook.aws.writes / results.webhook.deliveries)} write (SendMessageBatch); the secret (GetParameters) is read once per container and 5 minutes.`,
    "DynamoDB calls (the runs' own leases and release records) are listed by action, not counted as reads or writes of the account.",
    `AWS calls that escaped the doubles (all sections): ${String(results.awsCalls.unmockedAwsRequests.length + results.webhook.unmockedAwsRequests.length + results.pushToApply.unmockedAwsRequests.length + results.fanOut.unmockedAwsRequests.length)}`,
  ].join('\n');
}

function fleetSection(results: BenchResults): string {
  const { fleetPlan, fanOut } = results;
  const fleetVerdict = results.verdicts.find((verdict) => verdict.target === 'fleet planned');
  const fanOutRows = fanOut.passes.map((pass) => [
    String(pass.concurrency),
    String(pass.batches),
    ms(pass.ack.p50),
    `${ms(pass.firstApply.p50)} / ${ms(pass.firstApply.max)}`,
    p50p90(pass.allDone),
    p50p90(pass.batch),
    String(pass.failedMessages),
  ]);
  return [
    `6. Fleet scale`,
    renderTable(
      ['provision planCluster', 'clusters x node groups', 'p50 / p90 ms', 'plans with changes', 'verdict'],
      [
        [
          'converged fleet',
          `${String(fleetPlan.clusters)} x ${String(fleetPlan.nodeGroups)}`,
          p50p90(fleetPlan.converged),
          String(fleetPlan.convergedWithChanges),
          '',
        ],
        [
          'drifted fleet',
          `${String(fleetPlan.clusters)} x ${String(fleetPlan.nodeGroups)}`,
          p50p90(fleetPlan.drifted),
          `${String(fleetPlan.driftedUpdates)} updates`,
          verdictText(fleetVerdict),
        ],
        ['loadSpecs (new container)', `${String(fleetPlan.clusters)} files`, p50p90(fleetPlan.loadSpecs), '', 'no target'],
      ],
      ['left', 'right', 'right', 'right', 'left'],
    ),
    '',
    `deploy fan-out: one push of an image ${String(fanOut.workloads)} workloads use; SQS batches of ${String(fanOut.batchSize)}; warm worker containers (processes) at once: 1 or one per batch; ${String(fanOut.rounds)} rounds (ms)`,
    renderTable(
      [
        'containers',
        'batches',
        'ack p50',
        'first apply per workload p50 / max',
        'all rollouts done p50 / p90',
        'one batch in its container p50 / p90',
        'failed',
      ],
      fanOutRows,
      ['right', 'right', 'right', 'right', 'right', 'right', 'right'],
    ),
    `${String(fanOut.apiRequestsPerPass)} API server requests per push; every workload on the pushed image at the end: ${fanOut.allUpdated ? 'yes' : 'NO'}. deploy-worker sets no concurrency limit of its own (no reservedConcurrency or maximumConcurrency).`,
  ].join('\n');
}

function specParseSection(results: BenchResults): string {
  const { cases } = results.specParse;
  const rows = cases.map((item) => [String(item.keys), bytes(item.bytes), p50p90(item.accepted), p50p90(item.refused), item.microsPerKey.toFixed(1)]);
  const first = cases[0];
  const last = cases.at(-1);
  const growth =
    first === undefined || last === undefined
      ? ''
      : `time per key at ${String(last.keys)} keys is ${(last.microsPerKey / first.microsPerKey).toFixed(2)}x that at ${String(first.keys)} (linear: about 1x; quadratic: ${String(last.keys / first.keys)}x)`;
  return [
    '7. Spec parse cost: parseSpecFile (bytes to a validated spec) with N keys in one map',
    renderTable(['keys', 'bytes', 'accepted p50 / p90 ms', 'duplicate key refused p50 / p90 ms', 'µs per key (accepted p50)'], rows, [
      'right',
      'right',
      'right',
      'right',
      'right',
    ]),
    growth,
  ].join('\n');
}

function fleetFanOutSection(results: BenchResults): string {
  const figures = results.fleetFanOut;
  const rows = figures.runs.map((run) => [
    run.label,
    `${String(run.allReportedSeconds)} s`,
    `${String(run.healthyReported)} / ${String(run.healthy)}`,
    String(run.invocations),
    String(run.requests),
    String(run.throttled),
    `${String(run.peakPerSecond)} / ${String(run.peak10sPerSecond)}`,
    run.failing
      ? `${String(run.failing.receives)} runs, dead-lettered at ${run.failing.deadLetteredSeconds === null ? 'never' : `${String(run.failing.deadLetteredSeconds)} s`}`
      : '',
  ]);
  return [
    `8. Fleet fan-out (virtual time): ${String(figures.clusters)} clusters x ${String(figures.nodeGroups)} node groups across ${String(figures.accounts)} accounts; EKS ${String(figures.latencyMs[0])}-${String(figures.latencyMs[1])} ms a call; each account throttled at ${String(figures.bucket.burst)} tokens, ${String(figures.bucket.perSecond)}/s (EC2's non-mutating bucket); maximumConcurrency ${String(figures.maximumConcurrency)}, visibility timeout ${String(figures.visibilityTimeoutSeconds)} s, maxReceiveCount ${String(figures.maxReceiveCount)}`,
    renderTable(
      ['run', 'all reported', 'healthy reported', 'invocations', 'requests', 'throttled', 'peak per account 1 s / 10 s avg', 'failing cluster'],
      rows,
      ['left', 'right', 'right', 'right', 'right', 'right', 'right', 'left'],
    ),
    `the schedule sent ${String(figures.queued)} messages in ${String(figures.sendBatches)} SendMessageBatch calls, the last delayed ${String(figures.lastDelaySeconds)} s; simulated in ${String(figures.wallSeconds)} s of real time.`,
  ].join('\n');
}

function targetsSection(results: Pick<BenchResults, 'verdicts'>): string {
  const rows = results.verdicts.map((verdict) => [
    verdict.met ? 'met' : 'MISSED',
    verdict.target,
    verdict.subject,
    verdict.limit,
    verdict.figure,
    verdict.distance,
  ]);
  const missed = results.verdicts.filter((verdict) => !verdict.met);
  return [
    `Targets of issue 7: ${String(results.verdicts.length - missed.length)} met, ${String(missed.length)} missed`,
    renderTable(['', 'target', 'subject', 'limit', 'figure', 'distance'], rows),
    ...(missed.length === 0
      ? []
      : ['', 'What would help (missed targets):', ...missed.map((verdict) => `- ${verdict.target}, ${verdict.subject}: ${verdict.help ?? ''}`)]),
  ].join('\n');
}

/**
 * The report of `BENCH_ONLY=cold`: the header, the bundles and the cold-start proxy, and their verdicts.
 *
 * @example
 * process.stdout.write(renderColdReport({ ...cold, verdicts: coldStartVerdicts(cold) }));
 */
export function renderColdReport(results: ColdResults): string {
  return `${[headerOf(results), bundleSection(results), coldStartSection(results), targetsSection(results)].join('\n\n')}\n`;
}

function rebuildSection(results: BenchResults): string {
  const { rebuild } = results;
  const minutes = (value: number): string => `${value.toFixed(1)} min`;
  return [
    `9. Disaster recovery: the financial-move cluster deleted in the EKS double, rebuilt by one invoke of provision (virtual time; EKS create ~${String(rebuild.clusterCreateMinutes)} min and node group / add-on ~${String(rebuild.nodeGroupMinutes)} min as the issue gives; rollout ${String(rebuild.rolloutSeconds)} s assumed; provision every ${String(rebuild.scheduleMinutes)} min)`,
    renderTable(
      ['measure', 'simulated', 'seed (by hand)'],
      [
        ['invoke -> every workload running its last successful release', minutes(rebuild.toWorkloadsRunningMinutes), minutes(rebuild.seedByHandMinutes)],
        ['invoke -> rebuild done (pools re-attached, lease given back)', minutes(rebuild.toDoneMinutes), ''],
      ],
      ['left', 'right', 'right'],
    ),
    `${String(rebuild.provisionRuns)} provision runs (${rebuild.phases.join(' -> ')}), status ${rebuild.status}; platform (the AWS Load Balancer Controller) ${rebuild.platform}, before the workloads; every workload on its last successful digest: ${rebuild.workloadsAtLastDigest ? 'yes' : 'NO'}; pools kept their addresses and re-attached: ${rebuild.poolsKept ? 'yes' : 'NO'}; simulation wall time ${rebuild.wallMs.toFixed(0)} ms.`,
  ].join('\n');
}

function headerOf(results: ColdResults): string {
  const { machine } = results;
  return [
    `eks-pilot bench, ${results.startedAt} (${results.durationSeconds.toFixed(0)} s)`,
    `machine: ${String(machine.cpus)} CPUs (nproc), ${machine.cpuModel}, load average ${machine.loadAverage.toFixed(2)}; Node ${machine.node} (${machine.platform}); esbuild ${machine.esbuild}`,
  ].join('\n');
}

/**
 * @example
 * process.stdout.write(renderReport(results));
 */
export function renderReport(results: BenchResults): string {
  const header = headerOf(results);
  return `${[header, bundleSection(results), coldStartSection(results), webhookSection(results), pushSection(results), callsSection(results), fleetSection(results), specParseSection(results), fleetFanOutSection(results), rebuildSection(results), targetsSection(results)].join('\n\n')}\n`;
}
