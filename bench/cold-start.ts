/**
 * The cold-start proxy: how long a fresh Node process takes to load each handler, bundled (as
 * shipped) and unbundled (our code bundled, dependencies required from node_modules), against a
 * bare `node -e ""` start; and, for the bundled handler, a fresh process that loads it and handles
 * one event (Lambda's init phase plus its first invocation), so work moved from the `require` to
 * the first invocation still shows. With the package's V8 code cache (scripts/esbuild/code-cache.cjs),
 * the same loads again as Lambda starts Node (its heap flags for the function's memory size): the
 * bundle required plainly, the packaged loader with the cache, and the loader with the cache
 * refused (no flags: what a runtime on another V8 version or flags pays to read it for nothing).
 * Every kind of run is interleaved in each round, so a noisy neighbour slows all of them alike
 * rather than one variant's whole series.
 */
import { spawn } from 'node:child_process';
import { EMPTY_ACCOUNT_CA, startEmptyAccount } from './empty-account';
import type { Summary } from './stats';
import { summarise } from './stats';

/** Runs in the child: times the `require` itself with hrtime and prints it. */
const LOAD_AND_TIME = 'const s=process.hrtime.bigint();require(process.argv[1]);process.stdout.write(String(process.hrtime.bigint()-s))';

/** Runs in the child: times the `require` of each Node module named in argv. */
const REQUIRE_BUILTINS_AND_TIME =
  'const s=process.hrtime.bigint();for(const m of process.argv.slice(1))require(m);process.stdout.write(String(process.hrtime.bigint()-s))';

/** Runs in the child: requires argv[1] and prints the public Node modules it newly loaded (not `_http_agent` and the like: `http` loads them). */
const LIST_BUILTINS =
  "const b=new Set(process.moduleLoadList);require(process.argv[1]);process.stdout.write(JSON.stringify(process.moduleLoadList.filter((m)=>!b.has(m)&&m.startsWith('NativeModule ')&&!m.startsWith('NativeModule internal/')&&!m.startsWith('NativeModule _')).map((m)=>m.slice(13))))";

/**
 * The public Node modules a handler's `require` loads (beyond a bare Node's), as its first cold
 * start under `v8Flags` loads them.
 *
 * @example
 * await builtinsLoadedBy(loader, ['--expose-gc']); // ['crypto', 'tls', 'https', 'zlib', 'http', ...]
 */
export async function builtinsLoadedBy(file: string, v8Flags: readonly string[]): Promise<string[]> {
  const { stdout } = await run([...v8Flags, '-e', LIST_BUILTINS, file]);
  return JSON.parse(stdout) as string[];
}

/** The line the invoking child prints its timings on, after the handler's own log lines. */
const MARK = 'BENCH-FIRST-INVOKE ';

/**
 * Runs in the child: times the `require`, then one invocation with a Lambda-like context, and
 * prints both (ms) with the answer's first 200 characters and the public Node modules the
 * invocation loaded (those the require left for first use) on one marked line.
 */
const LOAD_INVOKE_AND_TIME = [
  "const t=()=>process.hrtime.bigint();const s=t();const m=require(process.argv[1]);const r=t();const lm=()=>process.moduleLoadList.filter((n)=>n.startsWith('NativeModule ')&&!n.startsWith('NativeModule internal/')&&!n.startsWith('NativeModule _')).map((n)=>n.slice(13));const b=new Set(lm());",
  "const ev=JSON.parse(require('node:fs').readFileSync(process.argv[2],'utf8'));",
  "const ctx={awsRequestId:'bench-first-invoke',functionName:process.argv[3],functionVersion:'$LATEST',invokedFunctionArn:'arn:aws:lambda:us-east-1:123456789012:function:'+process.argv[3],",
  "memoryLimitInMB:'512',logGroupName:'/aws/lambda/'+process.argv[3],logStreamName:'bench',callbackWaitsForEmptyEventLoop:true,getRemainingTimeInMillis:()=>60000,done(){},fail(){},succeed(){}};",
  `Promise.resolve(m.handler(ev,ctx)).then((a)=>{const e=t();process.stdout.write('\\n${MARK}'+JSON.stringify({require:Number(r-s)/1e6,invoke:Number(e-r)/1e6,answer:JSON.stringify(a).slice(0,200),builtins:lm().filter((n)=>!b.has(n))})+'\\n');});`,
].join('');

