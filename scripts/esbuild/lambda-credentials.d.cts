import type { Plugin } from 'esbuild';

/** The environment-only chain the Lambda bundles carry (shared/adapters/aws/lambda-credentials.ts). */
export declare const LAMBDA_CHAIN: string;
/** The esbuild plugin resolving `@aws-sdk/credential-provider-node` to {@link LAMBDA_CHAIN}. */
export declare function lambdaCredentialsPlugin(): Plugin;
