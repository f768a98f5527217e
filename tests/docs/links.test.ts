import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Page } from './markdown';
import { anchors, docPages, links, ROOT, shellBlocks, slug } from './markdown';

const pages = docPages();

/** Every problem with a page's relative links: a file that does not exist, or an anchor no heading has. */
function deadLinks(page: Page, root: string = ROOT): string[] {
  const here = path.dirname(path.join(root, page.file));
  return links(page.text).flatMap(({ line, target }) => {
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) return []; // https:, mailto: and the like
    const [file = '', anchor] = target.split('#', 2);
    const resolved = file === '' ? path.join(root, page.file) : path.resolve(here, decodeURIComponent(file));
    const where = `${page.file}:${String(line)} ${target}`;
    if (!existsSync(resolved)) return [`${where}: ${path.relative(root, resolved)} does not exist`];
    if (anchor === undefined || anchor === '') return [];
    if (!resolved.endsWith('.md')) return [`${where}: an anchor into a file that is not Markdown`];
    return anchors(file === '' ? page.text : readFileSync(resolved, 'utf8')).has(anchor)
      ? []
      : [`${where}: ${path.relative(root, resolved)} has no heading #${anchor}`];
  });
}

/** The folders of the repository a reader would look for, ignored ones (.gitignore) and dot-folders aside. */
function foldersOf(dir: string): string[] {
  const ignored = readFileSync(path.join(ROOT, '.gitignore'), 'utf8')
    .split('\n')
    .map((line) => line.trim().replace(/\/$/, ''))
    .filter((line) => line !== '' && !line.startsWith('#'));
  return readdirSync(path.join(ROOT, dir))
    .filter((name) => !name.startsWith('.') && statSync(path.join(ROOT, dir, name)).isDirectory())
    .filter((name) => !ignored.includes(name) && !ignored.includes(path.join(dir, name)))
    .sort();
}

describe('the docs', () => {
  it('are README.md, every page under docs/ and CONTRIBUTING.md, in the order the README check runs them', () => {
    // Act
    const files = pages.map((page) => page.file);

    // Assess
    expect(files[0]).toBe('README.md');
    expect(files.at(-1)).toBe('CONTRIBUTING.md');
    expect(files).toEqual(
      expect.arrayContaining([
        'docs/provision.md',
        'docs/deploy.md',
        'docs/scale-watch.md',
        'docs/eip-manager.md',
        'docs/cli.md',
        'docs/performance.md',
        'docs/spec-reference.md',
      ]),
    );
  });

  it('mark every shell block as run, background or skip (with a reason)', () => {
    // Act
    const unmarked = pages.flatMap((page) =>
      shellBlocks(page.text)
        .filter((block) => block.mode === undefined)
        .map((block) => `${page.file}:${String(block.line)}`),
    );

    // Assess
    expect(unmarked).toEqual([]);
  });

  it('link only to files that exist and to headings those files have', () => {
    // Act
    const dead = pages.flatMap((page) => deadLinks(page));

    // Assess
    expect(dead).toEqual([]);
  });

  it('keep the README under 250 lines', () => {
    // Act
    const lines = (pages[0]?.text ?? '').trimEnd().split('\n').length;

    // Assess
    expect(lines).toBeLessThan(250);
  });

  it('have a README map that names every top-level folder, every folder of shared/ and every function', () => {
    // Prepare
    const readme = pages[0]?.text ?? '';
    const named = [
      ...foldersOf('.').map((name) => `\`${name}/`),
      ...foldersOf('shared').map((name) => `\`shared/${name}/\``),
      ...foldersOf('functions').map((name) => `\`${name}\``),
    ];

    // Act
    const missing = named.filter((name) => !readme.includes(name));

    // Assess
    expect(missing).toEqual([]);
  });
});

describe('the link check', () => {
  it.each([
    ['a missing file', '[x](docs/nowhere.md)', 'README.md:1 docs/nowhere.md: docs/nowhere.md does not exist'],
    [
      'a missing heading in another page',
      'see [exit codes](docs/cli.md#no-such-heading)',
      'README.md:1 docs/cli.md#no-such-heading: docs/cli.md has no heading #no-such-heading',
    ],
    ['a missing heading in the page itself', '# Title\n\n[up](#titel)', 'README.md:3 #titel: README.md has no heading #titel'],
  ])('reports %s', (_case, text, problem) => {
    // Act
    const dead = deadLinks({ file: 'README.md', text });

    // Assess
    expect(dead).toEqual([problem]);
  });

  it('accepts existing files, folders, headings of the page and of others, and absolute URLs', () => {
    // Prepare
    const text =
      '# Title\n\n[a](docs/cli.md) [b](shared/) [c](#title) [d](docs/cli.md#exit-codes) [e](https://example.com/x.md#y)\n```sh\n[f](not/checked.md)\n```\n`[g](nor/this.md)`';

    // Act
    const dead = deadLinks({ file: 'README.md', text });

    // Assess
    expect(dead).toEqual([]);
  });

  it.each([
    ['# Run it locally (no AWS account, or an emulator)', 'run-it-locally-no-aws-account-or-an-emulator'],
    ['## `elasticIpPools[].attachTo`', 'elasticippoolsattachto'],
    ['## deploy: GHCR pushes to rollouts', 'deploy-ghcr-pushes-to-rollouts'],
    ['### The `EKS_PILOT_SPECS` variable', 'the-eks_pilot_specs-variable'],
    ['## See [the CLI](cli.md)', 'see-the-cli'],
  ])('gives the heading %s the anchor GitHub gives it', (heading, anchor) => {
    // Act
    const found = anchors(`${heading}\n`);

    // Assess
    expect([...found]).toEqual([anchor]);
    expect(slug(heading.replace(/^#+\s+/, ''))).toBe(anchor);
  });

  it('numbers a repeated heading as GitHub does and ignores headings inside code blocks', () => {
    // Act
    const found = anchors('## Triggers\n## Triggers\n```yaml\n# not a heading\n```\n');

    // Assess
    expect([...found]).toEqual(['triggers', 'triggers-1']);
  });
});