/** One event a function handles on its first invocation, and the settings it needs (relative paths from the repository root). */
export interface FirstInvoke {
  event: string;
  env: Readonly<Record<string, string>>;
}

/** The packaged handler: the loader Lambda requires and the V8 flags its cache was made with. */
export interface CodeCacheTarget {
  loader: string;
  v8Flags: string[];
  /** Node's own public modules the handler's require loads (`http`, `tls`, ...): required alone, they are its floor. */
  builtins: string[];
  /** The function packaged other ways (bench/bundles.ts `PackagedVariant`), loaded and invoked under the same flags. */
  variants?: { name: string; loader: string }[];
}

export interface LoadTarget {
  function: string;
  bundled: string;
  unbundled: string;
  /** When given, the bundled handler is also measured loading and handling this event. */
  firstInvoke?: FirstInvoke;
  /** When given, the bundle is also measured as packaged, with and without its code cache. */
  codeCache?: CodeCacheTarget;
}

/** A fresh process that loaded the bundled handler and handled one event. */
export interface FirstInvokeFigures {
  event: string;
  /** The `require`, ms. */
  require: Summary;
  /** The first invocation after it, ms. */
  invoke: Summary;
  /** Spawn to exit, measured by the parent, ms. */
  process: Summary;
  /** The first 200 characters of the handler's answer in the last round: what the invocation did. */
  answer: string;
  /** The AWS calls one such invocation made, as the empty account saw them. */
  awsRequests: string[];
  /** The public Node modules the invocation loaded that the require had not (in the last round). */
  builtinsLoaded: string[];
}

/** A part of a handler, bundled alone: only its bundled load is measured. */
export interface ComponentTarget {
  name: string;
  bundled: string;
}

export interface LoadFigures {
  /** Time of the `require` inside the child, ms. */
  require: Summary;
  /** Spawn to exit, measured by the parent, ms. */
  process: Summary;
}

/** The loads under Lambda's V8 flags, the bundle plain and as packaged with its code cache. */
export interface CodeCacheFigures {
  v8Flags: string[];
  /** The bundle required plainly (no cache). */
  plain: LoadFigures;
  /** The packaged loader, its cache accepted. */
  cached: LoadFigures;
  /** The packaged loader with no V8 flags, so V8 refuses the cache: the cost of a cache that does not fit. */
  refused: LoadFigures;
  /** A process that requires only {@link CodeCacheTarget.builtins}: what no cache of the bundle can take away. */
  builtins: LoadFigures;
  builtinNames: string[];
  /** Require + first invoke, the bundle plain and packaged with its cache, when the function has a first invoke. */
  plainInvoke?: FirstInvokeFigures;
  cachedInvoke?: FirstInvokeFigures;
  /** The other packagings: the loader's cold process, and require + first invoke when the function has a first invoke. */
  variants: { name: string; cached: LoadFigures; cachedInvoke?: FirstInvokeFigures }[];
}

export interface ColdStartFigures {
  rounds: number;
  bare: { process: Summary };
  functions: {
    function: string;
    bundled: LoadFigures;
    unbundled: LoadFigures;
    firstInvoke?: FirstInvokeFigures;
    codeCache?: CodeCacheFigures;
    warnings: string[];
  }[];
  components: { name: string; bundled: LoadFigures }[];
}

/** Loads under Lambda's flags: the bundle plainly, the packaged loader (cache accepted), the loader with its cache refused. */
type CacheKind = 'flagged' | 'cached' | 'refused' | 'builtins';
/** Require + first invoke under Lambda's flags. */
type CacheInvokeKind = 'flaggedInvoked' | 'cachedInvoked';
type Cached = LoadTarget & { codeCache: CodeCacheTarget };

