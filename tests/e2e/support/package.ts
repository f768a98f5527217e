/**
 * The packaged functions as `serverless package` writes them: one zip per function and the
 * CloudFormation template whose `Environment.Variables` Lambda would set.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { lambdaV8Flags } from '../../../scripts/esbuild/code-cache.cjs';
import { E2E_DIR, ROOT, SPECS_FOLDER } from './specs';

export const PACKAGE_DIR = path.join(E2E_DIR, 'package');
export const TASKS_DIR = path.join(E2E_DIR, 'tasks');
/** What the last `serverless package` printed (stdout and stderr), for the package suite to read. */
export const PACKAGE_LOG = path.join(E2E_DIR, 'package.log');

export type FunctionName = 'provision' | 'eip-manager' | 'deploy-webhook' | 'deploy-worker' | 'scale-watch';

/**
 * What a user may have done before packaging: a `serverless invoke local` with another specs
 * folder, which stages that folder (Secrets included) in serverless-esbuild's build folder. The
 * package that follows must not ship any of it. The invoke's own outcome does not matter here: its
 * AWS endpoint is a closed port.
 */
export function invokeLocallyWithOtherSpecs(): void {
  execFileSync('npx', ['--no-install', 'serverless', 'invoke', 'local', '-f', 'deploy-worker', '-p', 'events/deploy/plan.json'], {
    cwd: ROOT,
    env: {
      ...process.env,
      EKS_PILOT_SPECS: 'examples/kianax',
      AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
      AWS_ACCESS_KEY_ID: 'x',
      AWS_SECRET_ACCESS_KEY: 'x',
      SLS_TELEMETRY_DISABLED: '1',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 300_000,
  });
}

/** The file names a packaged function's zip holds. */
export function zipEntries(name: FunctionName): string[] {
  return execFileSync('unzip', ['-Z1', path.join(PACKAGE_DIR, `${name}.zip`)], { encoding: 'utf8' })
    .split('\n')
    .filter(Boolean);
}

/** Runs `serverless package` as a user does (through npx, offline) with the e2e specs folder. */
export function packageFunctions(): void {
  rmSync(PACKAGE_DIR, { recursive: true, force: true });
  const packaged = spawnSync('npx', ['--no-install', 'serverless', 'package', '--package', PACKAGE_DIR], {
    cwd: ROOT,
    env: { ...process.env, EKS_PILOT_SPECS: SPECS_FOLDER, SLS_TELEMETRY_DISABLED: '1' },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 300_000,
  });
  writeFileSync(PACKAGE_LOG, `${packaged.stdout}${packaged.stderr}`);
  if (packaged.error !== undefined) throw packaged.error;
  if (packaged.status !== 0) throw new Error(`serverless package failed (exit ${String(packaged.status)}):\n${packaged.stdout}${packaged.stderr}`);
}

/** Unzips one function's package into `.e2e/tasks/<name>`, its task root (Lambda's /var/task). */
export function extractFunction(name: FunctionName): string {
  const root = path.join(TASKS_DIR, name);
  rmSync(root, { recursive: true, force: true });
  mkdirSync(root, { recursive: true });
  execFileSync('unzip', ['-q', path.join(PACKAGE_DIR, `${name}.zip`), '-d', root]);
  return root;
}

interface Template {
  Resources: Record<
    string,
    { Type: string; Properties: { Handler?: string; Environment?: { Variables?: Record<string, unknown> }; Timeout?: number; MemorySize?: number } }
  >;
}

/** The logical id serverless gives a function: `deploy-webhook` -> `DeployDashwebhookLambdaFunction`. */
function logicalId(name: FunctionName): string {
  const normalized = name.replace(/-/g, 'Dash').replace(/_/g, 'Underscore');
  return `${normalized.charAt(0).toUpperCase()}${normalized.slice(1)}LambdaFunction`;
}

export interface FunctionConfig {
  handler: string;
  timeoutSeconds: number;
  /** MB, as Lambda gets it (AWS_LAMBDA_FUNCTION_MEMORY_SIZE, and the heap flags Node starts with). */
  memorySize: number;
  /** The function's environment with each `Ref` replaced from `refs`. */
  environment: Record<string, string>;
}

/**
 * Reads one function's handler, timeout and environment from the packaged CloudFormation template,
 * resolving `{ Ref: X }` from `refs` (the stack's resources, which only exist once deployed).
 */
/** The template's properties of one function. */
function functionProperties(name: FunctionName): Template['Resources'][string]['Properties'] {
  const template = JSON.parse(readFileSync(path.join(PACKAGE_DIR, 'cloudformation-template-update-stack.json'), 'utf8')) as Template;
  const resource = template.Resources[logicalId(name)];
  if (resource === undefined) throw new Error(`no ${logicalId(name)} in the packaged template`);
  return resource.Properties;
}

/**
 * One function's handler setting and memory size from the packaged template (no environment, so no `Ref` to resolve).
 *
 * @example
 * functionHandler('provision'); // { handler: 'functions/provision/handler.handler', memorySize: 512 }
 */
export function functionHandler(name: FunctionName): { handler: string; memorySize: number } {
  const properties = functionProperties(name);
  return { handler: properties.Handler ?? '', memorySize: properties.MemorySize ?? 1024 };
}

export function functionConfig(name: FunctionName, refs: Record<string, string> = {}): FunctionConfig {
  const properties = functionProperties(name);
  const environment: Record<string, string> = {};
  for (const [key, value] of Object.entries(properties.Environment?.Variables ?? {})) {
    if (typeof value === 'string') {
      environment[key] = value;
      continue;
    }
    const ref = (value as { Ref?: string }).Ref;
    const resolved = ref === undefined ? undefined : refs[ref];
    if (resolved === undefined) throw new Error(`${name}: ${key} is ${JSON.stringify(value)}; pass refs.${ref ?? '?'} to resolve it`);
    environment[key] = resolved;
  }
  return { ...functionHandler(name), timeoutSeconds: properties.Timeout ?? 6, environment };
}

/**
 * The Node arguments Lambda's nodejs runtime starts a function of `memorySize` MB with (its
 * bootstrap's; scripts/esbuild/code-cache.cjs makes each function's V8 code cache with the same V8
 * flags), and require() of ES modules off as in the managed runtime.
 */
export function lambdaNodeArgs(memorySize: number): string[] {
  return ['--max-http-header-size', '81920', ...lambdaV8Flags(memorySize), '--no-experimental-require-module'];
}

export { ROOT };
