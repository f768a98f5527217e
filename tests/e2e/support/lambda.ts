/**
 * Invokes a packaged function the way Lambda runs it: a fresh Node 22 process per invocation (a
 * new container), cwd at the unzipped task root, the template's environment plus Lambda's own
 * variables, Node started with the runtime's flags (its heap flags from the function's memory size,
 * which its V8 code cache was made with), and `require()` of ES modules off as in the managed runtime.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { FunctionName } from './package';
import { extractFunction, functionConfig, lambdaNodeArgs } from './package';

const run = promisify(execFile);
const INVOKER = path.join(__dirname, 'invoke-bundle.cjs');
const taskRoots = new Map<FunctionName, string>();

export interface Invocation<T> {
  /** What the handler resolved to (Lambda's response payload). */
  result: T;
  /** The function's JSON log lines, parsed. */
  logs: Record<string, unknown>[];
}

export interface InvokeOptions {
  /** Extra environment: the emulator's endpoint and credentials, KUBECONFIG, settings under test. */
  env?: Record<string, string>;
  /** Values for the template's `Ref`s, e.g. `{ DeployQueue: queueUrl }`. */
  refs?: Record<string, string>;
  region?: string;
}

/** A function error, as Lambda reports it (errorType, errorMessage) with the run's logs. */
export class FunctionError extends Error {
  constructor(
    readonly errorType: string,
    message: string,
    readonly logs: Record<string, unknown>[],
  ) {
    super(`${errorType}: ${message}`);
    this.name = 'FunctionError';
  }
}

/**
 * @example
 * const { result } = await invokeFunction('provision', { mode: 'plan' }, { env: moto.env, region: 'us-east-1' });
 */
export async function invokeFunction<T = unknown>(name: FunctionName, event: unknown, options: InvokeOptions = {}): Promise<Invocation<T>> {
  let taskRoot = taskRoots.get(name);
  if (taskRoot === undefined) {
    taskRoot = extractFunction(name);
    taskRoots.set(name, taskRoot);
  }
  const config = functionConfig(name, options.refs);
  const region = options.region ?? 'us-east-1';
  const scratch = mkdtempSync(path.join(tmpdir(), `eks-pilot-${name}-`));
  const eventFile = path.join(scratch, 'event.json');
  const resultFile = path.join(scratch, 'result.json');
  writeFileSync(eventFile, JSON.stringify(event));
  const env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    LANG: 'en_US.UTF-8',
    TZ: ':UTC',
    LAMBDA_TASK_ROOT: taskRoot,
    AWS_REGION: region,
    AWS_DEFAULT_REGION: region,
    AWS_LAMBDA_FUNCTION_NAME: `eks-pilot-dev-${name}`,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(config.memorySize),
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
    _HANDLER: config.handler,
    ...config.environment,
    ...options.env,
  };
  const { stdout } = await run(
    process.execPath,
    [...lambdaNodeArgs(config.memorySize), INVOKER, taskRoot, config.handler, eventFile, resultFile, String(config.timeoutSeconds)],
    {
      cwd: taskRoot,
      env,
      timeout: (config.timeoutSeconds + 30) * 1000,
      maxBuffer: 64 * 1024 * 1024,
    },
  );
  const logs = stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  const outcome = JSON.parse(readFileSync(resultFile, 'utf8')) as { ok: true; result: T } | { ok: false; errorType: string; errorMessage: string };
  if (!outcome.ok) throw new FunctionError(outcome.errorType, outcome.errorMessage, logs);
  return { result: outcome.result, logs };
}
