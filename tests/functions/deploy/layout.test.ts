import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

const DEPLOY = path.join(__dirname, '../../../functions/deploy');

/** The deploy files each file of `folder` imports, as `folder/file` (relative imports only). */
function importsOf(folder: string): { file: string; imports: string[] }[] {
  return readdirSync(path.join(DEPLOY, folder))
    .filter((name) => name.endsWith('.ts'))
    .map((name) => {
      const text = readFileSync(path.join(DEPLOY, folder, name), 'utf8');
      const specifiers = [...text.matchAll(/(?:from|import\()\s*'(\.{1,2}\/[^']+)'/g)].map((match) => match[1] ?? '');
      const imports = specifiers
        .map((specifier) => path.relative(DEPLOY, path.resolve(DEPLOY, folder, specifier)))
        .filter((target) => !target.startsWith('..'));
      return { file: `${folder}/${name}`, imports };
    });
}

describe('the deploy function folders', () => {
  it.each([
    ['model', ['webhook/', 'worker/']],
    ['webhook', ['worker/']],
    ['worker', ['webhook/']],
  ])('keeps %s free of imports from %j', (folder, forbidden) => {
    // Prepare
    const files = importsOf(folder);

    // Act
    const crossing = files.flatMap(({ file, imports }) =>
      imports.filter((target) => forbidden.some((prefix) => target.startsWith(prefix))).map((target) => `${file} -> ${target}`),
    );

    // Assess
    expect(files.length).toBeGreaterThan(0);
    expect(crossing).toEqual([]);
  });

  it('holds only the three folders: every file lives in webhook/, worker/ or model/', () => {
    // Prepare
    const entries = readdirSync(DEPLOY, { withFileTypes: true });

    // Act
    const names = entries.map((entry) => `${entry.name}${entry.isDirectory() ? '/' : ''}`).sort();

    // Assess
    expect(names).toEqual(['model/', 'webhook/', 'worker/']);
  });

  it('walks from the SQS handler down to the first apply inside worker/', () => {
    // Prepare
    const worker = new Map(importsOf('worker').map(({ file, imports }) => [file, imports]));

    // Act
    const walk = [
      ['worker/handler.ts', 'worker/invoke'],
      ['worker/invoke.ts', 'worker/run'],
      ['worker/run.ts', 'worker/apply'],
    ].map(([file, next]) => worker.get(file ?? '')?.includes(next ?? '') ?? false);

    // Assess
    expect(walk).toEqual([true, true, true]);
  });
});
