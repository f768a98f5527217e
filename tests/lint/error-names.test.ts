/**
 * Every class in the product's code (functions/, shared/, cli/; each is an error) declares its own
 * `name`, equal to its identifier: the bundles are minified without keepNames (serverless.yml), so
 * an identifier is not a name at run time, and logs, CLI output and Lambda answers tell errors
 * apart by `name`. The scan reads the sources with TypeScript's parser; the last test shows a
 * bundle minified as the functions are losing the identifiers and keeping the declared names.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { bundleLikeFunctions, evaluateBundle } from '../../testing/function-bundle';

const ROOT = path.resolve(__dirname, '../..');

/** Each class that extends another in `dir`, with the string its `name` field holds (undefined when none). */
function classesIn(dir: string): { where: string; identifier: string; name: string | undefined }[] {
  const files = readdirSync(path.join(ROOT, dir), { recursive: true, encoding: 'utf8' }).filter((file) => file.endsWith('.ts'));
  return files.flatMap((file) => {
    const source = ts.createSourceFile(file, readFileSync(path.join(ROOT, dir, file), 'utf8'), ts.ScriptTarget.ES2022, true);
    const found: { where: string; identifier: string; name: string | undefined }[] = [];
    const visit = (node: ts.Node): void => {
      if (ts.isClassDeclaration(node) && node.name !== undefined && node.heritageClauses?.some((clause) => clause.token === ts.SyntaxKind.ExtendsKeyword)) {
        const field = node.members.find((member) => ts.isPropertyDeclaration(member) && ts.isIdentifier(member.name) && member.name.text === 'name');
        const initializer = field !== undefined && ts.isPropertyDeclaration(field) ? field.initializer : undefined;
        const { line } = source.getLineAndCharacterOfPosition(node.getStart());
        found.push({
          where: `${dir}/${file}:${line + 1}`,
          identifier: node.name.text,
          name: initializer !== undefined && ts.isStringLiteral(initializer) ? initializer.text : undefined,
        });
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
    return found;
  });
}

const CLASSES = ['functions', 'shared', 'cli'].flatMap(classesIn);

it('finds the error classes', () => {
  expect(CLASSES.map(({ identifier }) => identifier)).toEqual(
    expect.arrayContaining(['EksPilotError', 'SpecError', 'KubernetesConflictError', 'UsageError', 'StaleSocketError']),
  );
});

it.each(CLASSES.map((entry) => [entry.identifier, entry]))('%s declares its name', (_identifier, { where, identifier, name }) => {
  expect({ where, name }).toEqual({ where, name: identifier });
});

it('keeps the declared names in a bundle minified as the functions are, where the identifiers are lost', async () => {
  // Arrange
  const { code } = await bundleLikeFunctions(
    "import { InvalidEventError, SpecError } from './shared/errors';\nimport { KubernetesConflictError } from './shared/ports/kubernetes-errors';\n" +
      "export const errors = [new InvalidEventError('bad event'), new SpecError([]), new KubernetesConflictError('conflict', { context: { cluster: 'c', method: 'PATCH', path: '/', status: 409 } })];\n" +
      'export const identifiers = [InvalidEventError.name, SpecError.name, KubernetesConflictError.name];\n',
    [],
  );

  // Act
  const exported = evaluateBundle(code) as { errors: Error[]; identifiers: string[] };

  // Assess
  expect(exported.errors.map((error) => error.name)).toEqual(['InvalidEventError', 'SpecError', 'KubernetesConflictError']);
  // A stack's first line names the error too (Node formats it when it is first read).
  expect(exported.errors.map((error) => /^\w+/.exec(error.stack ?? '')?.[0])).toEqual(['InvalidEventError', 'SpecError', 'KubernetesConflictError']);
  expect(exported.identifiers).not.toContain('SpecError');
});
