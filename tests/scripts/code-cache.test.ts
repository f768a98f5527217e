/**
 * The V8 code cache each function ships with (scripts/esbuild/code-cache.cjs): the packaged layout,
 * the loader Lambda requires (scripts/esbuild/code-cache-loader.cjs) using the cache when V8 accepts
 * it and compiling without it when V8 would refuse it or its bytes are not the packaging's, and the
 * stack traces that still name the bundle. Each load runs in a fresh Node 22, as a cold start does;
 * the packaged zips themselves run against moto in tests/e2e.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';
import { codeCachePlugin, lambdaV8Flags, loaderSource, memorySizesOf, withCodeCache } from '../../scripts/esbuild/code-cache.cjs';
import { digestOf, sourceOf } from '../../scripts/esbuild/code-cache-loader.cjs';
import { TRAINING, trainingOf } from '../../scripts/esbuild/code-cache-training.cjs';
import { bundleLikeFunctions } from '../../testing/function-bundle';

const ROOT = path.resolve(__dirname, '..', '..');

const HANDLER = `
export const handler = async (event: { n: number }) => ({ doubled: event.n * 2 });
export function fail(): never {
  throw new Error('boom from the bundle');
}
`;

/** A fresh Node that requires `file` and prints what the handler answers, as a cold start would. */
function coldLoad(file: string, v8Flags: string[]): { stdout: string; stderr: string; status: number | null } {
  const script = `const m=require(${JSON.stringify(file)});Promise.resolve(m.handler({n:21})).then((a)=>process.stdout.write(JSON.stringify(a)))`;
  const result = spawnSync(process.execPath, [...v8Flags, '-e', script], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '' } });
  return { stdout: result.stdout, stderr: result.stderr, status: result.status };
}

/** The `reason` of the loader's warning line, if it wrote one. */
function reasonOf(stderr: string): string | undefined {
  const line = stderr.split('\n').find((candidate) => candidate.includes('V8 code cache not used'));
  return line === undefined ? undefined : (JSON.parse(line) as { reason: string }).reason;
}

