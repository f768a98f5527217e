/**
 * Specs shipped pre-validated: the packaging step's table (scripts/prevalidate-specs.ts), the
 * bundle's parsers that answer from it (shared/model/cluster-spec/prevalidated.ts), and the esbuild
 * plugin that swaps them for the spec validator (scripts/esbuild/prevalidated-specs.cjs). The
 * packaged zips themselves run against moto in tests/e2e.
 */
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { prevalidateSpecs } from '../../scripts/prevalidate-specs';
import { prevalidatedSpecsPlugin, servicesSpecPaths } from '../../scripts/esbuild/prevalidated-specs.cjs';
import { PREVALIDATED_FORMAT, prevalidatedParsers, specDigest } from '../../shared/model/cluster-spec/prevalidated';
import { loadSpecs, parseSpecFile } from '../../shared/model/cluster-spec/load';
import { SpecError } from '../../shared/errors';
import { bundleLikeFunctions, evaluateBundle } from '../../testing/function-bundle';

const ROOT = path.resolve(__dirname, '..', '..');
const KIANAX = path.join(ROOT, 'examples', 'kianax');
const KIANAX_SPEC = path.join(KIANAX, 'cluster.yaml');

const BROKEN = `apiVersion: eks-pilot.io/v1alpha1
kind: Cluster
name: broken
region: eu-west-1
version: 1.30
`;

describe('prevalidateSpecs and prevalidatedParsers', () => {
  let folder: string;

  beforeEach(() => {
    folder = mkdtempSync(path.join(os.tmpdir(), 'eks-pilot-prevalidated-'));
  });

  afterEach(() => {
    rmSync(folder, { recursive: true, force: true });
  });

  it('answers a packaged spec exactly as the full validation does', async () => {
    // Prepare
    const { table, files } = await prevalidateSpecs([KIANAX]);
    const bytes = readFileSync(KIANAX_SPEC);

    // Act
    const answered = prevalidatedParsers(table).parseSpecFile(bytes, 'specs/cluster.yaml');

    // Assess
    expect(files).toEqual([KIANAX_SPEC]);
    expect(Object.keys(table.results)).toEqual([specDigest(bytes)]);
    expect(answered).toEqual(parseSpecFile(bytes, 'specs/cluster.yaml'));
    expect(answered.ok).toBe(true);
  });

  it('gives each load its own copy of the spec', async () => {
    // Prepare
    const { table } = await prevalidateSpecs([KIANAX]);
    const parsers = prevalidatedParsers(table);
    const bytes = readFileSync(KIANAX_SPEC);

    // Act
    const first = parsers.parseSpecFile(bytes, 'a.yaml');
    const second = parsers.parseSpecFile(bytes, 'a.yaml');

    // Assess
    expect(first.ok && second.ok && first.spec !== second.spec).toBe(true);
  });

  it('answers a spec that failed validation with its issues, at the file the function names', async () => {
    // Prepare
    const file = path.join(folder, 'broken.yaml');
    writeFileSync(file, BROKEN);
    const { table } = await prevalidateSpecs([folder]);

    // Act
    const answered = prevalidatedParsers(table).parseSpec(BROKEN, 'specs/broken.yaml');

    // Assess
    expect(answered).toEqual(parseSpecFile(Buffer.from(BROKEN), 'specs/broken.yaml'));
    const issues = answered.ok ? [] : answered.issues;
    expect(issues.every((issue) => issue.file === 'specs/broken.yaml')).toBe(true);
    expect(issues.map((issue) => `${issue.line}:${issue.column} ${issue.path}`)).toContain('5:10 version');
  });

  it('refuses a file whose bytes were not validated when the function was packaged', async () => {
    // Prepare
    const { table } = await prevalidateSpecs([KIANAX]);
    const changed = Buffer.concat([readFileSync(KIANAX_SPEC), Buffer.from('# edited after packaging\n')]);

    // Act
    const answered = prevalidatedParsers(table).parseSpecFile(changed, 'specs/cluster.yaml');

    // Assess
    expect(answered).toEqual({
      ok: false,
      issues: [
        {
          file: 'specs/cluster.yaml',
          line: 0,
          column: 0,
          path: '',
          message: `this file was not validated when the function was packaged (sha256 ${specDigest(changed).slice(0, 12)}: it matches none of the 1 packaged with this function); package the function again with it`,
        },
      ],
    });
  });

  it('says so when no spec was packaged at all', () => {
    // Prepare
    const parsers = prevalidatedParsers({ format: PREVALIDATED_FORMAT, results: {} });

    // Act
    const answered = parsers.parseSpec('name: x\n', 'specs/x.yaml');

    // Assess
    expect(answered.ok ? '' : answered.issues[0]?.message).toMatch(/\(sha256 [0-9a-f]{12}: no spec was packaged with this function\)/);
  });

  it('refuses a table of another format', () => {
    // Act
    const act = () => prevalidatedParsers({ format: PREVALIDATED_FORMAT + 1, results: {} });

    // Assess
    expect(act).toThrow(`the packaged specs are in format ${String(PREVALIDATED_FORMAT + 1)}; this bundle reads format ${String(PREVALIDATED_FORMAT)}`);
  });

  it('adds nothing for a path that names nothing', async () => {
    // Act
    const { table, files } = await prevalidateSpecs([path.join(folder, 'missing')]);

    // Assess
    expect(files).toEqual([]);
    expect(table.results).toEqual({});
  });
});