type Job =
  | { kind: 'bare' }
  | { kind: 'bundled' | 'unbundled'; target: LoadTarget }
  | { kind: 'invoked'; target: LoadTarget & { firstInvoke: FirstInvoke } }
  | { kind: CacheKind; target: Cached }
  | { kind: CacheInvokeKind; target: Cached & { firstInvoke: FirstInvoke } }
  | { kind: 'variant'; target: Cached; variant: { name: string; loader: string } }
  | { kind: 'variantInvoked'; target: Cached & { firstInvoke: FirstInvoke }; variant: { name: string; loader: string } }
  | { kind: 'component'; target: ComponentTarget };

function fileOf(job: Extract<Job, { kind: 'bundled' | 'unbundled' | 'component' }>): string {
  return job.kind === 'unbundled' ? job.target.unbundled : job.target.bundled;
}

/** The node arguments of a job: the runtime's V8 flags for the loads as Lambda starts them, the file to load. */
function argsOf(job: Exclude<Job, { kind: 'bare' }>, accountUrl: string): { args: string[]; env?: NodeJS.ProcessEnv } {
  switch (job.kind) {
    case 'bundled':
    case 'unbundled':
    case 'component':
      return { args: ['-e', LOAD_AND_TIME, fileOf(job)] };
    case 'invoked':
      return {
        args: ['-e', LOAD_INVOKE_AND_TIME, job.target.bundled, job.target.firstInvoke.event, job.target.function],
        env: invokeEnv(accountUrl, job.target.firstInvoke),
      };
    case 'flagged':
      return { args: [...job.target.codeCache.v8Flags, '-e', LOAD_AND_TIME, job.target.bundled] };
    case 'cached':
      return { args: [...job.target.codeCache.v8Flags, '-e', LOAD_AND_TIME, job.target.codeCache.loader] };
    case 'refused':
      return { args: ['-e', LOAD_AND_TIME, job.target.codeCache.loader] };
    case 'builtins':
      return { args: [...job.target.codeCache.v8Flags, '-e', REQUIRE_BUILTINS_AND_TIME, ...job.target.codeCache.builtins] };
    case 'variant':
      return { args: [...job.target.codeCache.v8Flags, '-e', LOAD_AND_TIME, job.variant.loader] };
    case 'variantInvoked':
      return {
        args: [...job.target.codeCache.v8Flags, '-e', LOAD_INVOKE_AND_TIME, job.variant.loader, job.target.firstInvoke.event, job.target.function],
        env: invokeEnv(accountUrl, job.target.firstInvoke),
      };
    case 'flaggedInvoked':
    case 'cachedInvoked': {
      const file = job.kind === 'cachedInvoked' ? job.target.codeCache.loader : job.target.bundled;
      return {
        args: [...job.target.codeCache.v8Flags, '-e', LOAD_INVOKE_AND_TIME, file, job.target.firstInvoke.event, job.target.function],
        env: invokeEnv(accountUrl, job.target.firstInvoke),
      };
    }
    default: {
      const unknown: never = job;
      throw new Error(`unknown job ${JSON.stringify(unknown)}`);
    }
  }
}

const INVOKING = new Set<Job['kind']>(['invoked', 'flaggedInvoked', 'cachedInvoked', 'variantInvoked']);

function keyOf(job: Job): string {
  if (job.kind === 'bare') return 'bare';
  if (job.kind === 'variant' || job.kind === 'variantInvoked') return `${job.target.function}/${job.kind}/${job.variant.name}`;
  return job.kind === 'component' ? `component/${job.target.name}` : `${job.target.function}/${job.kind}`;
}

/** The timings the invoking child printed on its marked line. */
function parseFirstInvoke(stdout: string, file: string): { require: number; invoke: number; answer: string; builtins: string[] } {
  const line = stdout.split('\n').find((candidate) => candidate.startsWith(MARK));
  if (line === undefined) throw new Error(`${file}: the first invocation printed no timings`);
  return JSON.parse(line.slice(MARK.length)) as { require: number; invoke: number; answer: string; builtins: string[] };
}

