/**
 * The cold-start proxy: how long a fresh Node process takes to load each handler, bundled (as
 * shipped) and unbundled (our code bundled, dependencies required from node_modules), against a
 * bare `node -e ""` start. Every kind of run is interleaved in each round, so a noisy neighbour
 * slows all of them alike rather than one variant's whole series.
 */
import { spawn } from 'node:child_process';
import type { Summary } from './stats';
import { summarise } from './stats';

/** Runs in the child: times the `require` itself with hrtime and prints it. */
const LOAD_AND_TIME = 'const s=process.hrtime.bigint();require(process.argv[1]);process.stdout.write(String(process.hrtime.bigint()-s))';

export interface LoadTarget {
  function: string;
  bundled: string;
  unbundled: string;
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
  functions: { function: string; bundled: LoadFigures; unbundled: LoadFigures; warnings: string[] }[];
  components: { name: string; bundled: LoadFigures }[];
}

type Job = { kind: 'bare' } | { kind: 'bundled' | 'unbundled'; target: LoadTarget } | { kind: 'component'; target: ComponentTarget };

function fileOf(job: Exclude<Job, { kind: 'bare' }>): string {
  return job.kind === 'unbundled' ? job.target.unbundled : job.target.bundled;
}

function keyOf(job: Job): string {
  if (job.kind === 'bare') return 'bare';
  return job.kind === 'component' ? `component/${job.target.name}` : `${job.target.function}/${job.kind}`;
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
    ...components.map((target): Job => ({ kind: 'component', target })),
  ];
  const samples = new Map<string, { require: number[]; process: number[] }>();
  const warnings = new Map<string, Set<string>>();
  const total = options.warmupRounds + options.rounds;
  for (let round = 0; round < total; round += 1) {
    // Rotate the order each round, so no variant always runs first (or right after another).
    const order = jobs.map((_, index) => jobs[(index + round) % jobs.length]).filter((job): job is Job => job !== undefined);
    for (const job of order) {
      const result = job.kind === 'bare' ? await run(['-e', '']) : await run(['-e', LOAD_AND_TIME, fileOf(job)]);
      const key = keyOf(job);
      if ((job.kind === 'bundled' || job.kind === 'unbundled') && result.stderr.trim() !== '') {
        const seen = warnings.get(job.target.function) ?? new Set<string>();
        seen.add(`${job.kind}: ${firstLine(result.stderr)}`);
        warnings.set(job.target.function, seen);
      }
      if (round < options.warmupRounds) continue;
      const series = samples.get(key) ?? { require: [], process: [] };
      series.process.push(result.processMs);
      if (job.kind !== 'bare') series.require.push(Number(result.stdout) / 1e6);
      samples.set(key, series);
    }
  }
  const figures = (key: string): LoadFigures => ({ require: summarise(samples.get(key)?.require ?? []), process: summarise(samples.get(key)?.process ?? []) });
  return {
    rounds: options.rounds,
    bare: { process: summarise(samples.get('bare')?.process ?? []) },
    functions: targets.map((target) => ({
      function: target.function,
      bundled: figures(`${target.function}/bundled`),
      unbundled: figures(`${target.function}/unbundled`),
      warnings: [...(warnings.get(target.function) ?? [])],
    })),
    components: components.map((target) => ({ name: target.name, bundled: figures(`component/${target.name}`) })),
  };
}

/** A Lambda-like environment: a Region, no NODE_OPTIONS (tsx's loader must not be in the child). */
function childEnv(): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, HOME: process.env.HOME, AWS_REGION: 'us-east-1', TZ: 'UTC' };
}

function run(args: string[]): Promise<{ processMs: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, args, { env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
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