describe('withCodeCache and the packaged loader', () => {
  let folder: string;
  let output: string;
  const flags512 = lambdaV8Flags(512);

  beforeEach(async () => {
    folder = mkdtempSync(path.join(os.tmpdir(), 'eks-pilot-code-cache-'));
    output = path.join(folder, 'functions', 'demo', 'handler.js');
    mkdirSync(path.dirname(output), { recursive: true });
    writeFileSync(output, (await bundleLikeFunctions(HANDLER, [])).code);
  });

  afterEach(() => {
    rmSync(folder, { recursive: true, force: true });
  });

  it('puts the bundle beside a loader that answers as the bundle did, with the cache V8 accepts under the same flags', async () => {
    // Prepare
    const bundleBytes = readFileSync(output);

    // Act
    const packaged = await withCodeCache(output, { v8Flags: flags512, runtimeMajor: 22 });
    const loaded = coldLoad(packaged.loader, flags512);

    // Assess
    expect(packaged).toMatchObject({ loader: output, bundle: output.replace(/\.js$/, '.bundle.js'), made: 'run' });
    expect(readFileSync(packaged.bundle)).toEqual(bundleBytes);
    expect(packaged.cacheBytes).toBeGreaterThan(0);
    expect(readFileSync(packaged.cache).length).toBe(packaged.cacheBytes);
    expect(loaded).toEqual({ stdout: '{"doubled":42}', stderr: '', status: 0 });
  });

  it('reads a bundle that is not all ASCII as UTF-8 (esbuild leaves a regex literal raw), with its cache', async () => {
    // Prepare
    writeFileSync(
      output,
      (await bundleLikeFunctions("export const handler = async () => ({ match: /\u2026$/.test('wait\\u2026') && /…$/.test('wait\\u2026') });", [])).code,
    );
    const raw = readFileSync(output);

    // Act
    const packaged = await withCodeCache(output, { v8Flags: flags512, runtimeMajor: 22 });
    const loaded = coldLoad(packaged.loader, flags512);

    // Assess
    expect(raw.includes(Buffer.from('…'))).toBe(true);
    expect(loaded).toEqual({ stdout: '{"match":true}', stderr: '', status: 0 });
  });

  it('compiles without the cache, and says why on one JSON line, when the V8 flags differ from the packaging', async () => {
    // Prepare
    const packaged = await withCodeCache(output, { v8Flags: flags512, runtimeMajor: 22 });

    // Act
    const loaded = coldLoad(packaged.loader, lambdaV8Flags(256));

    // Assess
    expect(loaded.stdout).toBe('{"doubled":42}');
    expect(loaded.status).toBe(0);
    expect(reasonOf(loaded.stderr)).toMatch(/^V8 refused the cache/);
  });

  it('compiles without a cache made by another V8 version, which V8 refuses', async () => {
    // Prepare: bytes 4-7 of V8's code cache header are its version hash.
    const packaged = await withCodeCache(output, { v8Flags: flags512, runtimeMajor: 22 });
    const cache = readFileSync(packaged.cache);
    cache.writeUInt32LE(cache.readUInt32LE(4) ^ 0x5a5a5a5a, 4);
    writeFileSync(packaged.cache, cache);
    const cached = { cacheName: 'handler.bundle.js.v8cache', digest: digestOf(readFileSync(packaged.bundle), cache), node: process.version };
    writeFileSync(packaged.loader, loaderSource('handler.bundle.js', cached));

    // Act
    const loaded = coldLoad(packaged.loader, flags512);

    // Assess
    expect(loaded.stdout).toBe('{"doubled":42}');
    expect(reasonOf(loaded.stderr)).toMatch(/^V8 refused the cache/);
  });

  it('does not read a cache another Node release made, which V8 would refuse', async () => {
    // Prepare
    const packaged = await withCodeCache(output, { v8Flags: flags512, runtimeMajor: 22 });
    const cached = { cacheName: 'handler.bundle.js.v8cache', digest: digestOf(readFileSync(packaged.bundle), readFileSync(packaged.cache)), node: 'v22.0.0' };
    writeFileSync(packaged.loader, loaderSource('handler.bundle.js', cached));

    // Act
    const loaded = coldLoad(packaged.loader, flags512);

    // Assess
    expect(loaded.stdout).toBe('{"doubled":42}');
    expect(reasonOf(loaded.stderr)).toBe("the cache was made by Node v22.0.0; package the function with this runtime's Node to use it");
  });

  it('never hands V8 a damaged cache (which can crash the process) and compiles without it', async () => {
    // Prepare
    const packaged = await withCodeCache(output, { v8Flags: flags512, runtimeMajor: 22 });
    const cache = readFileSync(packaged.cache);
    for (let at = 64; at < cache.length; at += 97) cache[at] = (cache[at] ?? 0) ^ 0xff;
    writeFileSync(packaged.cache, cache);

    // Act
    const loaded = coldLoad(packaged.loader, flags512);

    // Assess
    expect(loaded).toMatchObject({ stdout: '{"doubled":42}', status: 0 });
    expect(reasonOf(loaded.stderr)).toBe('the cache was not made from this bundle (SHA-256 differs)');
  });

  it('does not use the cache for a bundle edited after packaging, even one of the same length', async () => {
    // Prepare
    const packaged = await withCodeCache(output, { v8Flags: flags512, runtimeMajor: 22 });
    const source = readFileSync(packaged.bundle, 'utf8');
    writeFileSync(packaged.bundle, source.replace('doubled', 'Doubled'));

    // Act
    const loaded = coldLoad(packaged.loader, flags512);

    // Assess
    expect(loaded.stdout).toBe('{"Doubled":42}');
    expect(reasonOf(loaded.stderr)).toBe('the cache was not made from this bundle (SHA-256 differs)');
  });

  it('compiles without the cache when its file is missing', async () => {
    // Prepare
    const packaged = await withCodeCache(output, { v8Flags: flags512, runtimeMajor: 22 });
    rmSync(packaged.cache);

    // Act
    const loaded = coldLoad(packaged.loader, flags512);

    // Assess
    expect(loaded.stdout).toBe('{"doubled":42}');
    expect(reasonOf(loaded.stderr)).toBe('the cache could not be read (ENOENT)');
  });

  it('names the bundle file, line and column of a thrown error, as a plain require of the bundle does', async () => {
    // Prepare
    const plainStack = execFileSync(process.execPath, ['-e', `try{require(${JSON.stringify(output)}).fail()}catch(e){process.stdout.write(e.stack)}`], {
      encoding: 'utf8',
    });
    const packaged = await withCodeCache(output, { v8Flags: flags512, runtimeMajor: 22 });
    const script = `try{require(${JSON.stringify(packaged.loader)}).fail()}catch(e){process.stdout.write(e.stack)}`;

    // Act
    const stack = execFileSync(process.execPath, [...flags512, '-e', script], { encoding: 'utf8' });

    // Assess
    const frame = (text: string, file: string) => new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:(\\d+):(\\d+)`).exec(text)?.slice(1);
    expect(stack).toContain('boom from the bundle');
    expect(frame(stack, packaged.bundle)).toEqual(frame(plainStack, output));
  });

  it('requires the bundle without the cache when source maps are on, so that its frames map to the sources', async () => {
    // Prepare
    const entry = path.join(folder, 'mapped.ts');
    writeFileSync(entry, HANDLER);
    const mapped = path.join(folder, 'mapped', 'handler.js');
    await build({ entryPoints: [entry], outfile: mapped, bundle: true, minify: true, sourcemap: true, platform: 'node', format: 'cjs', logLevel: 'silent' });
    const packaged = await withCodeCache(mapped, { v8Flags: flags512, runtimeMajor: 22 });
    const script = `try{require(${JSON.stringify(packaged.loader)}).fail()}catch(e){process.stdout.write(e.stack)}`;

    // Act
    const result = spawnSync(process.execPath, [...flags512, '--enable-source-maps', '-e', script], { encoding: 'utf8' });

    // Assess
    expect(result.stdout).toContain(`${entry}:4:9`);
    expect(reasonOf(result.stderr)).toMatch(/^source maps are on/);
  });

  it('makes a compile-only cache, and warns, when the top level reaches outside the process', async () => {
    // Prepare
    const marker = path.join(folder, 'written-at-packaging');
    const effectful = await bundleLikeFunctions(
      `import { writeFileSync } from 'node:fs';\nwriteFileSync(${JSON.stringify(marker)}, 'x');\nexport const handler = async (event: { n: number }) => ({ doubled: event.n * 2 });`,
      [],
    );
    writeFileSync(output, effectful.code);
    const warnings: string[] = [];

    // Act
    const packaged = await withCodeCache(output, { v8Flags: flags512, runtimeMajor: 22, warn: (message) => warnings.push(message) });

    // Assess
    expect(packaged.made).toBe('compile');
    expect(existsSync(marker)).toBe(false);
    expect(warnings).toEqual([
      expect.stringMatching(/its top level was refused FileSystemWrite .*not side-effect free; its code cache holds the compile only$/),
    ]);
    expect(coldLoad(packaged.loader, flags512)).toEqual({ stdout: '{"doubled":42}', stderr: '', status: 0 });
  });

  it('makes a compile-only cache when the top level opens a connection', async () => {
    // Prepare
    const connecting = await bundleLikeFunctions(
      `import { connect } from 'node:net';\nconnect(9, '127.0.0.1').on('error', () => undefined);\nexport const handler = async (event: { n: number }) => ({ doubled: event.n * 2 });`,
      [],
    );
    writeFileSync(output, connecting.code);
    const warnings: string[] = [];

    // Act
    const packaged = await withCodeCache(output, { v8Flags: flags512, runtimeMajor: 22, warn: (message) => warnings.push(message) });

    // Assess
    expect(packaged.made).toBe('compile');
    expect(warnings).toEqual([expect.stringContaining('its top level opened a connection (127.0.0.1:9) while the code cache was made')]);
  });

  it('ships no cache when the packaging Node is not the runtime major, and the loader then compiles without one', async () => {
    // Prepare
    const warnings: string[] = [];

    // Act
    const packaged = await withCodeCache(output, { v8Flags: flags512, runtimeMajor: 20, warn: (message) => warnings.push(message) });

    // Assess
    expect(packaged.made).toBe('none');
    expect(existsSync(packaged.cache)).toBe(false);
    expect(warnings).toEqual([expect.stringContaining("not the runtime's 20.x: no V8 code cache")]);
    expect(coldLoad(packaged.loader, flags512)).toEqual({ stdout: '{"doubled":42}', stderr: '', status: 0 });
  });
});

describe('sourceOf', () => {
  it('reads ASCII bytes as latin1 and anything else as UTF-8, the same strings UTF-8 gives', () => {
    // Prepare
    const ascii = Buffer.from('exports.x = "\\u2026";');
    const utf8 = Buffer.from('exports.x = /…/;');

    // Act
    const sources = [sourceOf(ascii), sourceOf(utf8)];

    // Assess
    expect(sources).toEqual([ascii.toString('utf8'), utf8.toString('utf8')]);
    expect(sources[1]).not.toBe(utf8.toString('latin1'));
  });
});

describe('codeCachePlugin', () => {
  let folder: string;

  beforeEach(() => {
    folder = mkdtempSync(path.join(os.tmpdir(), 'eks-pilot-code-cache-plugin-'));
  });

  afterEach(() => {
    rmSync(folder, { recursive: true, force: true });
  });

  it("gives each bundle esbuild writes the cache of its function's memory size", async () => {
    // Prepare
    const entry = path.join(folder, 'handler.ts');
    writeFileSync(entry, HANDLER);
    const asked: string[] = [];

    // Act
    await build({
      entryPoints: [entry],
      outdir: path.join(folder, 'out'),
      bundle: true,
      platform: 'node',
      format: 'cjs',
      absWorkingDir: folder,
      logLevel: 'silent',
      plugins: [codeCachePlugin({ memorySizeOf: (name) => (asked.push(name), 256), runtimeMajor: 22 })],
    });
    const loader = path.join(folder, 'out', 'handler.js');

    // Assess
    expect(asked).toEqual(['handler.ts']);
    expect(coldLoad(loader, lambdaV8Flags(256))).toEqual({ stdout: '{"doubled":42}', stderr: '', status: 0 });
    expect(reasonOf(coldLoad(loader, lambdaV8Flags(512)).stderr)).toMatch(/^V8 refused the cache/);
  });
});

describe('lambdaV8Flags', () => {
  it.each([
    [128, ['--expose-gc', '--max-semi-space-size=6', '--max-old-space-size=116']],
    [256, ['--expose-gc', '--max-semi-space-size=12', '--max-old-space-size=231']],
    [512, ['--expose-gc', '--max-semi-space-size=25', '--max-old-space-size=461']],
    [1024, ['--expose-gc', '--max-semi-space-size=51', '--max-old-space-size=922']],
  ])('gives a %i MB function the heap flags Lambda starts it with', (memorySize, flags) => {
    expect(lambdaV8Flags(memorySize)).toEqual(flags);
  });
});

describe('memorySizesOf', () => {
  it("answers each function's own memory size, else the provider's, for the functions built from an entry", () => {
    // Prepare
    const serverless = {
      service: {
        provider: { memorySize: 512 },
        functions: {
          provision: { handler: 'functions/provision/handler.handler' },
          webhook: { handler: 'functions/deploy/webhook/handler.handler', memorySize: 256 },
        },
      },
    };

    // Act
    const sizes = [memorySizesOf(serverless, 'functions/provision/handler.ts', ROOT), memorySizesOf(serverless, 'functions/deploy/webhook/handler.ts', ROOT)];

    // Assess
    expect(sizes).toEqual([[512], [256]]);
  });
});

/**
 * The training run (scripts/esbuild/code-cache-produce.cjs `train`): the handler invoked once at
 * packaging, its AWS calls answered by an empty account on loopback, before V8 is asked for the
 * cache.
 */
describe('withCodeCache with a training run', () => {
  let folder: string;
  let output: string;
  let event: string;
  const flags512 = lambdaV8Flags(512);

  /** A handler whose first invocation compiles code its top level never ran, and asks SSM for a parameter over `AWS_ENDPOINT_URL`. */
  const CALLING = `
import { request } from 'node:http';
const lines = (n: number) => Array.from({ length: n }, (_, i) => ({ line: i, text: 'x'.repeat(i % 7) })).map((entry) => entry.text.length + entry.line);
export const handler = async (event: { n: number }) => {
  const sum = lines(50).reduce((total, value) => total + value, 0);
  const answer = await new Promise<string>((resolve, reject) => {
    const url = new URL(process.env.AWS_ENDPOINT_URL ?? 'http://127.0.0.1:9');
    const call = request({ host: url.hostname, port: url.port, method: 'POST', path: '/', headers: { 'x-amz-target': 'AmazonSSM.GetParameters', 'content-type': 'application/x-amz-json-1.1' } }, (response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      response.on('end', () => resolve(body));
    });
    call.on('error', reject);
    call.end(JSON.stringify({ Names: ['/eks-pilot/dev/other'] }));
  });
  return { doubled: event.n * 2, sum, answer };
};
`;

  /** A fresh Node that loads the packaged handler and calls it (its call fails: nothing listens), as a cold start would. */
  function coldCall(loader: string): { stderr: string; status: number | null } {
    const script = `require(${JSON.stringify(loader)}).handler({n:21}).then(()=>{},()=>{})`;
    const result = spawnSync(process.execPath, [...flags512, '-e', script], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '' } });
    return { stderr: result.stderr, status: result.status };
  }

  /** Packages `file` as the plugin does, with a training run of the test's event. */
  function packageTrained(file: string, env: Record<string, string> = {}, warn?: (message: string) => void): ReturnType<typeof withCodeCache> {
    return withCodeCache(file, { v8Flags: flags512, runtimeMajor: 22, training: { event, env }, ...(warn === undefined ? {} : { warn }) });
  }

  beforeEach(async () => {
    folder = mkdtempSync(path.join(os.tmpdir(), 'eks-pilot-code-cache-training-'));
    output = path.join(folder, 'functions', 'demo', 'handler.js');
    mkdirSync(path.dirname(output), { recursive: true });
    writeFileSync(output, (await bundleLikeFunctions(CALLING, [])).code);
    event = path.join(folder, 'event.json');
    writeFileSync(event, '{"n":21}');
  });

  afterEach(() => {
    rmSync(folder, { recursive: true, force: true });
  });

  it("makes the cache after the handler's training invocation, which reached the empty account alone, and the loader accepts it", async () => {
    // Prepare
    const plain = path.join(folder, 'plain', 'handler.js');
    mkdirSync(path.dirname(plain), { recursive: true });
    writeFileSync(plain, readFileSync(output));
    const topLevelOnly = await withCodeCache(plain, { v8Flags: flags512, runtimeMajor: 22 });

    // Act
    const packaged = await packageTrained(output);

    // Assess
    expect(packaged.made).toBe('train');
    expect(packaged.training).toEqual({ outcome: 'answered', requests: ['json AmazonSSM.GetParameters'] });
    expect(packaged.cacheBytes).toBeGreaterThan(topLevelOnly.cacheBytes);
    expect(coldCall(packaged.loader)).toEqual({ stderr: '', status: 0 });
  });

  it('falls back to the top-level cache, and says so, when the training invocation connects anywhere but the empty account', async () => {
    // Prepare
    const warnings: string[] = [];

    // Act: AWS_ENDPOINT_URL is the empty account's; the handler is pointed at port 9 instead.
    const packaged = await packageTrained(output, {}, (message) => warnings.push(message));
    const elsewhere = path.join(folder, 'elsewhere', 'handler.js');
    mkdirSync(path.dirname(elsewhere), { recursive: true });
    writeFileSync(elsewhere, readFileSync(packaged.bundle, 'utf8').replace('process.env.AWS_ENDPOINT_URL??', '"http://127.0.0.1:9"??'));
    const refused = await packageTrained(elsewhere, {}, (message) => warnings.push(message));

    // Assess
    expect(packaged.made).toBe('train');
    expect(refused.made).toBe('run');
    expect(refused.training).toBeUndefined();
    expect(warnings).toEqual([
      expect.stringMatching(
        /its training invocation opened a connection \(127\.0\.0\.1:9\) while the code cache was made; .*holds what the top level compiled only$/,
      ),
    ]);
    expect(coldCall(refused.loader)).toEqual({ stderr: '', status: 0 });
  });

  it('falls back to the top-level cache when the training invocation ends the process before any cache is written', async () => {
    // Prepare
    writeFileSync(output, (await bundleLikeFunctions('export const handler = async () => { process.exit(0); };', [])).code);
    const warnings: string[] = [];

    // Act
    const packaged = await packageTrained(output, {}, (message) => warnings.push(message));

    // Assess
    expect(packaged.made).toBe('run');
    expect(packaged.cacheBytes).toBeGreaterThan(0);
    expect(warnings).toEqual([
      expect.stringMatching(/the child that makes its code cache exited before writing one; its code cache holds what the top level compiled only$/),
    ]);
  });

  it('lets a training invocation write nothing: the write is refused, the invocation fails, and the cache is still made', async () => {
    // Prepare
    const marker = path.join(folder, 'written-by-training');
    writeFileSync(
      output,
      (
        await bundleLikeFunctions(
          `import { writeFile } from 'node:fs/promises';\nexport const handler = async (event: { n: number }) => { await writeFile(${JSON.stringify(marker)}, 'x'); return { doubled: event.n * 2 }; };`,
          [],
        )
      ).code,
    );

    // Act
    const packaged = await packageTrained(output);

    // Assess
    expect(existsSync(marker)).toBe(false);
    expect(packaged.made).toBe('train');
    expect(packaged.training).toEqual({ outcome: 'failed', requests: [] });
  });

  it("gives the training invocation the training's settings and none of the packaging shell's", async () => {
    // Prepare
    process.env.EKS_PILOT_TEST_SHELL_ONLY = 'from the shell';
    writeFileSync(
      output,
      (
        await bundleLikeFunctions(
          `export const handler = async () => { if (process.env.EKS_PILOT_TEST_SHELL_ONLY !== undefined || process.env.EKS_PILOT_SPECS !== '/specs') throw new Error('settings'); return {}; };`,
          [],
        )
      ).code,
    );

    // Act
    const packaged = await packageTrained(output, { EKS_PILOT_SPECS: '/specs' }).finally(() => {
      delete process.env.EKS_PILOT_TEST_SHELL_ONLY;
    });

    // Assess
    expect(packaged.training).toEqual({ outcome: 'answered', requests: [] });
  });
});

describe('trainingOf', () => {
  it('gives every function of serverless.yml a training run whose event exists and is one the function accepts as its own', () => {
    // Prepare
    const handlers = [...readFileSync(path.join(ROOT, 'serverless.yml'), 'utf8').matchAll(/^\s+handler: (\S+)\.handler$/gm)].map(
      (match) => `${String(match[1])}.ts`,
    );

    // Act
    const trainings = handlers.map((entry) => trainingOf(entry, ROOT, ['/specs']));

    // Assess
    expect(handlers).toHaveLength(Object.keys(TRAINING).length);
    for (const training of trainings) {
      expect(training).toBeDefined();
      expect(existsSync(training?.event ?? '')).toBe(true);
    }
  });

  it('answers absolute paths over the packaged specs, and nothing for an entry without a training run', () => {
    expect(trainingOf('functions/provision/handler.ts', ROOT, ['/srv/specs', '/srv/more/cluster.yaml'])).toEqual({
      event: path.join(ROOT, 'events', 'provision', 'schedule.json'),
      env: { EKS_PILOT_SPECS: '/srv/specs,/srv/more/cluster.yaml' },
    });
    expect(trainingOf('functions/unknown/handler.ts', ROOT, [])).toBeUndefined();
  });
});
