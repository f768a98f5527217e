/**
 * The build-time rewrite that lets esbuild tree-shake the AWS SDK's generated schemas
 * (scripts/esbuild/sdk-schema-keys.cjs; aws/aws-sdk-js-v3#7607). The packaged functions themselves
 * run against moto in tests/e2e.
 */
import type { Plugin } from 'esbuild';

import { inlineSchemaTraitKeys, sdkSchemaKeysPlugin } from '../../scripts/esbuild/sdk-schema-keys.cjs';
import { bundleLikeFunctions, evaluateBundle } from '../../testing/function-bundle';

/** Bundling the EC2 client takes a few seconds on a busy machine; jest's 5 s default is not enough. */
const BUILD_TIMEOUT_MS = 60_000;

/** Bundles `source` as the functions are bundled (minified ES build of the SDK), with or without the plugin. */
async function bundle(source: string, plugins: Plugin[]): Promise<{ code: string; ec2Bytes: number }> {
  const { code, inputs } = await bundleLikeFunctions(source, plugins);
  const ec2Bytes = inputs.filter((input) => input.path.includes('node_modules/@aws-sdk/client-ec2/')).reduce((sum, input) => sum + input.bytes, 0);
  return { code, ec2Bytes };
}

describe('inlineSchemaTraitKeys', () => {
  it('writes a computed key over the string table as the literal it names', () => {
    // Prepare
    const source = 'const _xN = "xmlName";\nconst _B = "BlockDeviceMapping";\nexport var A$ = [3, n0, _A, 0, [_B], [[() => L, { [_xN]: _B }]]];\n';

    // Act
    const { contents, replaced } = inlineSchemaTraitKeys(source);

    // Assess
    expect(contents).toBe('const _xN = "xmlName";\nconst _B = "BlockDeviceMapping";\nexport var A$ = [3, n0, _A, 0, [_B], [[() => L, { "xmlName": _B }]]];\n');
    expect(replaced).toBe(1);
  });

  it('leaves a key computed when its name is not one plain string constant of the file', () => {
    // Prepare
    const source = 'const _a = "one";\nconst _a = "two";\nconst _e = "with \\"escape\\"";\nexport var A$ = { [_a]: 1, [_e]: 2, [_unknown]: 3 };\n';

    // Act
    const { contents, replaced } = inlineSchemaTraitKeys(source);

    // Assess
    expect(contents).toBe(source);
    expect(replaced).toBe(0);
  });
});

describe('sdkSchemaKeysPlugin', () => {
  it(
    'keeps one EC2 command from bringing all of EC2 schemas into the bundle',
    async () => {
      // Prepare
      const source =
        "import { DescribeAddressesCommand, EC2Client } from '@aws-sdk/client-ec2';\nexport const send = () => new EC2Client({}).send(new DescribeAddressesCommand({}));\n";

      // Act
      const { ec2Bytes } = await bundle(source, [sdkSchemaKeysPlugin()]);

      // Assess: 561 kB of @aws-sdk/client-ec2 without the rewrite (SDK 3.1169), 12 kB with it
      expect(ec2Bytes).toBeGreaterThan(0);
      expect(ec2Bytes).toBeLessThan(60_000);
    },
    BUILD_TIMEOUT_MS,
  );

  it(
    'builds the same schemas the SDK ships, key for key',
    async () => {
      // Prepare: schemas reached through thunks, as the SDK's serde walks them
      const source = [
        "import { AllocateAddressRequest$, AssociateAddressRequest$, DescribeAddressesResult$, DescribeInstancesResult$, errorTypeRegistries } from '@aws-sdk/client-ec2/dist-es/schemas/schemas_0.js';",
        'function walk(value: unknown, seen = new Set<unknown>()): unknown {',
        "  if (typeof value === 'function') return seen.has(value) ? '(seen)' : (seen.add(value), walk((value as () => unknown)(), seen));",
        '  if (Array.isArray(value)) return value.map((item) => walk(item, seen));',
        "  if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, walk(item, seen)]));",
        '  return value;',
        '}',
        'export const schemas = JSON.stringify(walk([AllocateAddressRequest$, AssociateAddressRequest$, DescribeAddressesResult$, DescribeInstancesResult$]));',
        'export const registries = errorTypeRegistries.length;',
      ].join('\n');

      // Act
      const shipped = evaluateBundle((await bundle(source, [])).code);
      const rewritten = evaluateBundle((await bundle(source, [sdkSchemaKeysPlugin()])).code);

      // Assess
      expect(rewritten.schemas).toBe(shipped.schemas);
      expect(String(rewritten.schemas)).toContain('"xmlName"');
      expect(rewritten.registries).toBe(shipped.registries);
    },
    BUILD_TIMEOUT_MS,
  );
});
