/**
 * What the function bundles hold and run at start, built as `serverless package` builds them
 * (serverless.yml's esbuild options and plugins, bench/serverless-config.ts). Each is all ASCII,
 * which the packaged loader reads without decoding UTF-8 (scripts/esbuild/code-cache-loader.cjs
 * `sourceOf`). deploy's two hold the tag engines (re2js, semver) but reach them only through a
 * `require` call, which esbuild leaves to run on first use (shared/on-first-use.ts); safe-regex2
 * and its parser (ret), which only the spec's load-time checks use, are in neither.
 */
import path from 'node:path';
import { build } from 'esbuild';
import type { Metafile } from 'esbuild';
import { readServerlessConfig } from '../../bench/serverless-config';

const ROOT = path.resolve(__dirname, '../..');
const DEPLOY = ['deploy-webhook', 'deploy-worker'];
const FUNCTIONS = readServerlessConfig().functions.map((fn) => fn.name);

/** Each import of `name` in the bundle's inputs, as `<importing file> <kind>`. */
function importsOf(metafile: Metafile, name: string): string[] {
  return Object.entries(metafile.inputs).flatMap(([file, input]) =>
    input.imports.filter((entry) => entry.original === name).map((entry) => `${file} ${entry.kind}`),
  );
}

const metafiles = new Map<string, Metafile>();
const codes = new Map<string, Uint8Array>();

beforeAll(async () => {
  const config = readServerlessConfig();
  for (const name of FUNCTIONS) {
    const fn = config.functions.find((candidate) => candidate.name === name);
    if (fn === undefined) throw new Error(`serverless.yml has no function ${name}`);
    const result = await build({
      ...config.esbuild,
      plugins: config.pluginsFor([path.join(ROOT, 'tests/fixtures/ghcr-oms')]),
      entryPoints: [path.join(ROOT, fn.entry)],
      outdir: path.join(ROOT, '.esbuild', 'deploy-bundles-test', name),
      write: false,
      metafile: true,
      absWorkingDir: ROOT,
      logLevel: 'silent',
    });
    metafiles.set(name, result.metafile);
    const code = result.outputFiles.find((file) => file.path.endsWith('.js'));
    if (code !== undefined) codes.set(name, code.contents);
  }
}, 120_000);

it('builds every function of serverless.yml', () => {
  expect([...codes.keys()]).toEqual(FUNCTIONS);
  expect(FUNCTIONS).toEqual(expect.arrayContaining(['provision', 'eip-manager', ...DEPLOY, 'scale-watch']));
});

it.each(FUNCTIONS)('%s is all ASCII', (name) => {
  // Arrange
  const code = codes.get(name) ?? new Uint8Array([0xff]);

  // Act
  const first = code.findIndex((byte) => byte > 0x7f);

  // Assess
  expect({ name, first }).toEqual({ name, first: -1 });
});

it.each(DEPLOY)('%s reaches re2js and semver only through a require on first use', (name) => {
  // Arrange
  const metafile = metafiles.get(name);
  if (metafile === undefined) throw new Error(`${name} was not built`);

  // Act
  const engines = ['re2js', 'semver'].map((engine) => importsOf(metafile, engine));

  // Assess
  expect(engines).toEqual([['shared/model/cluster-spec/tag-match.ts require-call'], ['functions/deploy/model/policy.ts require-call']]);
  expect(Object.keys(metafile.inputs).some((input) => input.includes('node_modules/re2js/'))).toBe(true);
});

it.each(DEPLOY)('%s carries neither safe-regex2 nor ret', (name) => {
  // Arrange
  const metafile = metafiles.get(name);
  if (metafile === undefined) throw new Error(`${name} was not built`);

  // Act
  const inputs = Object.keys(metafile.inputs).filter((input) => /node_modules\/(safe-regex2|ret)\//.test(input));

  // Assess
  expect(inputs).toEqual([]);
});
