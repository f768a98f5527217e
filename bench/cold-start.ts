/**
 * The cold-start proxy: how long a fresh Node process takes to load each handler, bundled (as
 * shipped) and unbundled (our code bundled, dependencies required from node_modules), against a
 * bare `node -e ""` start; and, for the bundled handler, a fresh process that loads it and handles
 * one event (Lambda's init phase plus its first invocation), so work moved from the `require` to
 * the first invocation still shows. Every kind of run is interleaved in each round, so a noisy
 * neighbour slows all of them alike rather than one variant's whole series.
 */
import { spawn } from 'node:child_process';
import { startEmptyAccount } from './empty-account';
import type { Summary } from './stats';
import { summarise } from './stats';

/** Runs in the child: times the `require` itself with hrtime and prints it. */
const LOAD_AND_TIME = 'const s=process.hrtime.bigint();require(process.argv[1]);process.stdout.write(String(process.hrtime.bigint()-s))';

/** The line the invoking child prints its timings on, after the handler's own log lines. */
const MARK = 'BENCH-FIRST-INVOKE ';

/**
 * Runs in the child: times the `require`, then one invocation with a Lambda-like context, and
 * prints both (ms) with the answer's first 200 characters on one marked line.
 */
const LOAD_INVOKE_AND_TIME = [
  'const t=()=>process.hrtime.bigint();const s=t();const m=require(process.argv[1]);const r=t();',
  "const ev=JSON.parse(require('node:fs').readFileSync(process.argv[2],'utf8'));",
  "const ctx={awsRequestId:'bench-first-invoke',functionName:process.argv[3],functionVersion:'$LATEST',invokedFunctionArn:'arn:aws:lambda:us-east-1:123456789012:function:'+process.argv[3],",
  "memoryLimitInMB:'512',logGroupName:'/aws/lambda/'+process.argv[3],logStreamName:'bench',callbackWaitsForEmptyEventLoop:true,getRemainingTimeInMillis:()=>60000,done(){},fail(){},succeed(){}};",
  `Promise.resolve(m.handler(ev,ctx)).then((a)=>{const e=t();process.stdout.write('\\n${MARK}'+JSON.stringify({require:Number(r-s)/1e6,invoke:Number(e-r)/1e6,answer:JSON.stringify(a).slice(0,200)})+'\\n');});`,
].join('');

/** One event a function handles on its first invocation, and the settings it needs (relative paths from the repository root). */
export interface FirstInvoke {
  event: string;
  env: Readonly<Record<string, string>>;
}

export interface LoadTarget {
  function: string;
  bundled: string;
  unbundled: string;
  /** When given, the bundled handler is also measured loading and handling this event. */
  firstInvoke?: FirstInvoke;
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

export interface ColdStartFigures {
  rounds: number;
  bare: { process: Summary };
  functions: { function: string; bundled: LoadFigures; unbundled: LoadFigures; firstInvoke?: FirstInvokeFigures; warnings: string[] }[];
  components: { name: string; bundled: LoadFigures }[];
}

type Job =
  | { kind: 'bare' }
  | { kind: 'bundled' | 'unbundled'; target: LoadTarget }
  | { kind: 'invoked'; target: LoadTarget & { firstInvoke: FirstInvoke } }
  | { kind: 'component'; target: ComponentTarget };

function fileOf(job: Exclude<Job, { kind: 'bare' | 'invoked' }>): string {
  return job.kind === 'unbundled' ? job.target.unbundled : job.target.bundled;
}

function keyOf(job: Job): string {
  if (job.kind === 'bare') return 'bare';
  return job.kind === 'component' ? `component/${job.target.name}` : `${job.target.function}/${job.kind}`;
}

/** The timings the invoking child printed on its marked line. */
function parseFirstInvoke(stdout: string, file: string): { require: number; invoke: number; answer: string } {
  const line = stdout.split('\n').find((candidate) => candidate.startsWith(MARK));
  if (line === undefined) throw new Error(`${file}: the first invocation printed no timings`);
  return JSON.parse(line.slice(MARK.length)) as { require: number; invoke: number; answer: string };
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
    ...components.map((target): Job => ({ kind: 'component', target })),
  ];
  const samples = new Map<string, { require: number[]; process: number[]; invoke: number[] }>();
  const answers = new Map<string, string>();
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
        const result =
          job.kind === 'bare'
            ? await run(['-e', ''])
            : job.kind === 'invoked'
              ? await run(
                  ['-e', LOAD_INVOKE_AND_TIME, job.target.bundled, job.target.firstInvoke.event, job.target.function],
                  invokeEnv(account.url, job.target.firstInvoke),
                )
              : await run(['-e', LOAD_AND_TIME, fileOf(job)]);
        if ((job.kind === 'bundled' || job.kind === 'unbundled') && result.stderr.trim() !== '') {
          const seen = warnings.get(job.target.function) ?? new Set<string>();
          seen.add(`${job.kind}: ${firstLine(result.stderr)}`);
          warnings.set(job.target.function, seen);
        }
        const invoked = job.kind === 'invoked' ? parseFirstInvoke(result.stdout, job.target.bundled) : undefined;
        if (invoked !== undefined) {
          answers.set(key, invoked.answer);
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
  const firstInvokeOf = (target: LoadTarget): FirstInvokeFigures | undefined => {
    if (target.firstInvoke === undefined) return undefined;
    const key = `${target.function}/invoked`;
    return {
      event: target.firstInvoke.event,
      require: summarise(samples.get(key)?.require ?? []),
      invoke: summarise(samples.get(key)?.invoke ?? []),
      process: summarise(samples.get(key)?.process ?? []),
      answer: answers.get(key) ?? '',
      awsRequests: awsRequests.get(key) ?? [],
    };
  };
  const figures = (key: string): LoadFigures => ({ require: summarise(samples.get(key)?.require ?? []), process: summarise(samples.get(key)?.process ?? []) });
  return {
    rounds: options.rounds,
    bare: { process: summarise(samples.get('bare')?.process ?? []) },
    functions: targets.map((target) => ({
      function: target.function,
      bundled: figures(`${target.function}/bundled`),
      unbundled: figures(`${target.function}/unbundled`),
      ...(target.firstInvoke === undefined ? {} : { firstInvoke: firstInvokeOf(target) }),
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
