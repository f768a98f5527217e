/**
 * The build-time trim of the AWS SDK's package.json files to the version the SDK reads
 * (scripts/esbuild/sdk-package-version.cjs). The packaged functions themselves run against moto in
 * tests/e2e.
 */
import { readFileSync } from 'node:fs';
import { sdkPackageVersionPlugin, versionOnly } from '../../scripts/esbuild/sdk-package-version.cjs';
import { bundleLikeFunctions, evaluateBundle } from '../../testing/function-bundle';

const BUILD_TIMEOUT_MS = 60_000;
const SQS = "import { SQSClient } from '@aws-sdk/client-sqs';\nexport const client = () => new SQSClient({ region: 'eu-west-1' });\n";

it('keeps the name and the version of an SDK package.json, and nothing else', () => {
  expect(versionOnly('{"name":"@aws-sdk/client-sqs","version":"3.940.0","scripts":{"build":"tsc"},"dependencies":{"tslib":"^2"}}')).toBe(
    '{"name":"@aws-sdk/client-sqs","version":"3.940.0"}',
  );
});

it('refuses a package.json without a version rather than ship a client with none', () => {
  expect(() => versionOnly('{"name":"@aws-sdk/client-sqs"}')).toThrow('an SDK package.json without a version: @aws-sdk/client-sqs');
});

it(
  "bundles a client with its package.json down to a few bytes, and the client's user agent names the same version",
  async () => {
    // Prepare
    const version = (JSON.parse(readFileSync(require.resolve('@aws-sdk/client-sqs/package.json'), 'utf8')) as { version: string }).version;
    const jsonBytes = (inputs: { path: string; bytes: number }[]): number =>
      inputs.filter((input) => input.path.endsWith('node_modules/@aws-sdk/client-sqs/package.json')).reduce((sum, input) => sum + input.bytes, 0);

    // Act
    const plain = await bundleLikeFunctions(SQS, []);
    const trimmed = await bundleLikeFunctions(SQS, [sdkPackageVersionPlugin()]);

    // Assess
    expect(jsonBytes(plain.inputs)).toBeGreaterThan(1_000);
    expect(jsonBytes(trimmed.inputs)).toBeLessThan(100);
    const client = (evaluateBundle(trimmed.code).client as () => { config: { defaultUserAgentProvider: () => Promise<[string, string?][]> } })();
    const agent = await client.config.defaultUserAgentProvider();
    expect(agent).toContainEqual(['api/SQS', version]);
  },
  BUILD_TIMEOUT_MS,
);
