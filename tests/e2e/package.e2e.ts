/**
 * What `serverless package` ships, read from the zips the suite packaged right after an
 * `invoke local` with another specs folder (tests/e2e/support/global-setup.ts): each zip holds its
 * bundle and the configured specs only, each file once; the manifests, Secrets among them, go to
 * the two deploy functions alone.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FunctionName } from './support/package';
import { PACKAGE_DIR, PACKAGE_LOG, functionHandler, lambdaNodeArgs, zipEntries } from './support/package';
import { E2E_EXAMPLES, ROOT, SPECS_FOLDER } from './support/specs';

const specs = E2E_EXAMPLES.map((example) => `${SPECS_FOLDER}/${example}.yaml`).sort();
const manifests = E2E_EXAMPLES.flatMap((example) =>
  readdirSync(path.join(ROOT, SPECS_FOLDER, example, 'manifests')).map((file) => `${SPECS_FOLDER}/${example}/manifests/${file}`),
).sort();

/** What a function's bundle ships as: the loader Lambda requires, the bundle and its V8 code cache (scripts/esbuild/code-cache.cjs). */
function packaged(handler: string): string[] {
  const bundle = handler.replace(/\.js$/, '.bundle.js');
  return [handler, bundle, `${bundle}.v8cache`];
}

describe.each<[FunctionName, string]>([
  ['provision', 'functions/provision/handler.js'],
  ['eip-manager', 'functions/eip-manager/handler.js'],
  ['scale-watch', 'functions/scale-watch/handler.js'],
])('the %s zip', (name, bundle) => {
  it('holds its bundle, its loader and code cache, and the specs, each once, and no manifest', () => {
    expect(zipEntries(name).sort()).toEqual([...packaged(bundle), ...specs].sort());
  });
});

describe.each<[FunctionName, string]>([
  ['deploy-webhook', 'functions/deploy/webhook/handler.js'],
  ['deploy-worker', 'functions/deploy/worker/handler.js'],
])('the %s zip', (name, bundle) => {
  it('holds its bundle, its loader and code cache, the specs and their manifests, each once, and nothing an earlier invoke local staged', () => {
    const entries = zipEntries(name);

    expect(entries.filter((entry) => !entry.endsWith('/')).sort()).toEqual([...packaged(bundle), ...specs, ...manifests].sort());
    expect(entries.filter((entry) => entry.includes('examples/'))).toEqual([]);
  });
});

it("made every function's code cache after its training invocation: the packaging warned of no fallback", () => {
  // A training run that reached outside the process falls back to the top level's cache, with a warning (scripts/esbuild/code-cache.cjs).
  expect(readFileSync(PACKAGE_LOG, 'utf8')).not.toMatch(/code cache holds|no V8 code cache/);
});

describe.each<FunctionName>(['provision', 'eip-manager', 'deploy-webhook', 'deploy-worker', 'scale-watch'])('the %s handler file', (name) => {
  let taskRoot: string;

  // A task root of its own: the other suites invoke from .e2e/tasks.
  beforeAll(() => {
    taskRoot = mkdtempSync(path.join(tmpdir(), `eks-pilot-task-${name}-`));
    execFileSync('unzip', ['-q', path.join(PACKAGE_DIR, `${name}.zip`), '-d', taskRoot]);
  });

  afterAll(() => {
    rmSync(taskRoot, { recursive: true, force: true });
  });

  const load = (nodeArgs: string[]) => {
    const { handler } = functionHandler(name);
    const file = path.join(taskRoot, `${handler.slice(0, handler.lastIndexOf('.'))}.js`);
    const script = `process.stdout.write(typeof require(${JSON.stringify(file)}).${handler.slice(handler.lastIndexOf('.') + 1)})`;
    return spawnSync(process.execPath, [...nodeArgs, '-e', script], { cwd: taskRoot, encoding: 'utf8', env: { PATH: process.env.PATH ?? '' } });
  };

  it("loads with its V8 code cache accepted under the flags Lambda starts Node with for the function's memory size", () => {
    // Act
    const loaded = load(lambdaNodeArgs(functionHandler(name).memorySize));

    // Assess
    expect(loaded).toMatchObject({ status: 0, stdout: 'function', stderr: '' });
  });

  it('still loads, and says why on stderr, when V8 refuses the cache (other V8 flags)', () => {
    // Act
    const loaded = load(['--no-experimental-require-module']);

    // Assess
    expect(loaded).toMatchObject({ status: 0, stdout: 'function' });
    expect(loaded.stderr).toContain('"reason":"V8 refused the cache');
  });
});
