/**
 * The build-time split that defers a handler's module evaluation to its first invocation
 * (scripts/esbuild/lazy-handler.cjs). The packaged functions themselves run against moto in tests/e2e.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';
import type { Plugin } from 'esbuild';
import { innerMetafile, lazyHandlerPlugin } from '../../scripts/esbuild/lazy-handler.cjs';

const ROOT = path.resolve(__dirname, '..', '..');

interface Loaded {
  handler: (event: unknown, context: unknown) => Promise<unknown>;
}

/** Bundles `entry` as the functions are bundled (minified CommonJS, names kept). */
async function bundle(entry: string, plugins: Plugin[]): Promise<string> {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    minify: true,
    keepNames: true,
    platform: 'node',
    target: 'node22',
    format: 'cjs',
    mainFields: ['module', 'main'],
    write: false,
    absWorkingDir: ROOT,
    logLevel: 'silent',
    plugins,
  });
  return result.outputFiles[0]?.text ?? '';
}

/** Runs a CommonJS bundle as Lambda loads it and answers its exports. */
function load(code: string): Loaded {
  const module = { exports: {} as Loaded };
  // eslint-disable-next-line @typescript-eslint/no-implied-eval -- runs the bundle esbuild just built
  const run = new Function('module', 'exports', 'require', code) as (module: object, exports: object, load: NodeJS.Require) => void;
  run(module, module.exports, require);
  return module.exports;
}

describe('lazyHandlerPlugin', () => {
  jest.setTimeout(30_000);

  let dir: string;
  let entry: string;
  const evaluations = globalThis as { lazyHandlerEvaluations?: number };

  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'eks-pilot-lazy-'));
    mkdirSync(path.join(dir, 'functions', 'demo'), { recursive: true });
    entry = path.join(dir, 'functions', 'demo', 'handler.ts');
    // Two classes of one name in two modules: esbuild renames one apart (TimeoutError2) in the bundle.
    writeFileSync(
      path.join(dir, 'functions', 'demo', 'errors.ts'),
      'export class TimeoutError extends Error { constructor() { super("first"); this.name = new.target.name; } }\n',
    );
    writeFileSync(
      path.join(dir, 'functions', 'demo', 'heavy.ts'),
      [
        'const state = globalThis as { lazyHandlerEvaluations?: number };',
        'state.lazyHandlerEvaluations = (state.lazyHandlerEvaluations ?? 0) + 1;',
        'export class TimeoutError extends Error { constructor() { super("second"); this.name = new.target.name; } }',
        'export const answer = (event: { n: number }) => event.n * 2;',
      ].join('\n'),
    );
    writeFileSync(
      entry,
      [
        "import { TimeoutError as First } from './errors';",
        "import { TimeoutError as Second, answer } from './heavy';",
        'export const handler = async (event: { n: number }, context: { requestId: string }) =>',
        '  ({ doubled: answer(event), requestId: context.requestId, names: [new First().name, new Second().name] });',
      ].join('\n'),
    );
    delete evaluations.lazyHandlerEvaluations;
  });

  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
    delete evaluations.lazyHandlerEvaluations;
  });

  it('runs none of the handler module when the bundle is loaded', async () => {
    // Prepare
    const code = await bundle(entry, [lazyHandlerPlugin()]);

    // Act
    const loaded = load(code);

    // Assess
    expect(typeof loaded.handler).toBe('function');
    expect(evaluations.lazyHandlerEvaluations).toBeUndefined();
  });

  it('evaluates the handler module once, on the first invocation, and answers as the handler does', async () => {
    // Prepare
    const loaded = load(await bundle(entry, [lazyHandlerPlugin()]));

    // Act
    const first = await loaded.handler({ n: 21 }, { requestId: 'r-1' });
    const second = await loaded.handler({ n: 2 }, { requestId: 'r-2' });

    // Assess
    expect(first).toEqual({ doubled: 42, requestId: 'r-1', names: ['TimeoutError', 'TimeoutError'] });
    expect(second).toEqual({ doubled: 4, requestId: 'r-2', names: ['TimeoutError', 'TimeoutError'] });
    expect(evaluations.lazyHandlerEvaluations).toBe(1);
  });

  it('answers what a bundle without the plugin answers, and records the inner build for the bench', async () => {
    // Prepare
    const eager = load(await bundle(entry, []));
    const lazy = load(await bundle(entry, [lazyHandlerPlugin()]));

    // Act
    const expected = await eager.handler({ n: 5 }, { requestId: 'r' });
    const actual = await lazy.handler({ n: 5 }, { requestId: 'r' });

    // Assess
    expect(actual).toEqual(expected);
    expect(Object.keys(innerMetafile(entry)?.inputs ?? {}).some((input) => input.endsWith('heavy.ts'))).toBe(true);
  });

  it('leaves an entry that is not a function handler as it is', async () => {
    // Prepare
    const other = path.join(dir, 'functions', 'demo', 'heavy.ts');

    // Act
    load(await bundle(other, [lazyHandlerPlugin()]));

    // Assess
    expect(evaluations.lazyHandlerEvaluations).toBe(1);
  });
});