describe('servicesSpecPaths', () => {
  it('reads EKS_PILOT_SPECS as the handlers split it, relative to the service folder', () => {
    // Act
    const paths = servicesSpecPaths({
      service: { provider: { environment: { EKS_PILOT_SPECS: ' specs , more/one.yaml,' } } },
      config: { serviceDir: '/srv/app' },
    });

    // Assess
    expect(paths).toEqual(['/srv/app/specs', '/srv/app/more/one.yaml']);
  });
});

describe('prevalidatedSpecsPlugin', () => {
  // Each build validates the specs in a child Node (tsx), as `serverless package` does: seconds on a busy machine.
  jest.setTimeout(60_000);
  let folder: string;

  beforeEach(() => {
    folder = mkdtempSync(path.join(os.tmpdir(), 'eks-pilot-prevalidated-bundle-'));
    copyFileSync(KIANAX_SPEC, path.join(folder, 'kianax.yaml'));
  });

  afterEach(() => {
    rmSync(folder, { recursive: true, force: true });
  });

  /** Bundles the spec loader as the functions are bundled, with the specs of `folder` pre-validated. */
  async function bundleLoader(): Promise<{ code: string; inputs: string[] }> {
    const { code, inputs } = await bundleLikeFunctions("export { loadSpecs } from './shared/model/cluster-spec/load';", [
      prevalidatedSpecsPlugin({ specPaths: () => [folder] }),
    ]);
    return { code, inputs: inputs.map((input) => input.path) };
  }

  it('leaves the spec schema, its validator and zod out of the bundle', async () => {
    // Act
    const { inputs } = await bundleLoader();

    // Assess
    expect(inputs.filter((input) => /cluster-spec\/(schema|validate|workloads|scaling)\.ts$|node_modules\/zod\//.test(input))).toEqual([]);
    expect(inputs).toContain('shared/model/cluster-spec/prevalidated.ts');
  });

  it('loads the packaged specs as the full validation does', async () => {
    // Prepare
    const bundled = evaluateBundle((await bundleLoader()).code) as { loadSpecs: typeof loadSpecs };

    // Act
    const loaded = await bundled.loadSpecs([folder]);

    // Assess
    expect(loaded).toEqual(await loadSpecs([folder]));
  });

  it('refuses a spec edited after packaging, naming the file', async () => {
    // Prepare
    const bundled = evaluateBundle((await bundleLoader()).code) as { loadSpecs: typeof loadSpecs };
    const file = path.join(folder, 'kianax.yaml');
    writeFileSync(file, `${readFileSync(file, 'utf8')}\n# edited\n`);

    // Act
    const loading = bundled.loadSpecs([folder]);

    // Assess
    await expect(loading).rejects.toThrow(`${file}: this file was not validated when the function was packaged`);
    await expect(loading).rejects.toBeInstanceOf(Error);
  });
});

describe('SpecError from a refused file', () => {
  it('reads as file: message, with no line', () => {
    // Act
    const error = new SpecError([
      { file: 'specs/a.yaml', line: 0, column: 0, path: '', message: 'this file was not validated when the function was packaged' },
    ]);

    // Assess
    expect(error.message).toBe('specs/a.yaml: this file was not validated when the function was packaged');
  });
});
