/**
 * The credential chain the Lambda bundles carry in place of `@aws-sdk/credential-provider-node`'s
 * (scripts/esbuild/lambda-credentials.cjs swaps the module at build time; the CLI and the tests run
 * from source and keep the SDK's full chain).
 *
 * Every SDK client's runtime config imports the full default chain statically (`dist-es/runtimeConfig.js`:
 * `credentialDefaultProvider ?? defaultProvider`), so passing `credentials` to a client saves no
 * byte: only replacing the module does. The full chain (SSO, ini profiles, process, web identity,
 * container and instance metadata, their nested SSO and OIDC clients) is about 85 kB of every
 * bundle, and Lambda uses none of it: the runtime hands the function's role credentials over in
 * `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and `AWS_SESSION_TOKEN` (AWS Lambda developer
 * guide, "Defined runtime environment variables").
 *
 * Outside Lambda a bundle may run without those variables, e.g. `serverless invoke local` with an
 * AWS profile: then the full chain is loaded from the checkout's node_modules at run time, and a
 * packaged function that has neither says so.
 */
import { fromEnv } from '@aws-sdk/credential-providers';

type AwsCredentialIdentityProvider = ReturnType<typeof fromEnv>;
type AwsCredentialIdentity = Awaited<ReturnType<AwsCredentialIdentityProvider>>;

/** The module this one stands in for, loaded from node_modules (never bundled) when the environment holds no credentials. */
export const FULL_CHAIN_MODULE = '@aws-sdk/credential-provider-node';

/** What a client passes to its `credentialDefaultProvider` (its own resolved config); only the logger is read here. */
export interface LambdaProviderInit {
  logger?: { debug?: (...content: unknown[]) => void };
}

type FullChain = (init?: object) => AwsCredentialIdentityProvider;

/** Loads the SDK's full default chain by a name esbuild cannot follow, so it stays out of the bundle. */
async function loadFullChain(name: string): Promise<FullChain> {
  const loaded = (await import(name)) as { defaultProvider?: FullChain; default?: { defaultProvider?: FullChain } };
  const provider = loaded.defaultProvider ?? loaded.default?.defaultProvider;
  if (provider === undefined) throw new Error(`${name} exports no defaultProvider`);
  return provider;
}

/**
 * The Lambda bundles' `defaultProvider`: the credentials in the environment, as Lambda sets them;
 * without them, the SDK's full chain from node_modules (`fullChainModule`, for `invoke local`).
 *
 * @example
 * // What the SDK does with it, when a client is built without `credentials`:
 * const provider = defaultProvider({});
 * const { accessKeyId } = await provider(); // process.env.AWS_ACCESS_KEY_ID
 */
export function defaultProvider(init: LambdaProviderInit = {}, fullChainModule: string = FULL_CHAIN_MODULE): AwsCredentialIdentityProvider {
  const fromEnvironment = fromEnv(init.logger === undefined ? {} : { logger: init.logger as never });
  let fullChain: Promise<AwsCredentialIdentityProvider> | undefined;
  return async (): Promise<AwsCredentialIdentity> => {
    try {
      return await fromEnvironment();
    } catch (envError) {
      fullChain ??= loadFullChain(fullChainModule).then(
        (chain) => chain(init),
        (cause: unknown) => {
          fullChain = undefined;
          throw new Error(
            "no AWS credentials: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set (Lambda sets them for the function's role), " +
              `and ${fullChainModule} (the SDK's full chain, for runs outside Lambda) cannot be loaded here`,
            { cause: cause instanceof Error ? cause : envError },
          );
        },
      );
      return (await fullChain)();
    }
  };
}
