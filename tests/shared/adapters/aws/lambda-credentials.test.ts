/**
 * The environment-only credential chain the Lambda bundles carry (shared/adapters/aws/lambda-credentials.ts),
 * and the build-time swap that puts it there (scripts/esbuild/lambda-credentials.cjs). The packaged
 * functions themselves run against moto in tests/e2e with credentials in the environment.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Plugin } from 'esbuild';
import { defaultProvider, FULL_CHAIN_MODULE } from '../../../../shared/adapters/aws/lambda-credentials';
import { LAMBDA_CHAIN, lambdaCredentialsPlugin } from '../../../../scripts/esbuild/lambda-credentials.cjs';
import { bundleLikeFunctions, evaluateBundle } from '../../../../testing/function-bundle';

const ROOT = path.resolve(__dirname, '..', '..', '..', '..');
const CREDENTIAL_VARIABLES = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_CREDENTIAL_EXPIRATION', 'AWS_PROFILE'];

/** Bundles `source` as the functions are bundled, with the given plugins; answers the code and the inputs with bytes in it. */
async function bundle(source: string, plugins: Plugin[]): Promise<{ code: string; inputs: string[] }> {
  const { code, inputs } = await bundleLikeFunctions(source, plugins);
  return { code, inputs: inputs.map((input) => input.path) };
}

describe('defaultProvider (Lambda bundles)', () => {
  const originalEnv = process.env;
  let home: string;

  beforeEach(() => {
    process.env = Object.fromEntries(Object.entries(originalEnv).filter(([name]) => !CREDENTIAL_VARIABLES.includes(name)));
    home = mkdtempSync(path.join(os.tmpdir(), 'eks-pilot-credentials-'));
    // No shared config of the machine's user may answer for the full chain.
    process.env.AWS_CONFIG_FILE = path.join(home, 'config');
    process.env.AWS_SHARED_CREDENTIALS_FILE = path.join(home, 'credentials');
    process.env.AWS_EC2_METADATA_DISABLED = 'true';
  });

  afterEach(() => {
    process.env = originalEnv;
    rmSync(home, { recursive: true, force: true });
  });

  it('answers the credentials Lambda puts in the environment', async () => {
    // Prepare
    process.env.AWS_ACCESS_KEY_ID = 'ASIAIOSFODNN7EXAMPLE';
    process.env.AWS_SECRET_ACCESS_KEY = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
    process.env.AWS_SESSION_TOKEN = 'IQoJb3JpZ2luX2VjEXAMPLE';

    // Act
    const credentials = await defaultProvider()();

    // Assess
    expect(credentials).toMatchObject({
      accessKeyId: 'ASIAIOSFODNN7EXAMPLE',
      secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
      sessionToken: 'IQoJb3JpZ2luX2VjEXAMPLE',
    });
  });

  it('falls back to the full chain from node_modules outside Lambda, e.g. a profile for invoke local', async () => {
    // Prepare
    writeFileSync(process.env.AWS_SHARED_CREDENTIALS_FILE ?? '', '[local]\naws_access_key_id = AKIAPROFILEEXAMPLE\naws_secret_access_key = profile-secret\n');
    process.env.AWS_PROFILE = 'local';

    // Act
    const credentials = await defaultProvider({}, FULL_CHAIN_MODULE)();

    // Assess
    expect(credentials).toMatchObject({ accessKeyId: 'AKIAPROFILEEXAMPLE', secretAccessKey: 'profile-secret' });
  });

  it('names the missing variables when neither the environment nor the full chain can answer', async () => {
    // Prepare: a packaged function has no node_modules to load the full chain from
    const provider = defaultProvider({}, '@aws-sdk/credential-provider-not-packaged');

    // Act
    const failure = provider();

    // Assess
    await expect(failure).rejects.toThrow(/no AWS credentials: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set/);
  });
});

describe('lambdaCredentialsPlugin', () => {
  // Each case bundles an SDK client twice: seconds on a busy machine.
  jest.setTimeout(60_000);

  const source =
    "import { SSMClient } from '@aws-sdk/client-ssm';\nexport const credentials = () => new SSMClient({ region: 'eu-west-1' }).config.credentials();\n";

  it('leaves the SDK full credential chain out of a client bundle and puts the environment chain in', async () => {
    // Act
    const shipped = await bundle(source, []);
    const lean = await bundle(source, [lambdaCredentialsPlugin()]);

    // Assess: the SSO and ini providers come with the full chain only
    expect(shipped.inputs.some((input) => input.includes('@aws-sdk/credential-provider-sso/'))).toBe(true);
    expect(lean.inputs.some((input) => input.includes('@aws-sdk/credential-provider-sso/'))).toBe(false);
    expect(lean.inputs.some((input) => input.includes('@aws-sdk/credential-provider-ini/'))).toBe(false);
    expect(lean.inputs).toContain(path.relative(ROOT, LAMBDA_CHAIN));
    expect(lean.code.length).toBeLessThan(shipped.code.length - 50_000);
  });

  it('builds a client that signs with the credentials in the environment', async () => {
    // Prepare
    const originalEnv = process.env;
    process.env = { ...originalEnv, AWS_ACCESS_KEY_ID: 'ASIABUNDLEDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'bundled-secret' };
    const { code } = await bundle(source, [lambdaCredentialsPlugin()]);

    try {
      // Act
      const credentials = await (evaluateBundle(code).credentials as () => Promise<{ accessKeyId: string }>)();

      // Assess
      expect(credentials).toMatchObject({ accessKeyId: 'ASIABUNDLEDEXAMPLE', secretAccessKey: 'bundled-secret' });
    } finally {
      process.env = originalEnv;
    }
  });
});
