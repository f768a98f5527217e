import type { Plugin } from 'esbuild';

/** The spec validator a bundle does without (shared/model/cluster-spec/validate.ts). */
export declare const VALIDATOR: string;
/** What answers in its place (shared/model/cluster-spec/prevalidated.ts). */
export declare const PREVALIDATED: string;
/** The esbuild plugin resolving {@link VALIDATOR} to the packaged outcomes of the specs `specPaths` names. */
export declare function prevalidatedSpecsPlugin(options: { specPaths: () => string[] }): Plugin;
/** The absolute spec paths of a Serverless service's `EKS_PILOT_SPECS`. */
export declare function servicesSpecPaths(serverless: {
  service: { provider: { environment?: Record<string, unknown> } };
  config: { serviceDir?: string; servicePath?: string };
}): string[];