/**
 * @example
 * const figures = await measureColdStarts([{ function: 'provision', bundled, unbundled }], { rounds: 21, warmupRounds: 1 });
 */
export async function measureColdStarts(
  targets: readonly LoadTarget[],
  components: readonly ComponentTarget[],
  options: { rounds: number; warmupRounds: number },
): Promise<ColdStartFigures> {
  const jobs: Job[] = [
    { kind: 'bare' },
    ...targets.flatMap((target): Job[] => [
      { kind: 'bundled', target },
      { kind: 'unbundled', target },
    ]),
    ...targets.flatMap((target): Job[] =>
      target.firstInvoke === undefined ? [] : [{ kind: 'invoked', target: { ...target, firstInvoke: target.firstInvoke } }],
    ),
    ...targets.flatMap((target): Job[] => {
      if (target.codeCache === undefined) return [];
      const cached = { ...target, codeCache: target.codeCache };
      const variants = target.codeCache.variants ?? [];
      const loads: Job[] = [
        ...(['flagged', 'cached', 'refused', 'builtins'] as const).map((kind) => ({ kind, target: cached })),
        ...variants.map((variant): Job => ({ kind: 'variant', target: cached, variant })),
      ];
      if (target.firstInvoke === undefined) return loads;
      const invoking = { ...cached, firstInvoke: target.firstInvoke };
      return [
        ...loads,
        ...(['flaggedInvoked', 'cachedInvoked'] as const).map((kind): Job => ({ kind, target: invoking })),
        ...variants.map((variant): Job => ({ kind: 'variantInvoked', target: invoking, variant })),
      ];
    }),
    ...components.map((target): Job => ({ kind: 'component', target })),
  ];
  const samples = new Map<string, { require: number[]; process: number[]; invoke: number[] }>();
  const answers = new Map<string, string>();
  const builtinsLoaded = new Map<string, string[]>();
  const awsRequests = new Map<string, string[]>();
  const account = await startEmptyAccount();
  const warnings = new Map<string, Set<string>>();
  try {
    const total = options.warmupRounds + options.rounds;
    for (let round = 0; round < total; round += 1) {
      // Rotate the order each round, so no variant always runs first (or right after another).
      const order = jobs.map((_, index) => jobs[(index + round) % jobs.length]).filter((job): job is Job => job !== undefined);
      for (const job of order) {
        const key = keyOf(job);
        const requestsBefore = account.requests.length;
        const { args, env } = job.kind === 'bare' ? { args: ['-e', ''] } : argsOf(job, account.url);
        const result = await run(args, env);
        // A load writes nothing to stderr, but for the loader whose cache V8 is meant to refuse (it says so).
        if (job.kind !== 'bare' && job.kind !== 'component' && !INVOKING.has(job.kind)) {
          const expected = job.kind === 'refused' ? /V8 refused the cache/ : undefined;
          const stderr = result.stderr.trim();
          if (expected === undefined ? stderr !== '' : !expected.test(stderr)) {
            const seen = warnings.get(job.target.function) ?? new Set<string>();
            seen.add(`${job.kind}: ${stderr === '' ? 'V8 accepted a cache it was meant to refuse' : firstLine(stderr)}`);
            warnings.set(job.target.function, seen);
          }
        }
        const invoked = INVOKING.has(job.kind) ? parseFirstInvoke(result.stdout, key) : undefined;
        if (invoked !== undefined) {
          answers.set(key, invoked.answer);
          builtinsLoaded.set(key, invoked.builtins);
          awsRequests.set(key, account.requests.slice(requestsBefore));
        }
        if (round < options.warmupRounds) continue;
        const series = samples.get(key) ?? { require: [], process: [], invoke: [] };
        series.process.push(result.processMs);
        if (invoked !== undefined) {
          series.require.push(invoked.require);
          series.invoke.push(invoked.invoke);
        } else if (job.kind !== 'bare') series.require.push(Number(result.stdout) / 1e6);
        samples.set(key, series);
      }
    }
  } finally {
    await account.close();
  }
  const invokeFigures = (key: string, event: string): FirstInvokeFigures => ({
    event,
    require: summarise(samples.get(key)?.require ?? []),
    invoke: summarise(samples.get(key)?.invoke ?? []),
    process: summarise(samples.get(key)?.process ?? []),
    answer: answers.get(key) ?? '',
    awsRequests: awsRequests.get(key) ?? [],
    builtinsLoaded: builtinsLoaded.get(key) ?? [],
  });
  const firstInvokeOf = (target: LoadTarget): FirstInvokeFigures | undefined =>
    target.firstInvoke === undefined ? undefined : invokeFigures(`${target.function}/invoked`, target.firstInvoke.event);
  const figures = (key: string): LoadFigures => ({ require: summarise(samples.get(key)?.require ?? []), process: summarise(samples.get(key)?.process ?? []) });
  const codeCacheOf = (target: LoadTarget): CodeCacheFigures | undefined => {
    if (target.codeCache === undefined) return undefined;
    const event = target.firstInvoke?.event;
    return {
      v8Flags: target.codeCache.v8Flags,
      plain: figures(`${target.function}/flagged`),
      cached: figures(`${target.function}/cached`),
      refused: figures(`${target.function}/refused`),
      builtins: figures(`${target.function}/builtins`),
      builtinNames: target.codeCache.builtins,
      ...(event === undefined
        ? {}
        : { plainInvoke: invokeFigures(`${target.function}/flaggedInvoked`, event), cachedInvoke: invokeFigures(`${target.function}/cachedInvoked`, event) }),
      variants: (target.codeCache.variants ?? []).map((variant) => ({
        name: variant.name,
        cached: figures(`${target.function}/variant/${variant.name}`),
        ...(event === undefined ? {} : { cachedInvoke: invokeFigures(`${target.function}/variantInvoked/${variant.name}`, event) }),
      })),
    };
  };
  return {
    rounds: options.rounds,
    bare: { process: summarise(samples.get('bare')?.process ?? []) },
    functions: targets.map((target) => ({
      function: target.function,
      bundled: figures(`${target.function}/bundled`),
      unbundled: figures(`${target.function}/unbundled`),
      ...(target.firstInvoke === undefined ? {} : { firstInvoke: firstInvokeOf(target) }),
      ...(target.codeCache === undefined ? {} : { codeCache: codeCacheOf(target) }),
      warnings: [...(warnings.get(target.function) ?? [])],
    })),
    components: components.map((target) => ({ name: target.name, bundled: figures(`component/${target.name}`) })),
  };
}

