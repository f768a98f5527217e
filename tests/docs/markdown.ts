/**
 * What the docs checks read in the project's Markdown: the pages, their ```sh blocks with the
 * `readme-check` marker above each, their links, and the anchors GitHub gives their headings.
 * Used by tests/docs/links.test.ts (every `npm test`) and tests/e2e/readme.e2e.ts (which runs the
 * blocks).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** The repository root. */
export const ROOT = path.join(__dirname, '../..');

/** How a ```sh block is checked: run, run in the background until it prints a text, or skipped with a reason. */
export type Mode = { kind: 'run' } | { kind: 'background'; ready: string } | { kind: 'skip'; reason: string };

/** A ```sh block: its 1-based line, its marker (undefined when it has none) and its commands, continuations joined. */
export interface Block {
  line: number;
  mode: Mode | undefined;
  commands: string[];
}

/** A Markdown page of the project, by its path from the root (`docs/cli.md`), with its text. */
export interface Page {
  file: string;
  text: string;
}

/** A link as written in a page: its 1-based line and its target (`cli.md#exit-codes`). */
export interface Link {
  line: number;
  target: string;
}

const MARKER = /^\s*<!--\s*readme-check:\s*(run|background\s+"([^"]+)"|skip\s+(.+?))\s*-->\s*$/;
const FENCE = /^\s*(```|~~~)/;

/**
 * The pages whose shell blocks are checked, in the order the session runs them: README.md, then
 * docs/*.md alphabetically, then CONTRIBUTING.md.
 *
 * @example
 * docPages().map((page) => page.file); // ['README.md', 'docs/cli.md', ..., 'CONTRIBUTING.md']
 */
export function docPages(root: string = ROOT): Page[] {
  const docs = readdirSync(path.join(root, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .sort()
    .map((name) => `docs/${name}`);
  return ['README.md', ...docs, 'CONTRIBUTING.md']
    .filter((file) => existsSync(path.join(root, file)))
    .map((file) => ({ file, text: readFileSync(path.join(root, file), 'utf8') }));
}

/**
 * The ```sh blocks of a Markdown text, with the marker above each (blank lines between allowed) and
 * its commands: comment lines dropped, lines ending in `\` joined with the next.
 *
 * @example
 * shellBlocks('<!-- readme-check: run -->\n```sh\nnpm start\n```\n'); // [{ line: 2, mode: { kind: 'run' }, commands: ['npm start'] }]
 */
export function shellBlocks(markdown: string): Block[] {
  const lines = markdown.split('\n');
  const blocks: Block[] = [];
  for (let index = 0; index < lines.length; index += 1) {
    if (!/^\s*```sh\s*$/.test(lines[index] ?? '')) continue;
    let above = index - 1;
    while (above >= 0 && (lines[above] ?? '').trim() === '') above -= 1;
    const marker = MARKER.exec(lines[above] ?? '');
    const mode: Mode | undefined =
      marker === null
        ? undefined
        : marker[1] === 'run'
          ? { kind: 'run' }
          : marker[2] !== undefined
            ? { kind: 'background', ready: marker[2] }
            : { kind: 'skip', reason: marker[3] ?? '' };
    const body: string[] = [];
    let end = index + 1;
    while (end < lines.length && !/^\s*```\s*$/.test(lines[end] ?? '')) {
      body.push((lines[end] ?? '').trim());
      end += 1;
    }
    const commands: string[] = [];
    let pending = '';
    for (const text of body) {
      if (text === '' || text.startsWith('#')) continue;
      pending += text.endsWith('\\') ? `${text.slice(0, -1)} ` : text;
      if (!text.endsWith('\\')) {
        commands.push(pending);
        pending = '';
      }
    }
    blocks.push({ line: index + 1, mode, commands });
    index = end;
  }
  return blocks;
}

/** The lines of a Markdown text outside fenced code blocks, each with its 1-based number. */
function proseLines(markdown: string): { line: number; text: string }[] {
  const prose: { line: number; text: string }[] = [];
  let fence: string | undefined;
  markdown.split('\n').forEach((text, index) => {
    const opening = FENCE.exec(text);
    if (opening !== null) {
      const mark = opening[1] ?? '';
      if (fence === undefined) fence = mark;
      else if (mark === fence) fence = undefined;
      return;
    }
    if (fence === undefined) prose.push({ line: index + 1, text });
  });
  return prose;
}

/**
 * The inline links of a Markdown text (`[text](target)` and `![alt](target)`), outside code blocks
 * and inline code.
 *
 * @example
 * links('See [the CLI](docs/cli.md#exit-codes), not `[x](y)`.'); // [{ line: 1, target: 'docs/cli.md#exit-codes' }]
 */
export function links(markdown: string): Link[] {
  return proseLines(markdown).flatMap(({ line, text }) =>
    [...text.replace(/`[^`]*`/g, '').matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((match) => ({ line, target: match[1] ?? '' })),
  );
}

/**
 * The anchor GitHub gives a heading: its rendered text lower-cased, punctuation dropped (letters,
 * digits, `-`, `_` and spaces stay), each space a `-` (github-slugger, which github.com uses).
 *
 * @example
 * slug('`elasticIpPools[].attachTo`'); // 'elasticippoolsattachto'
 * slug('Run it locally (no AWS account, or an emulator)'); // 'run-it-locally-no-aws-account-or-an-emulator'
 */
export function slug(heading: string): string {
  const rendered = heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/<[^>]+>/g, '')
    .replace(/[`*]/g, '');
  return rendered
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc}\- ]/gu, '')
    .replace(/ /g, '-');
}

/**
 * Every anchor of a Markdown text's ATX headings (`## ...`, outside code blocks); a repeated heading
 * gets `-1`, `-2`, ... as on GitHub.
 *
 * @example
 * anchors('# A\n## Triggers\n## Triggers\n'); // Set { 'a', 'triggers', 'triggers-1' }
 */
export function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const found = new Set<string>();
  for (const { text } of proseLines(markdown)) {
    const heading = /^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$/.exec(text);
    if (heading === null) continue;
    const base = slug(heading[1] ?? '');
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    found.add(count === 0 ? base : `${base}-${String(count)}`);
  }
  return found;
}
