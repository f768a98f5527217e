/**
 * Moves TypeScript modules and rewrites every relative import that points at them (and every
 * relative import inside them), so a layout change is one reviewed mapping instead of hundreds of
 * hand-edited lines. Each specifier is resolved from the importer's old place to a file, mapped,
 * and recomputed from the importer's new place; the specifier's style (extension or not, folder
 * import of index.ts) is kept. Files move with `git mv`.
 *
 * Usage: node scripts/move-modules.mjs mapping.json   (JSON: { "old/path.ts": "new/path.ts", "old/dir/": "new/dir/" })
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const root = process.cwd();
const mapping = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const tracked = execFileSync('git', ['ls-files'], { encoding: 'utf8' }).split('\n').filter(Boolean);
const sources = tracked.filter((file) => /\.(ts|cjs|mjs|js)$/.test(file) && existsSync(file));

/** The new repository-relative path of `file`, or `file` when it does not move. */
function moved(file) {
  if (mapping[file] !== undefined) return mapping[file];
  for (const [from, to] of Object.entries(mapping)) if (from.endsWith('/') && file.startsWith(from)) return to + file.slice(from.length);
  return file;
}

const known = new Set(tracked);
/** The tracked file an import resolves to, and whether it went through a folder's index. */
function resolve(fromFile, spec) {
  const base = path.relative(root, path.resolve(path.dirname(fromFile), spec));
  for (const ext of ['', '.ts', '.cjs', '.mjs', '.js', '.json']) if (known.has(base + ext)) return { file: base + ext, ext, index: false };
  for (const ext of ['.ts', '.js']) if (known.has(`${base}/index${ext}`)) return { file: `${base}/index${ext}`, ext, index: true };
  return undefined;
}

function relative(fromFile, toFile) {
  let rel = path.relative(path.dirname(fromFile), toFile).split(path.sep).join('/');
  if (!rel.startsWith('.')) rel = `./${rel}`;
  return rel;
}

const pattern = /((?:\bfrom|\bimport|\brequire|\bjest\.(?:mock|requireActual|doMock|unmock))\s*\(?\s*)(['"])(\.{1,2}\/[^'"\n]*)\2/g;
let changed = 0;
for (const file of sources) {
  const text = readFileSync(file, 'utf8');
  const target = moved(file);
  const next = text.replace(pattern, (whole, lead, quote, spec) => {
    const hit = resolve(file, spec);
    if (hit === undefined) return whole;
    const newFile = moved(hit.file);
    if (newFile === hit.file && target === file) return whole;
    let out;
    if (hit.index) out = relative(target, path.posix.dirname(newFile));
    else out = relative(target, hit.ext === '' ? newFile : newFile.slice(0, newFile.length - hit.ext.length));
    return `${lead}${quote}${out}${quote}`;
  });
  if (next !== text) {
    writeFileSync(file, next);
    changed += 1;
  }
}
for (const file of tracked) {
  const target = moved(file);
  if (target === file) continue;
  execFileSync('mkdir', ['-p', path.dirname(target)]);
  execFileSync('git', ['mv', file, target]);
}
console.log(`rewrote imports in ${changed} files; moved ${tracked.filter((f) => moved(f) !== f).length} files`);