/** A Lambda-like environment: a Region, no NODE_OPTIONS (tsx's loader must not be in the child). */
function childEnv(): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, HOME: process.env.HOME, AWS_REGION: 'us-east-1', TZ: 'UTC' };
}

/** The invoking child's environment: Lambda's credential variables, the empty account as every endpoint, the function's settings. */
function invokeEnv(endpoint: string, firstInvoke: FirstInvoke): NodeJS.ProcessEnv {
  return {
    ...childEnv(),
    AWS_ACCESS_KEY_ID: 'AKIDBENCHFIRSTINVOKE',
    AWS_SECRET_ACCESS_KEY: 'bench-first-invoke',
    AWS_SESSION_TOKEN: 'bench-first-invoke-session',
    AWS_ENDPOINT_URL: endpoint,
    NODE_EXTRA_CA_CERTS: EMPTY_ACCOUNT_CA,
    AWS_LAMBDA_FUNCTION_NAME: 'bench',
    ...firstInvoke.env,
  };
}

function run(args: string[], env: NodeJS.ProcessEnv = childEnv()): Promise<{ processMs: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => {
      const processMs = Number(process.hrtime.bigint() - started) / 1e6;
      if (code !== 0) reject(new Error(`node ${args.slice(0, 1).join(' ')} ${args.at(-1) ?? ''} exited ${String(code)}: ${stderr}`));
      else resolve({ processMs, stdout, stderr });
    });
  });
}

function firstLine(text: string): string {
  return text.trim().split('\n')[0]?.slice(0, 160) ?? '';
}
